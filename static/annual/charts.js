// The 图解 page: draws each chart of #chart-data (annual/charts.py, Chart.as_echarts) with the
// vendored ECharts, as horizontal bars in the colours the SVG of the publication package uses.
// A blank value draws no bar and is labelled 空白, a zero is labelled 0.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) { return; }
  var charts = JSON.parse(source.textContent);
  var drawn = [];
  charts.forEach(function (chart) {
    var el = document.querySelector('[data-chart="' + chart.key + '"]');
    if (!el) { return; }
    var instance = window.echarts.init(el, null, { renderer: "svg" });
    var several = chart.series.length > 1;
    instance.setOption({
      animation: false,
      textStyle: { fontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif', color: "#222" },
      legend: several ? { top: 0, data: chart.series.map(function (s) { return s.name; }) } : undefined,
      grid: { left: 8, right: 48, top: several ? 36 : 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: chart.categories,
               axisLabel: { width: 160, overflow: "break" } },
      series: chart.series.map(function (s) {
        return {
          name: s.name, type: "bar", barMaxWidth: 18, itemStyle: { color: s.colour },
          data: s.values.map(function (v) { return v === null ? { value: 0, blank: true } : v; }),
          label: { show: true, position: "right", color: "#222",
                   formatter: function (p) { return p.data && p.data.blank ? "空白" : String(p.value); } }
        };
      })
    });
    drawn.push(instance);
  });
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
}());
