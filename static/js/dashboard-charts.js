/* Dashboards (issue 5): draw every <canvas data-chart="ID"> from the JSON in <script id="ID" type="application/json">.
   No inline script (CSP). JSON: {labels, values, label} for a simple bar chart, or
   {labels, datasets: [{label, data, kind: "bar"|"line", stack, color}], stacked: true, marks: [index, ...]}.
   Null values (counts suppressed as "<5") are left as gaps; the table beside each chart has the same figures. */
(function () {
  "use strict";
  var PALETTE = ["#2563eb", "#d97706", "#b00020", "#059669", "#7c3aed", "#0891b2", "#64748b"];

  function datasetsOf(spec) {
    if (spec.datasets) {
      return spec.datasets.map(function (d, i) {
        var color = d.color || PALETTE[i % PALETTE.length];
        var ds = { label: d.label, data: d.data, backgroundColor: color, borderColor: color, type: d.kind || "bar" };
        ds.stack = d.stack || ("own-" + i);  /* lines never pile onto the stacked bars or each other */
        if (ds.type === "line") {
          ds.fill = false; ds.borderDash = d.dashed ? [6, 4] : []; ds.pointRadius = d.dots ? 4 : 0; ds.spanGaps = true; ds.order = -1;
        }
        if (d.points) { ds.showLine = false; ds.pointRadius = 6; ds.pointStyle = "triangle"; ds.order = -2; }
        return ds;
      });
    }
    return [{ label: spec.label, data: spec.values, backgroundColor: PALETTE[0] }];
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var stacked = !!spec.stacked;
    new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasetsOf(spec) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
