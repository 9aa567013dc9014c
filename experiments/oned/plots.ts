// Hand-written SVG line charts for the 1-D experiment: the data density
// against the learned Gaussian (and the exact optimum), and the learned
// H + E against the true log(p / q_theta).

import { logDensityData1D, logNormal, type Optimum1D } from './optimum';
import { energy1D, logRatio1D } from './reference';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  dash?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** y range; default: the data's, padded. Points outside are clipped. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

const fmt = (v: number): string => String(Number(v.toPrecision(4)));

/** A line chart as a standalone SVG document. */
export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { left: 60, right: 20, top: 36, bottom: 48 };
  const xs = o.series.flatMap((s) => [...s.x]);
  const ysAll = o.series.flatMap((s) => [...s.y]).filter(Number.isFinite);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  let [y0, y1] = o.yRange ?? [Math.min(...ysAll), Math.max(...ysAll)];
  if (!o.yRange) {
    const pad = 0.05 * (y1 - y0 || 1);
    y0 -= pad;
    y1 += pad;
  }
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`);
  parts.push(`<defs><clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}"/></clipPath></defs>`);
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${px(t)}" y1="${m.top}" x2="${px(t)}" y2="${H - m.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px(t)}" y="${H - m.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.left}" y1="${py(t)}" x2="${W - m.right}" y2="${py(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const s of o.series) {
    const pts = s.x.map((x, i) => [x, s.y[i]] as const).filter(([, y]) => Number.isFinite(y));
    const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x).toFixed(2)},${py(Math.min(Math.max(y, y0 - (y1 - y0)), y1 + (y1 - y0))).toFixed(2)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} clip-path="url(#plot)"/>`);
  }
  o.series.forEach((s, i) => {
    const y = m.top + 14 + 16 * i;
    const x = W - m.right - 190;
    parts.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    parts.push(`<text x="${x + 30}" y="${y}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export interface PlotInput {
  label: string;
  mu: number;
  sigma: number;
  /** H on a grid (OnedResult.curve). */
  curve: { x: number[]; h: number[] };
}

/** Data density p(x) against the learned N(mu, sigma^2) and the exact optimum. */
export function densityPlot(r: PlotInput, optimum: Optimum1D): string {
  const x = r.curve.x;
  return lineChart({
    title: `${r.label}: data density and learned Gaussian`,
    xLabel: 'x',
    yLabel: 'density',
    series: [
      { name: 'data p(x)', x, y: x.map((t) => Math.exp(logDensityData1D(t))), color: '#1f77b4' },
      { name: `learned N(${r.mu.toFixed(3)}, ${Math.abs(r.sigma).toFixed(3)}^2)`, x, y: x.map((t) => Math.exp(logNormal(t, r.mu, Math.abs(r.sigma)))), color: '#d62728' },
      { name: `optimum N(${optimum.mu.toFixed(3)}, ${optimum.sigma.toFixed(3)}^2)`, x, y: x.map((t) => Math.exp(logNormal(t, optimum.mu, optimum.sigma))), color: '#ff7f0e', dash: '6 4' },
    ],
  });
}

/** The learned H + E against the true log(p / q_theta) (clipped to [-12, 8]). */
export function ratioPlot(r: PlotInput): string {
  const x = r.curve.x;
  return lineChart({
    title: `${r.label}: H + E against log(p / q_theta)`,
    xLabel: 'x',
    yLabel: 'log ratio',
    yRange: [-12, 8],
    series: [
      { name: 'log(p(x) / q_theta(x))', x, y: x.map((t) => logRatio1D(t, r.mu, r.sigma)), color: '#ff7f0e' },
      { name: 'H(x) + E(x)', x, y: x.map((t, i) => r.curve.h[i] + energy1D(t, r.mu, r.sigma)), color: '#d62728', dash: '4 3' },
    ],
  });
}
