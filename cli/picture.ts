// The training command's pictures (pure: no file or GPU access): the learned
// density exp(-E) on a grid as colours, and points (data, chains) drawn over it.

import type { RgbImage } from './png';

/** Colour stops from low to high density: near black, purple, magenta, orange, pale yellow. */
const STOPS: [number, number, number][] = [
  [8, 8, 24],
  [60, 20, 110],
  [170, 40, 110],
  [245, 120, 40],
  [252, 240, 160],
];

/** The colour of t in [0, 1] (clamped), linear between the stops. */
export function colormap(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + f * (b[k] - a[k]))) as [number, number, number];
}

/**
 * exp(-E) relative to its largest value on the grid, as an image of
 * size * scale pixels a side (each grid cell a scale x scale block). `energies`
 * is [size][size], row 0 at the top. Non-finite energies are drawn as zero density.
 */
export function densityImage(energies: Float32Array, size: number, scale = 1): RgbImage {
  if (energies.length !== size * size) throw new RangeError(`energies must hold size^2 = ${size * size} values, got ${energies.length}`);
  let min = Infinity;
  for (const e of energies) if (Number.isFinite(e) && e < min) min = e;
  const width = size * scale;
  const rgb = new Uint8Array(width * width * 3);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const e = energies[r * size + c];
      const colour = colormap(Number.isFinite(e) ? Math.exp(min - e) : 0);
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) rgb.set(colour, 3 * ((r * scale + dy) * width + c * scale + dx));
      }
    }
  }
  return { width, height: width, rgb };
}

/** A copy of the image with every colour multiplied by `factor` (a dimmed background). */
export function dim(image: RgbImage, factor: number): RgbImage {
  return { ...image, rgb: image.rgb.map((v) => Math.round(v * factor)) };
}

/**
 * Draws 2-D points ([n][2], (x, y)) as squares of side 2 radius + 1 into the
 * image, which shows [lo, hi]^2 with y up; points outside are skipped.
 * `limit` draws an evenly spaced subset of at most that many points.
 */
export function drawPoints(image: RgbImage, points: ArrayLike<number>, box: [number, number], colour: [number, number, number], radius = 1, limit = Infinity): void {
  const { width, height, rgb } = image;
  const n = Math.floor(points.length / 2);
  const stride = n > limit ? n / limit : 1;
  const [lo, hi] = box;
  for (let k = 0; k < n; k += stride) {
    const i = Math.floor(k);
    const px = Math.floor(((points[2 * i] - lo) / (hi - lo)) * width);
    const py = Math.floor(((hi - points[2 * i + 1]) / (hi - lo)) * height);
    if (!(px >= 0 && px < width && py >= 0 && py < height)) continue;
    for (let y = Math.max(0, py - radius); y <= Math.min(height - 1, py + radius); y++) {
      for (let x = Math.max(0, px - radius); x <= Math.min(width - 1, px + radius); x++) rgb.set(colour, 3 * (y * width + x));
    }
  }
}

/** The square [lo, hi]^2 holding every point ([n][2]) with a margin of `margin` of the range on each side. */
export function squareBox(points: ArrayLike<number>, margin = 0.1): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < points.length; i++) {
    lo = Math.min(lo, points[i]);
    hi = Math.max(hi, points[i]);
  }
  if (!(hi > lo)) return [lo - 1, lo + 1];
  const pad = (hi - lo) * margin;
  return [lo - pad, hi + pad];
}
