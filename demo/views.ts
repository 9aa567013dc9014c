// The demo's pictures of one model: the density exp(-E) and the log-ratio
// H + E as heatmaps (values computed on the GPU by EnergyGrid), the chains'
// samples over the data, and the curves of the objectives. Every image
// buffer is made once per view; a redraw only writes pixels.

import { normalisedDensity, type GridBox, type TrainerMetrics } from '../src/index';

/** Pixels per side of every picture. */
export const VIEW_SIZE = 240;

type Rgb = [number, number, number];

function hex(c: string): Rgb {
  const n = parseInt(c.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 256 colours interpolated linearly between evenly spaced stops. */
function lut(stops: string[]): Uint8ClampedArray {
  const rgb = stops.map(hex);
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let j = 0; j < 3; j++) out[3 * i + j] = Math.round(rgb[k][j] * (1 - f) + rgb[k + 1][j] * f);
  }
  return out;
}

/** Density: white (nothing) to dark blue-violet (most). */
const DENSITY_LUT = lut(['#ffffff', '#d6e4f5', '#7fb0dc', '#3a73b8', '#2a2f8a', '#1b0c40']);
/** Log-ratio: blue (model puts more mass than the data), white (0: they agree), red (data more than model). */
const RATIO_LUT = lut(['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b']);

export const CURVE_COLOURS = { h: '#7b61c9', e: '#d9480f', gap: '#2b8a3e' };

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2-D canvas context');
  return ctx;
}

/** A heatmap: grid values through a colour table into a small image, scaled smoothly onto the canvas. */
class Heatmap {
  private readonly small: HTMLCanvasElement;
  private readonly smallCtx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement, readonly resolution: number) {
    this.small = document.createElement('canvas');
    this.small.width = this.small.height = resolution;
    this.smallCtx = context(this.small);
    this.image = this.smallCtx.createImageData(resolution, resolution);
    this.ctx = context(canvas);
  }

  /** Colours value v_i by table entry round(255 * map(v_i)), map into [0, 1]. */
  draw(values: ArrayLike<number>, table: Uint8ClampedArray, map: (v: number) => number): void {
    const d = this.image.data;
    for (let i = 0; i < values.length; i++) {
      const t = map(values[i]);
      const k = 3 * Math.round(255 * (Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0));
      d[4 * i] = table[k];
      d[4 * i + 1] = table[k + 1];
      d[4 * i + 2] = table[k + 2];
      d[4 * i + 3] = 255;
    }
    this.smallCtx.putImageData(this.image, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.imageSmoothingQuality = 'high';
    this.ctx.drawImage(this.small, 0, 0, this.canvas.width, this.canvas.height);
  }

  clear(text: string): void {
    this.ctx.fillStyle = '#f4f4f4';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.fillStyle = '#777';
    this.ctx.font = '13px system-ui, sans-serif';
    this.ctx.textAlign = 'center';
    this.ctx.fillText(text, this.canvas.width / 2, this.canvas.height / 2);
    this.ctx.textAlign = 'start';
  }
}

function canvas(cls: string, title: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = c.height = VIEW_SIZE;
  c.className = cls;
  c.title = title;
  return c;
}

function figure(c: HTMLCanvasElement, caption: string): HTMLElement {
  const f = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.innerHTML = caption;
  f.append(c, cap);
  return f;
}

/** The panel of one model: title, numbers, and four pictures. */
export class ModelView {
  readonly root: HTMLElement;
  readonly title: HTMLElement;
  readonly stats: HTMLElement;
  readonly message: HTMLElement;
  readonly actions: HTMLElement;
  readonly density: HTMLCanvasElement;
  readonly samples: HTMLCanvasElement;
  readonly ratio: HTMLCanvasElement;
  readonly curves: HTMLCanvasElement;
  private readonly densityMap: Heatmap;
  private readonly ratioMap: Heatmap;
  private readonly densityValues: Float32Array;
  private readonly ratioValues: Float32Array;
  private readonly scatter: CanvasRenderingContext2D;
  private readonly plot: CanvasRenderingContext2D;

