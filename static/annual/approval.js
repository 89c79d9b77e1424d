// The review page (templates/annual/workflow/approval.html).
//
// A comment typed into 审核意见 but not added with 添加审核意见 used to vanish when the approver
// pressed 退回修改. Now the return form carries it (the server adds it in the same transaction as
// the return, or refuses the return and says why), and leaving the page with unsent text asks
// first.
(function () {
  "use strict";
  var page = document.querySelector('[data-page="approval"]');
  if (!page) return;
  var commentForm = page.querySelector('[data-form="comment"]');
  var returnForm = page.querySelector('[data-form="return"]');
  var submitting = false;

  function field(form, name) {
    return form ? form.querySelector('[name="' + name + '"]') : null;
  }

  function hidden(form, name, value) {
    var input = field(form, name);
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  if (returnForm && commentForm) {
    returnForm.addEventListener("submit", function () {
      var text = field(commentForm, "text");
      if (text && text.value.trim()) {
        hidden(returnForm, "comment_target", field(commentForm, "target").value);
        hidden(returnForm, "comment_text", text.value);
      }
    });
  }

  page.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () { submitting = true; });
  });

  // Text typed into any of the page's text areas and not yet sent.
  function unsent() {
    return Array.prototype.some.call(page.querySelectorAll("textarea"), function (area) {
      return area.value.trim() !== area.defaultValue.trim();
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !unsent()) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
