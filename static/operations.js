// Draws the Operations charts with uPlot from each .ops-chart's data-series, again after every htmx refresh.
// Counts are stacked bars from zero (delivered, failed, and what is still pending make up the created total);
// latency is labelled points on an axis from zero. Times are local, on a 24-hour clock, as everywhere else.
(function () {
  "use strict";

  var HEIGHT = 220;
  var LABEL_LIMIT = 12; // label each point only while there are few enough to read
  var hour = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" });
  var day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

  function css(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function xAxis() {
    return {
      stroke: css("--bs-secondary-color", "#6c757d"),
      grid: { stroke: css("--bs-border-color-translucent", "rgba(0,0,0,.1)") },
      values: function (u, splits) {
        return splits.map(function (ts) {
          var date = new Date(ts * 1000);
          return date.getHours() === 0 && date.getMinutes() === 0 ? day.format(date) : hour.format(date);
        });
      },
    };
  }

  function yAxis(format) {
    return {
      size: 56,
      stroke: css("--bs-secondary-color", "#6c757d"),
      grid: { stroke: css("--bs-border-color-translucent", "rgba(0,0,0,.1)") },
      values: function (u, splits) { return splits.map(format); },
    };
  }

  // Half an hour either side, so the first and the current hour's bar or point are drawn whole.
  function padHour(u, min, max) { return [min - 1800, max + 1800]; }

  function niceMax(max, integer) {
    if (!(max > 0)) return 1;
    var top = max * 1.2;
    if (integer) return Math.max(1, Math.ceil(top));
    var step = Math.pow(10, Math.floor(Math.log10(top)));
    return Math.ceil(top / step) * step;
  }

  // Writes each value above its point or bar (canvas text, so the CSP allows it).
  function labels(values, format, seriesIndex) {
    return function (u) {
      var shown = values.filter(function (v) { return v != null && v !== 0; }).length;
      if (shown === 0 || shown > LABEL_LIMIT) return;
      var ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = css("--bs-body-color", "#212529");
      ctx.font = Math.round(11 * devicePixelRatio) + "px system-ui, sans-serif";
      ctx.textAlign = "center";
      values.forEach(function (value, i) {
        if (value == null || value === 0) return;
        var x = u.valToPos(u.data[0][i], "x", true);
        var y = u.valToPos(u.data[seriesIndex][i], "y", true);
        ctx.fillText(format(value), x, y - 6 * devicePixelRatio);
      });
      ctx.restore();
    };
  }

  function volume(data, width) {
    var pendingTop = data.created;
    var failedTop = data.delivered.map(function (d, i) { return d + data.failed[i]; });
    var bars = uPlot.paths.bars({ size: [0.7, 48], gap: 1 });
    var raw = { 1: data.created, 2: data.failed, 3: data.delivered };
    var count = function (v) { return String(Math.round(v)); };
    var legendValue = function (u, v, si, i) { return i == null ? "—" : String(raw[si][i]); };
    return {
      options: {
        width: width,
        height: HEIGHT,
        series: [
          { value: function (u, ts) { return ts == null ? "—" : full.format(new Date(ts * 1000)); } },
          { label: "Created (pending shown grey)", stroke: "#6c757d", fill: "rgba(108,117,125,0.55)", paths: bars, points: { show: false }, value: legendValue },
          { label: "Failed", stroke: "#dc3545", fill: "rgba(220,53,69,0.85)", paths: bars, points: { show: false }, value: legendValue },
          { label: "Delivered", stroke: "#198754", fill: "rgba(25,135,84,0.85)", paths: bars, points: { show: false }, value: legendValue },
        ],
        axes: [xAxis(), yAxis(count)],
        scales: {
          x: { time: true, range: padHour },
          y: { range: function (u, min, max) { return [0, niceMax(max, true)]; } },
        },
        hooks: { draw: [labels(data.created, count, 1)] },
      },
      columns: [data.x, pendingTop, failedTop, data.delivered],
      total: data.created.reduce(function (a, b) { return a + b; }, 0),
      empty: "No deliveries in the last 24 hours.",
    };
  }

  function latency(data, width) {
    var seconds = function (v) { return v == null ? "—" : (v < 10 ? v.toFixed(2) : v.toFixed(0)) + " s"; };
    var max = Math.max.apply(null, data.p50.concat(data.p95).filter(function (v) { return v != null; }).concat([0]));
    var point = function (stroke) { return { show: true, size: 8, stroke: stroke, fill: stroke }; };
    return {
      options: {
        width: width,
        height: HEIGHT,
        series: [
          { value: function (u, ts) { return ts == null ? "—" : full.format(new Date(ts * 1000)); } },
          { label: "p50", stroke: "#0d6efd", width: 2, points: point("#0d6efd"), value: function (u, v) { return seconds(v); } },
          { label: "p95", stroke: "#fd7e14", width: 2, points: point("#fd7e14"), value: function (u, v) { return seconds(v); } },
        ],
        axes: [xAxis(), yAxis(function (v) { return v + " s"; })],
        scales: {
          x: { time: true, range: padHour },
          y: { range: function () { return [0, niceMax(max, false)]; } },
        },
        hooks: { draw: [labels(data.p95, seconds, 2)] },
      },
      columns: [data.x, data.p50, data.p95],
      total: data.p50.filter(function (v) { return v != null; }).length,
      empty: "Nothing delivered in the last 24 hours, so no latency to show.",
    };
  }

  var CHARTS = { volume: volume, latency: latency };

  function note(element, text) {
    var caption = element.parentNode.querySelector(".ops-chart-note");
    if (!caption) {
      caption = document.createElement("p");
      caption.className = "ops-chart-note small text-secondary mb-0";
      element.after(caption);
    }
    caption.textContent = text || "";
    caption.hidden = !text;
  }

  function draw(element) {
    var build = CHARTS[element.dataset.chart];
    if (!build || typeof uPlot === "undefined") return;
    var chart = build(JSON.parse(element.dataset.series), Math.max(element.clientWidth, 280));
    if (element.uplot) element.uplot.destroy();
    element.uplot = new uPlot(chart.options, chart.columns, element);
    element.dataset.drawn = "true";
    note(element, chart.total ? "" : chart.empty);
  }

  function drawNew() {
    document.querySelectorAll(".ops-chart[data-series]:not([data-drawn])").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawNew);
  document.addEventListener("htmx:afterSettle", drawNew);
  window.addEventListener("resize", function () {
    document.querySelectorAll(".ops-chart").forEach(function (element) {
      if (element.uplot) element.uplot.setSize({ width: Math.max(element.clientWidth, 280), height: HEIGHT });
    });
  });
})();