  constructor(readonly name: string, resolution: number) {
    this.root = document.createElement('section');
    this.root.className = 'model';
    this.root.dataset.model = name;
    const head = document.createElement('div');
    head.className = 'model-head';
    this.title = document.createElement('h2');
    this.actions = document.createElement('span');
    this.actions.className = 'model-actions';
    head.append(this.title, this.actions);
    this.stats = document.createElement('div');
    this.stats.className = 'stats';
    this.message = document.createElement('div');
    this.message.className = 'model-message';
    this.density = canvas('density', 'the learned density exp(-E), normalised over the picture');
    this.samples = canvas('samples', 'the chains (red) over the data (grey)');
    this.ratio = canvas('ratio', 'H + E: the learned log(p / q)');
    this.curves = canvas('curves', 'objectives over the iterations');
    const views = document.createElement('div');
    views.className = 'views';
    views.append(
      figure(this.density, 'density exp(&minus;E)'),
      figure(this.samples, 'samples <span class="dot red"></span> over data <span class="dot grey"></span>'),
      figure(this.ratio, 'log-ratio H + E <span class="hint">(red: data &gt; model)</span>'),
      figure(this.curves, 'objectives'),
    );
    this.root.append(head, this.stats, this.message, views);
    this.densityMap = new Heatmap(this.density, resolution);
    this.ratioMap = new Heatmap(this.ratio, resolution);
    this.densityValues = new Float32Array(resolution * resolution);
    this.ratioValues = new Float32Array(resolution * resolution);
    this.scatter = context(this.samples);
    this.plot = context(this.curves);
  }

  /** Heatmaps from grid values: energy E, and H when the model has one (log-ratio H + E). */
  drawHeatmaps(energy: Float32Array, h: Float32Array | null): void {
    const max = normalisedDensity(energy, this.densityValues);
    const scale = max > 0 ? 1 / max : 0;
    this.densityMap.draw(this.densityValues, DENSITY_LUT, (p) => p * scale);
    if (!h) {
      this.ratioMap.clear('no H in contrastive divergence');
      return;
    }
    let big = 0.1;
    for (let i = 0; i < energy.length; i++) {
      const v = h[i] + energy[i];
      this.ratioValues[i] = v;
      if (Math.abs(v) > big) big = Math.abs(v);
    }
    this.ratioMap.draw(this.ratioValues, RATIO_LUT, (v) => 0.5 + v / (2 * big));
  }

  /** The data (grey, at most ~2000 of its points) and the chains (red), in the box. */
  drawSamples(data: Float32Array, samples: Float32Array | null, box: GridBox, drawing = false): void {
    const ctx = this.scatter;
    const W = this.samples.width;
    const [x0, x1, y0, y1] = box;
    const px = (x: number) => ((x - x0) / (x1 - x0)) * W;
    const py = (y: number) => ((y1 - y) / (y1 - y0)) * W;
    ctx.fillStyle = drawing ? '#fffbe6' : '#ffffff';
    ctx.fillRect(0, 0, W, W);
    ctx.strokeStyle = '#e3e3e3';
    ctx.beginPath();
    ctx.moveTo(px(0), 0);
    ctx.lineTo(px(0), W);
    ctx.moveTo(0, py(0));
    ctx.lineTo(W, py(0));
    ctx.stroke();
    const rows = data.length / 2;
    const stride = Math.max(1, Math.floor(rows / 2000));
    ctx.fillStyle = drawing ? 'rgba(60, 60, 60, 0.8)' : 'rgba(90, 90, 90, 0.35)';
    for (let i = 0; i < rows; i += stride) ctx.fillRect(px(data[2 * i]) - 1, py(data[2 * i + 1]) - 1, 2, 2);
    if (samples) {
      ctx.fillStyle = 'rgba(220, 30, 30, 0.75)';
      for (let i = 0; i < samples.length; i += 2) ctx.fillRect(px(samples[i]) - 1.25, py(samples[i + 1]) - 1.25, 2.5, 2.5);
    }
    if (drawing) {
      ctx.fillStyle = '#8a6d00';
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillText('draw here with the mouse', 8, 16);
    }
  }

