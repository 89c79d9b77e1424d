// The 汇总 page: a value cell opens its drill-down (which agencies contribute what) in a dialog.
// Without JavaScript the cell is an ordinary link to the same drill-down page.
(function () {
  "use strict";
  const dialog = document.getElementById("drill");
  if (!dialog) return;
  const body = document.getElementById("drill-body");
  document.addEventListener("click", async function (event) {
    const link = event.target.closest("a.rollup-cell");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const url = new URL(link.href, window.location.href);
    url.searchParams.set("partial", "1");
    body.textContent = "正在读取……";
    if (!dialog.open) dialog.showModal();
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      body.innerHTML = await response.text();  // our own server-rendered, escaped fragment
    } catch (error) {
      body.textContent = "读取失败，请刷新页面后重试（" + error.message + "）。";
    }
  });
  dialog.addEventListener("click", function (event) {
    if (event.target.closest("[data-close]") || event.target === dialog) dialog.close();
  });
})();
