// Draws the Operations charts with uPlot from each .ops-chart's data-series, again after every htmx refresh.
(function () {
  "use strict";

  var SERIES = {
    volume: [
      { label: "Created", key: "created", stroke: "#0d6efd", fill: "rgba(13,110,253,0.15)" },
      { label: "Delivered", key: "delivered", stroke: "#198754" },
      { label: "Failed", key: "failed", stroke: "#dc3545" },
    ],
    latency: [
      { label: "p50", key: "p50", stroke: "#0d6efd" },
      { label: "p95", key: "p95", stroke: "#fd7e14" },
    ],
  };

  function draw(element) {
    var data = JSON.parse(element.dataset.series);
    var series = SERIES[element.dataset.chart];
    if (!series || typeof uPlot === "undefined") return;
    if (element.uplot) element.uplot.destroy();
    var options = {
      width: Math.max(element.clientWidth, 280),
      height: 220,
      series: [{}].concat(series.map(function (s) {
        return { label: s.label, stroke: s.stroke, fill: s.fill, width: 2, spanGaps: false };
      })),
      axes: [{}, { size: 50 }],
      scales: { x: { time: true } },
    };
    var columns = [data.x].concat(series.map(function (s) { return data[s.key]; }));
    element.uplot = new uPlot(options, columns, element);
    element.dataset.drawn = "true";
  }

  function drawNew() {
    document.querySelectorAll(".ops-chart[data-series]:not([data-drawn])").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawNew);
  document.addEventListener("htmx:afterSettle", drawNew);
  window.addEventListener("resize", function () {
    document.querySelectorAll(".ops-chart").forEach(function (element) {
      if (element.uplot) element.uplot.setSize({ width: Math.max(element.clientWidth, 280), height: 220 });
    });
  });
})();
