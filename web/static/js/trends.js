// Charts of trends across the years (engine/trends.py): every canvas with data-trend holds its
// chart's labels and series as JSON, already in the page's language.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-trend]").forEach(function (canvas) {
    var spec = JSON.parse(canvas.getAttribute("data-trend"));
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series) {
          return {
            type: series.type || "bar",
            label: series.label,
            data: series.data,
            yAxisID: series.axis || "y",
            backgroundColor: series.colour,
            borderColor: series.colour,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: spec.y } },
          y2: {
            beginAtZero: true,
            position: "right",
            grid: { drawOnChartArea: false },
            display: spec.series.some(function (s) { return s.axis === "y2"; }),
            title: { display: !!spec.y2, text: spec.y2 || "" },
          },
        },
      },
    });
  });
})();
