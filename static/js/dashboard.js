// Trend charts of the network's health, one small line chart per figure, from the page's JSON.
(function () {
  const source = document.getElementById("trend-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const accent = "#2f6f5e";
  document.querySelectorAll("#trend-charts canvas[data-series]").forEach((canvas) => {
    const series = data.series[Number(canvas.dataset.series)];
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: series.label,
            data: series.values,
            borderColor: accent,
            backgroundColor: "rgba(47, 111, 94, 0.12)",
            fill: true,
            tension: 0.25,
            pointRadius: data.labels.length > 30 ? 0 : 3,
            spanGaps: true,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { ticks: { maxTicksLimit: 4, maxRotation: 0, font: { size: 10 } }, grid: { display: false } },
          y: { ticks: { maxTicksLimit: 4, font: { size: 10 } }, beginAtZero: false },
        },
      },
    });
  });
})();
