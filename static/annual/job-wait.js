// The waiting page of a PDF being made by a background job: poll the job's status URL and
// open the PDF when it is ready; show the job's error (in Chinese, from the server) if any.
(function () {
  "use strict";
  var box = document.getElementById("job-wait");
  if (!box || !box.dataset.statusUrl) return;
  var statusEl = box.querySelector("[data-job-status]");
  var errorEl = box.querySelector("[data-job-error]");
  var delay = 1000;

  function show(job) {
    statusEl.textContent = job.label + (job.attempts > 1 ? "（第 " + job.attempts + " 次尝试）" : "");
    errorEl.textContent = job.error || "";
    errorEl.classList.toggle("d-none", !job.error);
    errorEl.classList.toggle("alert-danger", job.status === "failed");
    errorEl.classList.toggle("alert-warning", job.status !== "failed");
  }

  function poll() {
    fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        // The job is gone: a newer version of the report replaced this draft. Asking for the PDF
        // again follows the current version.
        if (response.status === 404) { window.location.replace(box.dataset.doneUrl); return "gone"; }
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (job === "gone") return;
        if (job && job.superseded) { window.location.replace(box.dataset.doneUrl); return; }
        if (job) {
          show(job);
          if (job.status === "done") { window.location.replace(box.dataset.doneUrl); return; }
          if (job.status === "failed") return;
        }
        schedule();
      })
      .catch(schedule);  // the server restarting or the network blinking: keep trying
  }

  function schedule() {
    delay = Math.min(delay * 1.5, 5000);
    window.setTimeout(poll, delay);
  }

  window.setTimeout(poll, delay);
})();
