// The demo's pictures of one model: the density exp(-E) and the log-ratio
// H + E as heatmaps (values computed on the GPU by EnergyGrid), the chains'
// samples over the data, and the curves of the objectives. The rasters and
// their colour maps are the library's picture module (src/picture/), the
// same as the command line's PNG files; the page puts its pixels on canvases.
// Every image buffer is made once per view; a redraw only writes pixels.

import { densityPicture, imageGrid, ratioPicture, samplesPicture, type GridBox, type Picture, type TrainerMetrics } from '../src/index';
import type { ImageSamples, ScorePoint } from './model';
import { SCORE_EVERY } from './score';

/** Pixels per side of every picture. */
export const VIEW_SIZE = 240;

/** The samples picture while drawing: a pale yellow page, the drawn points darker. */
const DRAWING = { background: [255, 251, 230] as const, data: { colour: [60, 60, 60] as const, alpha: 0.8, size: 2 } };

export const CURVE_COLOURS = { h: '#7b61c9', e: '#d9480f', gap: '#2b8a3e', frechet: '#1c64b8', confident: '#b8860b', agreement: '#8e2c9e' };

/** Columns of the samples grid (8 x 8 images). */
const GRID_COLUMNS = 8;

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2-D canvas context');
  return ctx;
}

/** The pixels of an ImageData as a Picture (the same memory: drawing into one fills the other). */
function pictureOf(image: ImageData): Picture {
  return { width: image.width, height: image.height, rgba: image.data };
}

/** A heatmap: a picture of grid values (one pixel per value), scaled smoothly onto the canvas. */
class Heatmap {
  private readonly small: HTMLCanvasElement;
  private readonly smallCtx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  /** The image's pixels, for the picture module to draw into. */
  readonly picture: Picture;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(readonly canvas: HTMLCanvasElement, readonly resolution: number) {
    this.small = document.createElement('canvas');
    this.small.width = this.small.height = resolution;
    this.smallCtx = context(this.small);
    this.image = this.smallCtx.createImageData(resolution, resolution);
    this.picture = pictureOf(this.image);
    this.ctx = context(canvas);
  }

  /** Shows the picture (drawn into this.picture) on the canvas. */
  show(): void {
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
  /** Images: the grid of the chains' samples, and the score over the iterations. */
  readonly digits: HTMLCanvasElement;
  readonly score: HTMLCanvasElement;
  private readonly pointFigures: HTMLElement[];
  private readonly imageFigures: HTMLElement[];
  private readonly digitsCaption: HTMLElement;
  private readonly densityMap: Heatmap;
  private readonly ratioMap: Heatmap;
  private readonly densityValues: Float32Array;
  private readonly ratioValues: Float32Array;
  private readonly scatter: CanvasRenderingContext2D;
  private readonly scatterImage: ImageData;
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
    this.digits = canvas('digits', "the chains' samples");
    this.score = canvas('score', 'the sample-quality score of the chains over the iterations');
    const views = document.createElement('div');
    views.className = 'views';
    this.pointFigures = [
      figure(this.density, 'density exp(&minus;E)'),
      figure(this.samples, 'samples <span class="dot red"></span> over data <span class="dot grey"></span>'),
      figure(this.ratio, 'log-ratio H + E <span class="hint">(red: data &gt; model)</span>'),
    ];
    const digitsFigure = figure(this.digits, "the chains' samples");
    this.digitsCaption = digitsFigure.querySelector('figcaption')!;
    this.imageFigures = [digitsFigure, figure(this.score, `sample quality (every ${SCORE_EVERY} iterations)`)];
    views.append(...this.pointFigures.slice(0, 2), this.imageFigures[0], this.pointFigures[2], this.imageFigures[1], figure(this.curves, 'objectives'));
    this.showKind('points');
    this.root.append(head, this.stats, this.message, views);
    this.densityMap = new Heatmap(this.density, resolution);
    this.ratioMap = new Heatmap(this.ratio, resolution);
    this.densityValues = new Float32Array(resolution * resolution);
    this.ratioValues = new Float32Array(resolution * resolution);
    this.scatter = context(this.samples);
    this.scatterImage = this.scatter.createImageData(VIEW_SIZE, VIEW_SIZE);
    this.plot = context(this.curves);
  }

  /** Shows the pictures of 2-D points (density, samples, log-ratio) or of images (the samples grid, and the score where there is one). */
  showKind(kind: 'points' | 'images', score = true): void {
    for (const f of this.pointFigures) f.hidden = kind !== 'points';
    for (const f of this.imageFigures) f.hidden = kind !== 'images';
    this.score.closest('figure')!.hidden = kind !== 'images' || !score;
  }

