import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, Title, CategoryScale } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, Title);

import type { Series } from './series.js';

export type { Series };

/** Colours distinguishable in colour-blind vision (Okabe-Ito). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export interface LineChartProps {
  /** What the chart shows; also its accessible name. */
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Lowest and highest y shown; default fitted to the data. */
  yMin?: number;
  yMax?: number;
  /** The x axis: whole numbers (rounds, the default) or times (epoch ms, shown as UTC dates). */
  xKind?: 'integer' | 'time';
  testId?: string;
}

/**
 * A line chart drawn by Chart.js. The canvas has an accessible name and a text summary beside it
 * (screen readers cannot read a canvas), and the data stay in the page's tables.
 */
export function LineChart({ title, xLabel, yLabel, series, yMin, yMax, xKind = 'integer', testId }: LineChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'line', { x: number; y: number | null }[]> | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: xLabel },
            ticks: xKind === 'integer' ? { stepSize: 1, precision: 0 } : { callback: (value) => timeLabel(Number(value)), maxTicksLimit: 6 },
          },
          y: { title: { display: true, text: yLabel }, ...(yMin !== undefined && { min: yMin }), ...(yMax !== undefined && { max: yMax }) },
        },
      },
    });
    return () => chart.current?.destroy();
  }, [title, xLabel, yLabel, yMin, yMax, xKind]);
  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.datasets = series.map((s, i) => ({
      label: s.label,
      data: s.points,
      borderColor: PALETTE[i % PALETTE.length],
      backgroundColor: PALETTE[i % PALETTE.length],
      borderDash: s.dashed ? [6, 4] : [],
      pointRadius: s.dashed ? 0 : 3,
      spanGaps: true,
    }));
    current.update();
  }, [series]);
  const summary = series
    .map((s) => {
      const last = s.points.filter((p) => p.y !== null).at(-1);
      return `${s.label}: ${last ? `${num(last.y!)} at ${xKind === 'time' ? timeLabel(last.x) : `${xLabel.toLowerCase()} ${last.x}`}` : 'no value yet'}`;
    })
    .join('; ');
  return (
    <figure class="chart" data-testid={testId}>
      <div class="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${title}. ${summary}`} />
      </div>
      <figcaption>{summary || 'No values yet.'}</figcaption>
    </figure>
  );
}

function num(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function timeLabel(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