  /** The objectives over the iterations: before the H step, the divergence estimate (E step), and E(data) - E(samples). */
  drawCurves(history: readonly TrainerMetrics[], cd: boolean): void {
    const ctx = this.plot;
    const W = this.curves.width;
    const H = this.curves.height;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    const series: { label: string; colour: string; value: (m: TrainerMetrics) => number }[] = cd
      ? [{ label: 'mean E(data) − mean E(samples)', colour: CURVE_COLOURS.e, value: (m) => m.eObjective }]
      : [
          { label: 'L before the H step', colour: CURVE_COLOURS.h, value: (m) => m.hObjective },
          { label: 'divergence estimate', colour: CURVE_COLOURS.e, value: (m) => m.eObjective },
          { label: 'E(data) − E(samples)', colour: CURVE_COLOURS.gap, value: (m) => m.meanEData - m.meanESamples },
        ];
    ctx.font = '11px system-ui, sans-serif';
    series.forEach((s, k) => {
      ctx.fillStyle = s.colour;
      ctx.fillText(s.label, 6, 13 + 13 * k);
    });
    if (history.length < 2) {
      ctx.fillStyle = '#888';
      ctx.fillText('curves appear as training runs', 6, H - 8);
      return;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const m of history) {
      for (const s of series) {
        const v = s.value(m);
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!(hi > lo)) hi = lo + 1;
    const top = 14 + 13 * series.length;
    const bottom = H - 16;
    const it0 = history[0].iteration;
    const it1 = history[history.length - 1].iteration;
    const px = (it: number) => 4 + ((it - it0) / Math.max(1, it1 - it0)) * (W - 8);
    const py = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    if (lo < 0 && hi > 0) {
      ctx.strokeStyle = '#ddd';
      ctx.beginPath();
      ctx.moveTo(0, py(0));
      ctx.lineTo(W, py(0));
      ctx.stroke();
    }
    for (const s of series) {
      ctx.strokeStyle = s.colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      history.forEach((m, i) => (i === 0 ? ctx.moveTo(px(m.iteration), py(s.value(m))) : ctx.lineTo(px(m.iteration), py(s.value(m)))));
      ctx.stroke();
    }
    ctx.lineWidth = 1;
    ctx.fillStyle = '#666';
    ctx.textAlign = 'right';
    ctx.fillText(`${hi.toPrecision(3)}`, W - 4, top - 2);
    ctx.fillText(`${lo.toPrecision(3)}`, W - 4, bottom + 12);
    ctx.textAlign = 'start';
    ctx.fillText(`iteration ${it1}`, 6, H - 3);
  }

  clear(text: string): void {
    this.densityMap.clear(text);
    this.ratioMap.clear(text);
  }
}

/** All panels' pictures in one PNG, with their titles. */
export async function exportPng(views: ModelView[], heading: string): Promise<Blob> {
  const pad = 12;
  const titleH = 22;
  const out = document.createElement('canvas');
  const per = 4;
  out.width = pad + per * (VIEW_SIZE + pad);
  out.height = 30 + views.length * (titleH + VIEW_SIZE + pad);
  const ctx = context(out);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#222';
  ctx.font = '14px system-ui, sans-serif';
  ctx.fillText(heading, pad, 20);
  views.forEach((v, r) => {
    const y = 30 + r * (titleH + VIEW_SIZE + pad);
    ctx.fillStyle = '#222';
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText(`${v.title.textContent ?? ''} — ${v.stats.textContent ?? ''}`, pad, y + 15);
    [v.density, v.samples, v.ratio, v.curves].forEach((c, k) => ctx.drawImage(c, pad + k * (VIEW_SIZE + pad), y + titleH));
  });
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser made no PNG'))), 'image/png'));
}
