// Pictures as RGBA pixels (rows from the top, 4 bytes a pixel, the layout of
// the page's ImageData), drawn without a canvas so that a page
// (putImageData) and a command line (encodePng) show the same pixels:
// heatmaps of grid values through a colour map, the density exp(-E) and the
// log-ratio H + E of a 2-D model, points (data, chains) over them, and a
// grid of N images of W x H pixels (samples of an image model).

import { normalisedDensity, type GridBox } from '../grid/grid';
import { integer } from '../validate';
import { colourIndex, DENSITY_COLOURS, GREY_COLOURS, POINT_STYLES, RATIO_COLOURS, type ColourMap, type Rgb } from './colour';

export interface Picture {
  width: number;
  height: number;
  /** [height][width][4] RGBA, alpha 255. */
  rgba: Uint8ClampedArray;
}

const WHITE: Rgb = [255, 255, 255];

/** A picture of one colour. */
export function createPicture(width: number, height: number, background: Rgb = WHITE): Picture {
  integer('width', width, 1, 2 ** 15);
  integer('height', height, 1, 2 ** 15);
  const p = { width, height, rgba: new Uint8ClampedArray(width * height * 4) };
  fillPicture(p, background);
  return p;
}

export function fillPicture(p: Picture, colour: Rgb): void {
  const d = p.rgba;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = colour[0];
    d[i + 1] = colour[1];
    d[i + 2] = colour[2];
    d[i + 3] = 255;
  }
}

function checkGrid(values: ArrayLike<number>, size: number, field = 'values'): void {
  integer('size', size, 1, 2 ** 15);
  if (values.length !== size * size) throw new RangeError(`${field} must hold size^2 = ${size * size} values, got ${values.length}`);
}

function target(out: Picture | undefined, width: number, height: number): Picture {
  if (!out) return createPicture(width, height);
  if (out.width !== width || out.height !== height) throw new RangeError(`the picture must be ${width} x ${height}, got ${out.width} x ${out.height}`);
  return out;
}

/**
 * Grid values [size][size] (row 0 at the top) through a colour map: value v
 * takes the colour of toUnit(v) in [0, 1]; each value a pixelsPerCell square.
 * Writes into `out` when given (no allocation), else a new picture.
 */
export function heatmap(
  values: ArrayLike<number>,
  size: number,
  map: ColourMap,
  toUnit: (v: number) => number,
  options: { out?: Picture; pixelsPerCell?: number } = {},
): Picture {
  checkGrid(values, size);
  const s = integer('pixelsPerCell', options.pixelsPerCell ?? 1, 1, 64);
  const width = size * s;
  const p = target(options.out, width, width);
  const d = p.rgba;
  const t = map.table;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const k = 3 * colourIndex(toUnit(values[r * size + c]));
      for (let dy = 0; dy < s; dy++) {
        let at = 4 * ((r * s + dy) * width + c * s);
        for (let dx = 0; dx < s; dx++, at += 4) {
          d[at] = t[k];
          d[at + 1] = t[k + 1];
          d[at + 2] = t[k + 2];
          d[at + 3] = 255;
        }
      }
    }
  }
  return p;
}

/**
 * The density exp(-E) of energies on a grid [size][size], relative to its
 * largest value, in DENSITY_COLOURS. Non-finite energies are no density.
 * `work`: size^2 floats to reuse (a redraw then allocates nothing).
 */
export function densityPicture(
  energies: Float32Array,
  size: number,
  options: { out?: Picture; pixelsPerCell?: number; work?: Float32Array } = {},
): Picture {
  checkGrid(energies, size, 'energies');
  const work = options.work ?? new Float32Array(size * size);
  const max = normalisedDensity(energies, work);
  const scale = max > 0 ? 1 / max : 0;
  return heatmap(work, size, DENSITY_COLOURS, (p) => p * scale, options);
}

/**
 * The log-ratio H + E on a grid (at the optimum log p/q), in RATIO_COLOURS
 * with 0 in the middle and the colour range +-max(|H + E|, 0.1).
 */
export function ratioPicture(
  h: Float32Array,
  energies: Float32Array,
  size: number,
  options: { out?: Picture; pixelsPerCell?: number; work?: Float32Array } = {},
): Picture {
  checkGrid(energies, size, 'energies');
  checkGrid(h, size, 'h');
  const work = options.work ?? new Float32Array(size * size);
  let big = 0.1;
  for (let i = 0; i < work.length; i++) {
    const v = h[i] + energies[i];
    work[i] = v;
    if (Math.abs(v) > big) big = Math.abs(v);
  }
  return heatmap(work, size, RATIO_COLOURS, (v) => 0.5 + v / (2 * big), options);
}

/** How points are drawn: a square of `size` pixels a side in `colour`, blended with `alpha`. */
export interface PointStyle {
  colour: Rgb;
  /** Opacity in (0, 1] (default 1). */
  alpha?: number;
  /** Side of the square in pixels (default 1). */
  size?: number;
  /** Draw an evenly spaced subset of at most this many points (default all). */
  limit?: number;
}

function blend(d: Uint8ClampedArray, at: number, c: Rgb, a: number): void {
  d[at] = c[0] * a + d[at] * (1 - a);
  d[at + 1] = c[1] * a + d[at + 1] * (1 - a);
  d[at + 2] = c[2] * a + d[at + 2] * (1 - a);
}

