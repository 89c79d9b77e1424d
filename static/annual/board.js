// Round board: the header checkbox selects every agency that can be reminded (not submitted).
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) return;
  var boxes = function () { return document.querySelectorAll('input[name="agency"]'); };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
})();
