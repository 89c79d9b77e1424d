/* Entry steps: unsaved-changes warning, saving before a jump, character counts, the 2021
   overview checklist, and focusing the cell a review link points at. No framework needed. */
(function () {
  "use strict";
  var form = document.getElementById("step-form");
  var editable = form && !form.hasAttribute("data-readonly");
  var submitting = false;
  var saveState = document.querySelector("[data-save-state]");

  function setDirty(on) {
    if (!form) return;
    form.dataset.dirty = on ? "1" : "0";
    if (saveState) {
      saveState.textContent = on ? "有未保存的修改" : "";
      saveState.classList.toggle("dirty", on);
    }
  }
  window.entryForm = { markDirty: function () { if (editable) setDirty(true); } };

  if (form && editable) {
    if (form.dataset.dirty === "1") setDirty(true);
    form.addEventListener("input", function () { setDirty(true); });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (form.dataset.dirty === "1" && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    // Jumping to another step with unsaved edits saves them first, then goes there.
    document.querySelectorAll(".step-link").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (form.dataset.dirty !== "1") return;
        event.preventDefault();
        form.elements.goto.value = link.dataset.step;
        submitting = true;
        form.submit();
      });
    });
    // Enter in a one-line field must not trigger "上一步" or any other button but 保存.
    form.addEventListener("keydown", function (event) {
      var t = event.target;
      if (event.key === "Enter" && t.tagName === "INPUT" && !t.classList.contains("cell") && t.type !== "submit") {
        event.preventDefault();
        form.querySelector("button[value=save]").click();
      }
    });
  }

  // Character counts for text areas.
  function countText(text, limit) {
    var chars = text.replace(/\s/g, "").length;
    var paragraphs = text.split(/\n\s*\n/).filter(function (p) { return p.trim(); }).length;
    var line = "共 " + chars + " 字（不计空白），" + paragraphs + " 段";
    if (limit && text.length > limit) line += "；已超过上限 " + limit + " 字，无法保存";
    return line;
  }
  document.querySelectorAll("textarea[data-charcount]").forEach(function (area) {
    var out = document.querySelector('[data-charcount-for="' + area.id + '"]');
    if (!out) {
      out = document.createElement("div");
      out.className = "charcount mt-1";
      area.insertAdjacentElement("afterend", out);
    }
    var limit = parseInt(area.dataset.limit || "0", 10);
    var update = function () {
      out.textContent = countText(area.value, limit);
      out.classList.toggle("text-danger", !!limit && area.value.length > limit);
    };
    area.addEventListener("input", update);
    update();
  });

  // 一、总体情况 (2021): tick each of the five aspects the text mentions.
  document.querySelectorAll("[data-aspects]").forEach(function (list) {
    var area = document.getElementById(list.dataset.target);
    var items = list.querySelectorAll("[data-aspect]");
    var update = function () {
      items.forEach(function (li) { li.classList.toggle("done", area.value.indexOf(li.dataset.aspect) !== -1); });
    };
    area.addEventListener("input", update);
    update();
  });

  // A link such as #cell-applications.received.natural_person focuses and flashes that cell.
  // Grid inputs carry no id (the 三 grid has 154 of them); "cell-PATH" finds the input named PATH.
  function focusCell(id) {
    var el = document.getElementById(id) || document.getElementsByName(id.replace(/^cell-/, ""))[0];
    if (!el) return;
    el.scrollIntoView({ block: "center" });
    el.focus({ preventScroll: true });
    el.classList.remove("flash");
    void el.offsetWidth;
    el.classList.add("flash");
  }
  if (location.hash.indexOf("#cell-") === 0) focusCell(decodeURIComponent(location.hash.slice(1)));
  document.addEventListener("click", function (event) {
    var a = event.target.closest("a[href^='#cell-']");
    if (!a) return;
    event.preventDefault();
    focusCell(decodeURIComponent(a.getAttribute("href").slice(1)));
  });
})();
