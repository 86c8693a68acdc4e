import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset, type ScatterDataPoint } from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export type Series = ChartDataset<"line", (ScatterDataPoint | { x: number; y: number | null })[]>;

export interface LineChartProps {
  datasets: Series[];
  xTitle: string;
  yTitle: string;
  /** x values are Unix ms: label the axis with clock times. */
  xIsTime?: boolean;
  testid: string;
}

/** A Chart.js line chart over a linear x axis, updated in place (no animation) when its data changes. */
export function LineChart({ datasets, xTitle, yTitle, xIsTime, testid }: LineChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"line", Series["data"]> | null>(null);

  useEffect(() => {
    chart.current = new Chart(canvas.current!, {
      type: "line",
      data: { datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", intersect: false },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: {
          x: {
            type: "linear",
            title: { display: true, text: xTitle },
            ticks: { maxTicksLimit: 8, callback: (v) => (xIsTime ? new Date(Number(v)).toLocaleTimeString([], { hour12: false }) : String(v)) },
          },
          y: { type: "linear", title: { display: true, text: yTitle }, beginAtZero: !xIsTime, ticks: { precision: 0 } },
        },
      },
    });
    return () => chart.current?.destroy();
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.datasets = datasets;
    c.update("none");
  }, [datasets]);

  return (
    <div class="chart" data-testid={testid}>
      <canvas ref={canvas} />
    </div>
  );
}
