// 2-D toy data sets, generated on the host from a seed.
//
// Each set is a fixed distribution (no parameters but the seed and the sample
// count), generated in float64 and stored as float32, row-major [n][2]. The
// samples depend only on (name, n, seed): the generator is a private
// mulberry32 stream (src/rng/random.ts) seeded with `seed`, so nothing else in the
// program (other data sets, weight initialisation, the GPU's Philox streams)
// changes or is changed by them. A larger n extends a smaller one: the first
// k rows of generateToy(name, n, seed) are generateToy(name, k, seed) for
// every k <= n.
//
// The sets (scales chosen so that every set lies roughly in [-3.5, 3.5]^2, as in
// the f-EBM / FFJORD toy experiments):
//
//   8gaussians    8 equally weighted Gaussians, centres (2 cos(2 pi k / 8),
//                 2 sin(2 pi k / 8)), k = 0..7, std 0.1 (the T1 workload data of
//                 the benchmark spec, bench/WORKLOADS.md)
//   25gaussians   25 equally weighted Gaussians on the 5 x 5 grid
//                 {-2, -1, 0, 1, 2}^2, std 0.1
//   two_moons     the two interleaved half circles of scikit-learn's make_moons
//                 (upper: (cos t, sin t); lower: (1 - cos t, 0.5 - sin t);
//                 t ~ U[0, pi]), mapped by (x, y) -> (2 (x - 0.5), 2 (y - 0.25))
//                 to the box [-3, 3] x [-1.5, 1.5], plus N(0, 0.1^2) noise
//   rings         4 equally weighted concentric rings, radii 0.5, 1, 1.5, 2,
//                 uniform angle, plus isotropic N(0, 0.04^2) noise
//   checkerboard  uniform on the 8 dark squares of a 4 x 4 board on [-2, 2]^2
//                 (squares of side 1; the square with lower-left corner
//                 (-2 + i, -2 + j) is dark when i + j is even)
//   pinwheel      5 curved arms (FFJORD's pinwheel: radial std 0.3, tangential
//                 std 0.1, rate 0.25, scaled by 2)
//   swiss_roll    the 2-D swiss roll (t cos t, t sin t) / 5, t ~ U[1.5 pi,
//                 4.5 pi], plus N(0, 0.1^2) noise
//   two_spirals   two interleaved spiral arms, +-(-t cos t, t sin t) / 3 with
//                 t = 3 pi sqrt(u), u ~ U[0, 1), plus N(0, 0.1^2) noise
//
// Which component, moon, ring, square or arm a sample belongs to is drawn at
// random for each sample (a true mixture, not a stratified split): mass per
// component is multinomial.

import { seededUniform } from '../rng/random';
import { integer, oneOf } from '../validate';

export const TOY_DATASETS = [
  '8gaussians',
  '25gaussians',
  'two_moons',
  'rings',
  'checkerboard',
  'pinwheel',
  'swiss_roll',
  'two_spirals',
] as const;

export type ToyDataset = (typeof TOY_DATASETS)[number];

/** Largest sample count generateToy accepts (2^24: 128 MiB of f32 pairs). */
export const MAX_TOY_SAMPLES = 2 ** 24;

/** A mixture of equally weighted isotropic Gaussians. */
export interface MixtureComponents {
  /** Component means, [x, y]. */
  centres: [number, number][];
  /** The standard deviation of every coordinate of every component. */
  std: number;
  /** The weight of each component (all equal, summing to 1). */
  weights: number[];
}

/** What is known about a set's support, for tests, plots and evaluation. */
export interface ToyInfo {
  name: ToyDataset;
  description: string;
  /**
   * A box [xMin, xMax, yMin, yMax] holding the noise-free distribution. With
   * noise, samples lie within `noiseStd * k` of it with the usual Gaussian
   * tail probabilities (noiseStd 0: every sample is inside, except for
   * 'pinwheel', whose arms are Gaussian across and along: its box holds the
   * 5-standard-deviation core).
   */
  box: [number, number, number, number];
  /** Standard deviation of the isotropic noise added to the noise-free shape (0 for none). */
  noiseStd: number;
}

const TWO_PI = 2 * Math.PI;

