// Hand-written SVG plots of the 1-D experiment: the data density against the
// learned Gaussian, and the learned H + E against the true log(p / q_theta).

const W = 640;
const H = 360;
const M = { left: 56, right: 16, top: 28, bottom: 40 };

/** log of the data density p = 0.33 N(-1, 0.25^2) + 0.67 N(2, 2). */
export function logDataDensity(x: number): number {
  const n = (m: number, s2: number) => Math.exp(-((x - m) ** 2) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2);
  return Math.log(0.33 * n(-1, 0.0625) + 0.67 * n(2, 2));
}

export function logGaussian(x: number, mu: number, sigma: number): number {
  return -0.5 * ((x - mu) / sigma) ** 2 - Math.log(Math.abs(sigma) * Math.sqrt(2 * Math.PI));
}

interface Series {
  label: string;
  color: string;
  y: number[];
  dash?: boolean;
}

export function linePlot(title: string, x: number[], series: Series[], yLabel: string): string {
  const ys = series.flatMap((s) => s.y).filter(Number.isFinite);
  let lo = Math.min(...ys);
  let hi = Math.max(...ys);
  if (hi - lo < 1e-9) hi = lo + 1;
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const px = (v: number) => M.left + ((v - x[0]) / (x[x.length - 1] - x[0])) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  const path = (s: Series) =>
    `<path fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''} d="${s.y
      .map((v, i) => `${i === 0 ? 'M' : 'L'}${px(x[i]).toFixed(1)},${py(Math.min(hi, Math.max(lo, v))).toFixed(1)}`)
      .join('')}"/>`;
  const ticks = (n: number, a: number, b: number) => Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
  const xt = ticks(11, x[0], x[x.length - 1])
    .map((v) => `<text x="${px(v)}" y="${H - M.bottom + 16}" text-anchor="middle">${v.toFixed(0)}</text>`)
    .join('');
  const yt = ticks(5, lo, hi)
    .map((v) => `<text x="${M.left - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`)
    .join('');
  const legend = series
    .map((s, i) => `<text x="${W - M.right - 8}" y="${M.top + 16 + 16 * i}" text-anchor="end" fill="${s.color}">${s.label}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${title}</text>
<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>
${xt}${yt}
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">${yLabel}</text>
${series.map(path).join('\n')}
${legend}
</svg>
`;
}