/**
 * Draws 2-D points ([n][2], (x, y)) into a picture that shows the box
 * [xMin, xMax] x [yMin, yMax] with y up; points outside are skipped.
 */
export function drawPoints(p: Picture, points: ArrayLike<number>, box: GridBox, style: PointStyle): void {
  const [x0, x1, y0, y1] = box;
  const { width, height } = p;
  const alpha = style.alpha ?? 1;
  const size = style.size ?? 1;
  const n = Math.floor(points.length / 2);
  const limit = style.limit ?? Infinity;
  const stride = n > limit ? n / limit : 1;
  // The square's first pixel: the point's pixel is its centre (size odd) or its lower-right centre pixel (size even).
  const lo = Math.floor(size / 2);
  for (let k = 0; k < n; k += stride) {
    const i = Math.floor(k);
    const px = Math.floor(((points[2 * i] - x0) / (x1 - x0)) * width);
    const py = Math.floor(((y1 - points[2 * i + 1]) / (y1 - y0)) * height);
    if (!(px >= 0 && px < width && py >= 0 && py < height)) continue;
    for (let y = Math.max(0, py - lo); y < Math.min(height, py - lo + size); y++) {
      for (let x = Math.max(0, px - lo); x < Math.min(width, px - lo + size); x++) blend(p.rgba, 4 * (y * width + x), style.colour, alpha);
    }
  }
}

/** The lines x = 0 and y = 0 where they cross the box. */
export function drawAxes(p: Picture, box: GridBox, colour: Rgb = POINT_STYLES.axes.colour): void {
  const [x0, x1, y0, y1] = box;
  const { width, height } = p;
  const col = Math.floor((-x0 / (x1 - x0)) * width);
  const row = Math.floor((y1 / (y1 - y0)) * height);
  if (col >= 0 && col < width) for (let y = 0; y < height; y++) blend(p.rgba, 4 * (y * width + col), colour, 1);
  if (row >= 0 && row < height) for (let x = 0; x < width; x++) blend(p.rgba, 4 * (row * width + x), colour, 1);
}

/**
 * The samples picture of a 2-D model, as the demo shows it: the axes, the
 * data (grey, at most dataLimit points, default 2000; `dataStyle` to draw
 * them otherwise) and the chains (red) over a plain background, in the box.
 */
export function samplesPicture(
  data: ArrayLike<number>,
  chains: ArrayLike<number> | null,
  box: GridBox,
  options: { out?: Picture; width?: number; height?: number; background?: Rgb; dataLimit?: number; dataStyle?: PointStyle } = {},
): Picture {
  const p = options.out ?? createPicture(options.width ?? 240, options.height ?? options.width ?? 240);
  fillPicture(p, options.background ?? WHITE);
  drawAxes(p, box);
  drawPoints(p, data, box, { ...(options.dataStyle ?? POINT_STYLES.data), limit: options.dataLimit ?? 2000 });
  if (chains) drawPoints(p, chains, box, POINT_STYLES.chains);
  return p;
}

/**
 * N images of width x height pixels ([count][height][width], values in
 * `range`, default [0, 1]) tiled into a grid of `columns` (default
 * ceil(sqrt(count))) with `gap` pixels between them, through `map` (default
 * GREY_COLOURS: black to white); `scale` pixels per image pixel.
 */
export function imageGrid(
  images: ArrayLike<number>,
  count: number,
  width: number,
  height: number,
  options: { columns?: number; gap?: number; scale?: number; range?: [number, number]; map?: ColourMap; background?: Rgb } = {},
): Picture {
  integer('count', count, 1, 2 ** 16);
  integer('width', width, 1, 2 ** 12);
  integer('height', height, 1, 2 ** 12);
  if (images.length !== count * width * height) {
    throw new RangeError(`images must hold count * width * height = ${count * width * height} values, got ${images.length}`);
  }
  const columns = integer('columns', options.columns ?? Math.ceil(Math.sqrt(count)), 1, count);
  const rows = Math.ceil(count / columns);
  const gap = integer('gap', options.gap ?? 2, 0, 64);
  const s = integer('scale', options.scale ?? 1, 1, 64);
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo)) throw new RangeError(`range must be [lo, hi] with lo < hi, got [${lo}, ${hi}]`);
  const map = options.map ?? GREY_COLOURS;
  const tileW = width * s;
  const tileH = height * s;
  const p = createPicture(columns * tileW + (columns + 1) * gap, rows * tileH + (rows + 1) * gap, options.background ?? [128, 128, 128]);
  const d = p.rgba;
  for (let n = 0; n < count; n++) {
    const left = gap + (n % columns) * (tileW + gap);
    const top = gap + Math.floor(n / columns) * (tileH + gap);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const k = 3 * colourIndex((images[(n * height + y) * width + x] - lo) / (hi - lo));
        for (let dy = 0; dy < s; dy++) {
          let at = 4 * ((top + y * s + dy) * p.width + left + x * s);
          for (let dx = 0; dx < s; dx++, at += 4) {
            d[at] = map.table[k];
            d[at + 1] = map.table[k + 1];
            d[at + 2] = map.table[k + 2];
          }
        }
      }
    }
  }
  return p;
}
