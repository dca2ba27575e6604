// Draws the Analytics charts with uPlot from each .analytics-chart's data-series, again after every htmx swap.
(function () {
  "use strict";

  var CHARTS = {
    volume: {
      unit: "",
      series: [
        { label: "Paged", key: "paged", stroke: "#0d6efd", fill: "rgba(13,110,253,0.35)", bar: 0.8 },
        { label: "Acknowledged", key: "acknowledged", stroke: "#fd7e14", fill: "rgba(253,126,20,0.55)", bar: 0.55 },
        { label: "Resolved", key: "resolved", stroke: "#198754", fill: "rgba(25,135,84,0.8)", bar: 0.3 },
      ],
    },
    times: {
      unit: " min",
      series: [
        { label: "Median to acknowledge", key: "tta", stroke: "#fd7e14" },
        { label: "Median to resolve", key: "ttr", stroke: "#198754" },
      ],
    },
  };

  function textColor() {
    return getComputedStyle(document.body).getPropertyValue("color") || "#212529";
  }

  function utcDay(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 10);
  }

  function shortDay(seconds) {
    return utcDay(seconds).slice(5);
  }

  // The y axis as wide as its longest label (a fixed width cut "0.075 min" to "075 min").
  function axisSize(u, values, axisIdx, cycleNum) {
    var axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    var size = axis.ticks.size + axis.gap + 4;
    var longest = (values || []).reduce(function (a, b) { return String(b).length > a.length ? String(b) : a; }, "");
    if (longest) {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / devicePixelRatio;
    }
    return Math.ceil(size);
  }

  function draw(element) {
    var chart = CHARTS[element.dataset.chart];
    if (!chart || typeof uPlot === "undefined") return;
    var data = JSON.parse(element.dataset.series);
    if (element.uplot) element.uplot.destroy();
    var color = textColor();
    var axis = { stroke: color, grid: { stroke: "rgba(128,128,128,0.2)" }, ticks: { stroke: "rgba(128,128,128,0.3)" } };
    var options = {
      width: Math.max(element.clientWidth, 280),
      height: 220,
      // One point a day: whole days on the axis, 24-hour UTC dates as the table's window says.
      scales: { x: { time: true, range: function (u, min, max) { return [min - 43200, max + 43200]; } } },
      axes: [
        Object.assign({}, axis, { space: 56, values: function (u, splits) { return splits.map(shortDay); } }),
        Object.assign({}, axis, { size: axisSize, values: function (u, splits) { return splits.map(function (v) { return v + chart.unit; }); } }),
      ],
      series: [{ value: function (u, v) { return v == null ? "—" : utcDay(v); } }].concat(chart.series.map(function (s) {
        var one = { label: s.label, stroke: s.stroke, width: 2, value: function (u, v) { return v == null ? "—" : v + chart.unit; } };
        if (s.bar) {
          one.fill = s.fill;
          one.paths = uPlot.paths.bars({ size: [s.bar, 60] });
          one.points = { show: false };
        } else {
          one.points = { show: true, size: 7 };
          one.spanGaps = true;
        }
        return one;
      })),
    };
    var columns = [data.x].concat(chart.series.map(function (s) { return data[s.key]; }));
    element.uplot = new uPlot(options, columns, element);
    element.dataset.drawn = "true";
  }

  function drawNew() {
    document.querySelectorAll(".analytics-chart[data-series]:not([data-drawn])").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawNew);
  document.addEventListener("htmx:afterSettle", drawNew);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
    document.querySelectorAll(".analytics-chart").forEach(draw);
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".analytics-chart").forEach(function (element) {
      if (element.uplot) element.uplot.setSize({ width: Math.max(element.clientWidth, 280), height: 220 });
    });
  });
})();
