/** Utilisation over time as a small inline SVG line chart (no chart library, nothing fetched). */
import { h, svg } from './dom';

export interface Sample { at: number; values: Record<string, number> }

export interface Series { key: string; label: string; colour: string }

/** A ring of the latest samples: memory stays flat however long the page is open. */
export class History {
  readonly samples: Sample[] = [];
  constructor(private readonly capacity = 150) {}

  /** Samples closer than `spacingMs` to the previous one replace it, so the last point is always current. */
  add(sample: Sample, spacingMs = 0): void {
    if (this.samples.length > 1 && sample.at - this.samples[this.samples.length - 2].at < spacingMs) {
      this.samples[this.samples.length - 1] = sample;
      return;
    }
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
  }
}

const WIDTH = 600;
const HEIGHT = 120;
/** The chart always spans this much time, ending now. */
const WINDOW_MS = 10 * 60_000;
const PAD = { left: 34, right: 8, top: 8, bottom: 18 };

/** Fractions (0..1) per series over time; the y axis is 0–100%. */
export function utilisationChart(history: History, series: Series[]): HTMLElement {
  const samples = history.samples;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': 'Allocation over time' });
  for (const pct of [0, 50, 100]) {
    const y = PAD.top + plotH * (1 - pct / 100);
    root.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: PAD.left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, `${pct}%`));
  }
  const now = Date.now();
  const x = (at: number) => PAD.left + plotW * (1 - Math.min(1, (now - at) / WINDOW_MS));
  const y = (v: number) => PAD.top + plotH * (1 - Math.min(1, Math.max(0, v)));
  const visible = samples.filter((p) => now - p.at <= WINDOW_MS);
  if (visible.length > 0) {
    for (const s of series) {
      const points = visible.map((p) => `${x(p.at).toFixed(1)},${y(p.values[s.key] ?? 0).toFixed(1)}`);
      // The last value holds until now.
      points.push(`${x(now).toFixed(1)},${y(visible[visible.length - 1].values[s.key] ?? 0).toFixed(1)}`);
      root.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: s.colour, 'stroke-width': 1.75, 'stroke-linejoin': 'round' }));
      const [cx, cy] = points[points.length - 1].split(',');
      root.append(svg('circle', { cx, cy, r: 2.5, fill: s.colour }));
    }
  }
  root.append(svg('text', { x: PAD.left, y: HEIGHT - 4, class: 'axis' }, `${WINDOW_MS / 60_000} min ago`));
  root.append(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, class: 'axis', 'text-anchor': 'end' }, 'now'));
  const legend = h('div', { class: 'legend' }, series.map((s) => {
    const last = samples[samples.length - 1]?.values[s.key];
    return h('span', null, h('i', { style: `background:${s.colour}` }), `${s.label} ${last === undefined ? '' : `${Math.round(last * 100)}%`}`);
  }));
  return h('div', { class: 'chart-wrap' }, root as unknown as HTMLElement, legend);
}
