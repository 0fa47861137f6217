// The dashboard's charts (ECharts, served by the app). Each chart's data is in a JSON script
// next to it; clicking a bar or a slice opens the list that counts it (the table under each
// chart holds the same numbers and links, for keyboards and screen readers).
(function () {
  "use strict";
  var PALETTE = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"];
  function option(chart) {
    var horizontal = chart.kind === "hbar";
    if (chart.kind === "pie") {
      var serie = chart.series[0];
      return {
        color: PALETTE,
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie",
          radius: ["35%", "65%"],
          data: serie.data.map(function (point, i) {
            return { name: chart.categories[i], value: point.value, url: point.url };
          }),
          label: { formatter: "{b}: {c}" }
        }]
      };
    }
    var categoryAxis = { type: "category", data: chart.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var valueAxis = { type: "value", name: chart.unit || "", minInterval: chart.unit ? 0 : 1 };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: horizontal ? 8 : 40, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: chart.series.map(function (serie) {
        return {
          name: serie.name,
          type: chart.kind === "line" ? "line" : "bar",
          stack: serie.stack || undefined,
          itemStyle: serie.color ? { color: serie.color } : undefined,
          data: serie.data.map(function (point) { return { value: point.value, url: point.url }; }),
          barMaxWidth: 28
        };
      })
    };
  }
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = JSON.parse(source.textContent);
      var instance = window.echarts.init(el, null, { renderer: "svg" });
      instance.setOption(option(chart));
      instance.on("click", function (params) {
        var url = params.data && params.data.url;
        if (url) { window.location.assign(url); }
      });
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