const GAUSS8_RADIUS = 2;
const GAUSS8_STD = 0.1;
const GAUSS25_STD = 0.1;
const MOONS_NOISE = 0.1;
/** Radii of the 'rings' set (equally weighted). */
export const RINGS_RADII: readonly number[] = [0.5, 1, 1.5, 2];
const RINGS_NOISE = 0.04;
const SWISS_NOISE = 0.1;
const SPIRALS_NOISE = 0.1;
const PINWHEEL = { arms: 5, radialStd: 0.3, tangentialStd: 0.1, rate: 0.25, scale: 2 };

const TOY_INFO: Record<ToyDataset, Omit<ToyInfo, 'name'>> = {
  '8gaussians': {
    description: '8 Gaussians (std 0.1) on a circle of radius 2',
    box: [-2, 2, -2, 2],
    noiseStd: GAUSS8_STD,
  },
  '25gaussians': {
    description: '25 Gaussians (std 0.1) on the grid {-2..2}^2',
    box: [-2, 2, -2, 2],
    noiseStd: GAUSS25_STD,
  },
  two_moons: {
    description: 'two interleaved half circles (noise std 0.1)',
    box: [-3, 3, -1.5, 1.5],
    noiseStd: MOONS_NOISE,
  },
  rings: {
    description: '4 concentric rings, radii 0.5, 1, 1.5, 2 (noise std 0.04)',
    box: [-2, 2, -2, 2],
    noiseStd: RINGS_NOISE,
  },
  checkerboard: {
    description: 'uniform on the dark squares of a 4x4 board on [-2, 2]^2',
    box: [-2, 2, -2, 2],
    noiseStd: 0,
  },
  pinwheel: {
    description: '5 curved arms (radial std 0.3, tangential std 0.1)',
    // Gaussian radial and tangential parts: no hard box. This one holds
    // |f| <= 1 + 5 * 0.3 radially and 5 * 0.1 tangentially, times 2.
    box: [-5.1, 5.1, -5.1, 5.1],
    noiseStd: 0,
  },
  swiss_roll: {
    description: 'swiss roll (t cos t, t sin t) / 5, t in [1.5 pi, 4.5 pi] (noise std 0.1)',
    box: [-(4.5 * Math.PI) / 5, (4.5 * Math.PI) / 5, -(4.5 * Math.PI) / 5, (4.5 * Math.PI) / 5],
    noiseStd: SWISS_NOISE,
  },
  two_spirals: {
    description: 'two interleaved spirals (noise std 0.1)',
    box: [-Math.PI, Math.PI, -Math.PI, Math.PI],
    noiseStd: SPIRALS_NOISE,
  },
};

const checkName = (name: unknown, field = 'dataset'): ToyDataset => oneOf(field, name, TOY_DATASETS);

/** Centres and std of the Gaussian mixtures; null for the sets that are not one. */
export function mixtureComponents(name: ToyDataset | string): MixtureComponents | null {
  const set = checkName(name);
  if (set === '8gaussians') {
    const centres: [number, number][] = [];
    for (let k = 0; k < 8; k++) {
      const a = (TWO_PI * k) / 8;
      centres.push([GAUSS8_RADIUS * Math.cos(a), GAUSS8_RADIUS * Math.sin(a)]);
    }
    return { centres, std: GAUSS8_STD, weights: new Array(8).fill(1 / 8) };
  }
  if (set === '25gaussians') {
    const centres: [number, number][] = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) centres.push([i - 2, j - 2]);
    return { centres, std: GAUSS25_STD, weights: new Array(25).fill(1 / 25) };
  }
  return null;
}

/** Description, bounding box and noise level of a set. */
export function toyInfo(name: ToyDataset | string): ToyInfo {
  const set = checkName(name);
  const info = TOY_INFO[set];
  return { name: set, description: info.description, box: [...info.box], noiseStd: info.noiseStd };
}

/**
 * Assigns each sample (row-major [n][2]) to its nearest centre. Returns, per
 * component, the fraction of samples assigned to it, and the fraction of
 * samples farther than `maxDistance` (default: infinite) from every centre,
 * which are assigned to no component.
 */
