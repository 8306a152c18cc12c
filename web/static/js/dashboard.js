// The supervisor dashboard's charts: alert counts per colour over the monitoring rounds, by
// department and by functional class, from /api/v1/alerts/summary with the table's filters.
// They redraw whenever htmx swaps in a new table (a filter changed).
(function () {
  "use strict";

  const root = document.getElementById("alert-charts");
  if (!root || typeof Chart === "undefined") return;

  const COLOURS = ["red", "yellow", "green", "blue"];
  const PALETTE = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", blue: "#1565c0" };
  const english = document.documentElement.lang === "en";
  const form = document.getElementById(root.dataset.form);
  const charts = {};

  function filters() {
    const params = new URLSearchParams();
    if (!form) return params;
    for (const [key, value] of new FormData(form)) {
      if (key !== "filtered" && String(value).trim() !== "") params.append(key, value);
    }
    // No colour ticked means every colour, as in the table.
    return params;
  }

  function datasets(buckets) {
    return COLOURS.map((colour) => ({
      label: root.dataset["label" + colour.charAt(0).toUpperCase() + colour.slice(1)] || colour,
      data: buckets.map((bucket) => bucket.counts[colour]),
      backgroundColor: PALETTE[colour],
      borderWidth: 0,
      maxBarThickness: 48,
    })).filter((set) => set.data.some((count) => count > 0));
  }

  function draw(canvas, buckets) {
    const name = canvas.dataset.chart;
    const horizontal = name === "by_department";
    const config = {
      type: "bar",
      data: {
        labels: buckets.map((bucket) => (english ? bucket.label_en : bucket.label)),
        datasets: datasets(buckets),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: true, ticks: { precision: 0 } },
          y: { stacked: true, ticks: { precision: 0 }, beginAtZero: true },
        },
      },
    };
    if (charts[name]) charts[name].destroy();
    charts[name] = new Chart(canvas, config);
    canvas.dataset.bars = String(buckets.length);
  }

  function refresh() {
    const url = root.dataset.summaryUrl + "?" + filters().toString();
    root.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((summary) => {
        for (const canvas of root.querySelectorAll("canvas[data-chart]")) {
          draw(canvas, summary[canvas.dataset.chart] || []);
        }
        root.dataset.loaded = "true";
      })
      .catch((status) => {
        root.dataset.loaded = "failed";
        root.dataset.error = String(status);
      })
      .finally(() => root.removeAttribute("aria-busy"));
  }

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "alert-results") refresh();
  });
  refresh();
})();
