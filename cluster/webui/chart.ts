/** Utilisation over time as a small inline SVG line chart (no chart library, nothing fetched). */
import { h, svg } from './dom';

export interface Sample { at: number; values: Record<string, number> }

export interface Series { key: string; label: string; colour: string }

/** A ring of the latest samples: memory stays flat however long the page is open. */
export class History {
  readonly samples: Sample[] = [];
  constructor(private readonly capacity = 240) {}

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
  if (samples.length > 0) {
    const t0 = samples[0].at;
    const span = Math.max(samples[samples.length - 1].at - t0, 60_000);
    const x = (at: number) => PAD.left + ((at - t0) / span) * plotW;
    const y = (v: number) => PAD.top + plotH * (1 - Math.min(1, Math.max(0, v)));
    for (const s of series) {
      const points = samples.map((p) => `${x(p.at).toFixed(1)},${y(p.values[s.key] ?? 0).toFixed(1)}`);
      if (points.length === 1) points.push(`${(PAD.left + plotW).toFixed(1)},${y(samples[0].values[s.key] ?? 0).toFixed(1)}`);
      root.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: s.colour, 'stroke-width': 1.75, 'stroke-linejoin': 'round' }));
    }
    const minutes = Math.round(span / 60_000);
    root.append(svg('text', { x: PAD.left, y: HEIGHT - 4, class: 'axis' }, `${minutes} min ago`));
    root.append(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 4, class: 'axis', 'text-anchor': 'end' }, 'now'));
  }
  const legend = h('div', { class: 'legend' }, series.map((s) => {
    const last = samples[samples.length - 1]?.values[s.key];
    return h('span', null, h('i', { style: `background:${s.colour}` }), `${s.label} ${last === undefined ? '' : `${Math.round(last * 100)}%`}`);
  }));
  return h('div', { class: 'chart-wrap' }, root as unknown as HTMLElement, legend);
}
