// The published-report import preview (templates/annual/published/preview.html): a figure's
// input carries data-where="page,left%,top%,width%,height%", where the reader found it printed.
// Focusing it marks that box on the page image and brings the page into view.
(function () {
  "use strict";
  var page = document.querySelector('[data-page="published-preview"]');
  if (!page) return;
  var mark = document.createElement("div");
  mark.className = "published-mark";
  mark.setAttribute("aria-hidden", "true");

  function show(input) {
    var where = (input.getAttribute("data-where") || "").split(",");
    if (where.length !== 5) {
      mark.remove();
      return;
    }
    var figure = document.getElementById("page-" + where[0]);
    if (!figure) return;
    mark.style.left = where[1] + "%";
    mark.style.top = where[2] + "%";
    mark.style.width = where[3] + "%";
    mark.style.height = where[4] + "%";
    figure.appendChild(mark);
    figure.scrollIntoView({ block: "nearest" });
  }

  page.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-where]")) show(event.target);
  });
})();