export function modeMasses(
  samples: ArrayLike<number>,
  centres: readonly (readonly [number, number])[],
  maxDistance = Infinity,
): { masses: number[]; outliers: number } {
  const n = Math.floor(samples.length / 2);
  const counts = new Array<number>(centres.length).fill(0);
  let outliers = 0;
  const max2 = maxDistance * maxDistance;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i];
    const y = samples[2 * i + 1];
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < centres.length; k++) {
      const dx = x - centres[k][0];
      const dy = y - centres[k][1];
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (best < 0 || !(bestD <= max2)) outliers++;
    else counts[best]++;
  }
  return { masses: counts.map((c) => (n > 0 ? c / n : 0)), outliers: n > 0 ? outliers / n : 0 };
}

/**
 * `n` samples of toy set `name`, row-major [n][2], from `seed` (an integer in
 * [0, 2^32 - 1]). Throws ConfigError for an unknown name or an n or seed out
 * of range.
 */
export function generateToy(name: ToyDataset | string, n: number, seed: number): Float32Array {
  const set = checkName(name);
  integer('n', n, 1, MAX_TOY_SAMPLES, { hiText: '2^24' });
  integer('seed', seed, 0, 0xffffffff, { hiText: '2^32 - 1' });
  const u = seededUniform(seed);
  // Box-Muller from the same stream; one uniform per pick, two per normal
  // pair, so each sample uses a fixed number of draws and prefixes agree.
  const normalPair = (): [number, number] => {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = TWO_PI * u();
    return [r * Math.cos(a), r * Math.sin(a)];
  };
  const pick = (k: number): number => Math.min(k - 1, Math.floor(u() * k));
  const out = new Float32Array(2 * n);
  const mix = mixtureComponents(set);
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    switch (set) {
      case '8gaussians':
      case '25gaussians': {
        const c = mix!.centres[pick(mix!.centres.length)];
        const [zx, zy] = normalPair();
        x = c[0] + mix!.std * zx;
        y = c[1] + mix!.std * zy;
        break;
      }
      case 'two_moons': {
        const upper = pick(2) === 0;
        const t = Math.PI * u();
        const [zx, zy] = normalPair();
        const mx = upper ? Math.cos(t) : 1 - Math.cos(t);
        const my = upper ? Math.sin(t) : 0.5 - Math.sin(t);
        x = 2 * (mx - 0.5) + MOONS_NOISE * zx;
        y = 2 * (my - 0.25) + MOONS_NOISE * zy;
        break;
      }
      case 'rings': {
        const r = RINGS_RADII[pick(RINGS_RADII.length)];
        const a = TWO_PI * u();
        const [zx, zy] = normalPair();
        x = r * Math.cos(a) + RINGS_NOISE * zx;
        y = r * Math.sin(a) + RINGS_NOISE * zy;
        break;
      }
      case 'checkerboard': {
        // Dark square k (0..7): row j = k >> 1, column i = 2 * (k & 1) + (j & 1),
        // so i + j is even.
        const k = pick(8);
        const j = k >> 1;
        const i = 2 * (k & 1) + (j & 1);
        x = -2 + i + u();
        y = -2 + j + u();
        break;
      }
      case 'pinwheel': {
        const arm = pick(PINWHEEL.arms);
        const [z0, z1] = normalPair();
        const f0 = 1 + PINWHEEL.radialStd * z0;
        const f1 = PINWHEEL.tangentialStd * z1;
        const a = (TWO_PI * arm) / PINWHEEL.arms + PINWHEEL.rate * Math.exp(f0);
        const c = Math.cos(a);
        const s = Math.sin(a);
        // FFJORD: features (1 x 2) times the rotation [[c, -s], [s, c]].
        x = PINWHEEL.scale * (f0 * c + f1 * s);
        y = PINWHEEL.scale * (-f0 * s + f1 * c);
        break;
      }
      case 'swiss_roll': {
        const t = 1.5 * Math.PI * (1 + 2 * u());
        const [zx, zy] = normalPair();
        x = (t * Math.cos(t)) / 5 + SWISS_NOISE * zx;
        y = (t * Math.sin(t)) / 5 + SWISS_NOISE * zy;
        break;
      }
      case 'two_spirals': {
        const sign = pick(2) === 0 ? 1 : -1;
        const t = 3 * Math.PI * Math.sqrt(u());
        const [zx, zy] = normalPair();
        x = (sign * (-t * Math.cos(t))) / 3 + SPIRALS_NOISE * zx;
        y = (sign * (t * Math.sin(t))) / 3 + SPIRALS_NOISE * zy;
        break;
      }
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}