  /** The chains' images in a grid of 8 columns (at most 64), a conditional model's sorted by label; `caption` under it. */
  drawImages(s: ImageSamples, images: { width: number; height: number; range: [number, number] }, caption: string): void {
    const n = Math.min(s.n, GRID_COLUMNS * GRID_COLUMNS);
    const order = Array.from({ length: s.n }, (_, i) => i);
    if (s.labels) order.sort((a, b) => s.labels![a] - s.labels![b] || a - b);
    const px = images.width * images.height;
    const shown = new Float32Array(n * px);
    for (let k = 0; k < n; k++) shown.set(s.pixels.subarray(order[k] * px, (order[k] + 1) * px), k * px);
    const p = imageGrid(shown, n, images.width, images.height, { columns: Math.min(GRID_COLUMNS, n), gap: 2, range: images.range });
    if (this.digits.width !== p.width || this.digits.height !== p.height) {
      this.digits.width = p.width;
      this.digits.height = p.height;
    }
    const ctx = context(this.digits);
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, p.width, p.height);
    ctx.putImageData(new ImageData(new Uint8ClampedArray(p.rgba.buffer as ArrayBuffer, p.rgba.byteOffset, p.rgba.byteLength), p.width, p.height), 0, 0);
    this.digitsCaption.textContent = caption;
  }

  /**
   * The score over the iterations: the Frechet distance (log scale, left) and
   * the confident share (and, conditional, the share classified as their
   * label; 0 to 100%, right); `reference`: the Frechet distance of as many
   * real digits, dashed.
   */
  drawScores(scores: readonly ScorePoint[], reference: number | null): void {
    const ctx = context(this.score);
    const W = this.score.width;
    const H = this.score.height;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    const conditional = scores.some((s) => s.agreement !== undefined);
    const labels: [string, string][] = [
      [CURVE_COLOURS.frechet, 'Frechet distance (log scale)'],
      [CURVE_COLOURS.confident, 'confident samples (0-100%)'],
      ...(conditional ? ([[CURVE_COLOURS.agreement, 'classified as their label']] as [string, string][]) : []),
    ];
    labels.forEach(([c, t], k) => {
      ctx.fillStyle = c;
      ctx.fillText(t, 6, 13 + 13 * k);
    });
    if (scores.length === 0) {
      ctx.fillStyle = '#888';
      ctx.fillText('the first score is on its way', 6, H - 3);
      return;
    }
    const top = 14 + 13 * labels.length;
    const bottom = H - 18;
    const logs = scores.map((s) => Math.log10(Math.max(s.frechet, 1e-3)));
    if (reference !== null) logs.push(Math.log10(Math.max(reference, 1e-3)));
    let lo = Math.floor(Math.min(...logs));
    let hi = Math.ceil(Math.max(...logs));
    if (hi <= lo) hi = lo + 1;
    const it0 = scores[0].iteration;
    const it1 = scores[scores.length - 1].iteration;
    const px = (it: number) => (scores.length === 1 ? W / 2 : 6 + ((it - it0) / Math.max(1, it1 - it0)) * (W - 40));
    const pyLog = (v: number) => bottom - ((Math.log10(Math.max(v, 1e-3)) - lo) / (hi - lo)) * (bottom - top);
    const pyShare = (v: number) => bottom - v * (bottom - top);
    const line = (colour: string, y: (s: ScorePoint) => number) => {
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      scores.forEach((s, i) => (i === 0 ? ctx.moveTo(px(s.iteration), y(s)) : ctx.lineTo(px(s.iteration), y(s))));
      ctx.stroke();
      for (const s of scores) ctx.fillRect(px(s.iteration) - 2, y(s) - 2, 4, 4);
    };
    if (reference !== null) {
      ctx.strokeStyle = CURVE_COLOURS.frechet;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(0, pyLog(reference));
      ctx.lineTo(W, pyLog(reference));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = CURVE_COLOURS.frechet;
      ctx.fillText('real digits', 6, pyLog(reference) - 3);
    }
    line(CURVE_COLOURS.confident, (s) => pyShare(s.confident));
    if (conditional) line(CURVE_COLOURS.agreement, (s) => pyShare(s.agreement ?? 0));
    line(CURVE_COLOURS.frechet, (s) => pyLog(s.frechet));
    ctx.lineWidth = 1;
    ctx.fillStyle = '#666';
    ctx.textAlign = 'right';
    ctx.fillText(`${10 ** hi}`, W - 4, top + 9);
    ctx.fillText(`${10 ** lo}`, W - 4, bottom);
    const last = scores[scores.length - 1];
    ctx.fillText(`Frechet ${last.frechet.toFixed(1)} · ${(100 * last.confident).toFixed(0)}% confident`, W - 4, H - 3);
    ctx.textAlign = 'start';
  }

  /** Heatmaps from grid values: energy E, and H when the model has one (log-ratio H + E). */
  drawHeatmaps(energy: Float32Array, h: Float32Array | null): void {
    const size = this.densityMap.resolution;
    densityPicture(energy, size, { out: this.densityMap.picture, work: this.densityValues });
    this.densityMap.show();
    if (!h) {
      this.ratioMap.clear('no H in contrastive divergence');
      return;
    }
    ratioPicture(h, energy, size, { out: this.ratioMap.picture, work: this.ratioValues });
    this.ratioMap.show();
  }

  /** The data (grey, at most ~2000 of its points) and the chains (red), in the box. */
  drawSamples(data: Float32Array, samples: Float32Array | null, box: GridBox, drawing = false): void {
    const ctx = this.scatter;
    samplesPicture(data, samples, box, {
      out: pictureOf(this.scatterImage), dataLimit: 2000, ...(drawing ? { background: DRAWING.background, dataStyle: DRAWING.data } : {}),
    });
    ctx.putImageData(this.scatterImage, 0, 0);
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
    const shown = [v.density, v.samples, v.ratio, v.digits, v.score, v.curves].filter((c) => !c.closest('figure')!.hidden);
    shown.forEach((c, k) => ctx.drawImage(c, pad + k * (VIEW_SIZE + pad), y + titleH, VIEW_SIZE, VIEW_SIZE));
  });
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser made no PNG'))), 'image/png'));
}
