// Round board: the header checkbox selects every agency that can be reminded (the subordinates
// not submitted: the board's own agency has no checkbox); the print button; the bulk jobs'
// progress, polled until each is done and its download shown.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="agency"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  var print = document.querySelector('[data-action="print"]');
  if (print) print.addEventListener("click", function () { window.print(); });

  document.querySelectorAll("[data-bulk][data-status-url]").forEach(function (box) {
    var progress = box.querySelector("[data-bulk-progress]");
    var download = box.querySelector("[data-bulk-download]");
    var error = box.querySelector("[data-bulk-error]");
    var button = box.querySelector("button");
    var delay = 1000;
    function poll() {
      fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (job) {
            progress.textContent = job.progress;
            error.textContent = job.error || "";
            error.classList.toggle("d-none", !job.error);
            if (job.download) { download.href = job.download; download.classList.remove("d-none"); }
            if (job.finished) { if (button) button.disabled = false; return; }
          }
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, delay);
  });
})();
