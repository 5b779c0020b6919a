// The office's days as a bar chart, drawn by Chart.js. Imported on demand by
// the supervisor's day, so the library stays out of the app's start-up; the
// figures and their labels come from the caller.

import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Bars {
  labels: string[];
  series: { label: string; data: number[]; colour: string }[];
}

export interface BarChart {
  show(bars: Bars): void;
  destroy(): void;
}

/** A bar chart on `canvas`, in the page's font and ink, with no animation (the figures are read, not watched). */
export function barChart(canvas: HTMLCanvasElement, font: string, ink: string): BarChart {
  Chart.defaults.font.family = font;
  Chart.defaults.color = ink;
  const chart = new Chart<"bar", number[], string>(canvas, {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    },
  });
  return {
    show(bars) {
      chart.data.labels = bars.labels;
      chart.data.datasets = bars.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.colour }));
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
