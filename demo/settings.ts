// The demo's settings form: reads the fields into trainer configurations
// (model A and, in compare mode, model B), maps a ConfigError's field back to
// the input that holds it (so the message appears next to it), and writes a
// configuration back into the form (after a checkpoint is loaded).

import { ConfigError, DIGIT_CLASSES, DIGIT_PIXELS, DIVERGENCE_NAMES, MAX_DEPTH, validateTrainerConfig } from '../src/index';
import type { Activation, DivergenceSpec, MlpSpec, OptimizerKind, SamplerKind, TrainerConfig, ValidTrainerConfig } from '../src/index';
// The image experiment's recipe (docs/digits.md): the digits mode starts from it.
import DIGITS_PRESET from '../experiments/digits/preset.json';

export const DIVERGENCE_LABELS: Record<string, string> = {
  kl: 'KL',
  reverse_kl: 'reverse KL',
  jensen_shannon: 'Jensen-Shannon',
  squared_hellinger: 'squared Hellinger',
  pearson: 'Pearson chi²',
  neyman: 'Neyman chi²',
  alpha: 'alpha family',
};

/** The settings the page starts with: they learn the 8-Gaussian ring within a minute on a software adapter. */
export const DEFAULTS = {
  dataset: '8gaussians',
  mode: 'fdiv',
  divergence: 'jensen_shannon',
  alpha: '-0.5',
  numerics: 'stable',
  widthE: '32',
  depthE: '2',
  actE: 'silu',
  widthH: '32',
  depthH: '2',
  actH: 'tanh',
  optimizer: 'adam',
  lrE: '0.01',
  lrH: '0.01',
  l2: '0.1',
  sampler: 'ula',
  step: '0.005',
  steps: '10',
  batch: '256',
  chains: '256',
  ipf: '2',
  seed: '1',
  compare: false,
  modeB: 'cd',
  divergenceB: 'kl',
  alphaB: '2',
  label: 'none',
} as const;

/** The value of the data set select for the built-in digits. */
export const DIGITS = 'mnist';

/**
 * The fields that differ for the digits, set when the digits are chosen (and
 * DEFAULTS' values set back when a 2-D set is chosen again): the preset's
 * sampler (Du & Mordatch, step 10), optimiser settings, L2 and numerics, with
 * smaller networks, fewer chains and steps than the preset's 2 x 256, 64 and
 * 20, so that the page stays responsive on a software adapter.
 */
export const DIGITS_DEFAULTS = {
  numerics: DIGITS_PRESET.numerics,
  widthE: '64',
  depthE: '1',
  actE: DIGITS_PRESET.energy.activation,
  widthH: '64',
  depthH: '1',
  actH: DIGITS_PRESET.variational.activation,
  lrE: String(DIGITS_PRESET.optimizerE.lr),
  lrH: String(DIGITS_PRESET.optimizerH.lr),
  l2: String(DIGITS_PRESET.l2),
  sampler: DIGITS_PRESET.sampler.kind,
  step: String(DIGITS_PRESET.sampler.stepSize),
  steps: '10',
  batch: '64',
  chains: '64',
  ipf: '1',
} as const;

/** Labels of the digits: 'none' (an unconditional model), 'all' (conditional, every label shown) or one digit '0' ... '9'. */
export function labelChoice(): string {
  return value('label');
}

export function isDigits(): boolean {
  return value('dataset') === DIGITS;
}

/** Whether the digits' model is class-conditional. */
export function isConditional(): boolean {
  return isDigits() && labelChoice() !== 'none';
}

/** The digit whose samples the grid shows (a conditional model with one label chosen), or null. */
export function shownLabel(): number | null {
  const l = labelChoice();
  return isConditional() && /^[0-9]$/.test(l) ? Number(l) : null;
}

/** Writes the defaults of a kind of data (2-D points or digits) into the fields that differ between them. */
export function kindDefaults(kind: 'points' | 'digits'): void {
  for (const id of Object.keys(DIGITS_DEFAULTS) as (keyof typeof DIGITS_DEFAULTS)[]) {
    el<HTMLInputElement | HTMLSelectElement>(id).value = kind === 'digits' ? DIGITS_DEFAULTS[id] : DEFAULTS[id];
  }
}

/** Metrics (and the trainer's NaN check and last-good copy) every this many iterations. */
export const METRICS_EVERY = 10;

type FieldId = Exclude<keyof typeof DEFAULTS, 'compare'>;

const el = <T extends HTMLElement = HTMLInputElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
};

export function value(id: FieldId): string {
  return el<HTMLInputElement | HTMLSelectElement>(id).value.trim();
}

/** Fills the form's selects and default values (once, at start). */
export function initForm(): void {
  for (const id of ['divergence', 'divergenceB']) {
    el<HTMLSelectElement>(id).replaceChildren(
      ...DIVERGENCE_NAMES.map((name) => new Option(DIVERGENCE_LABELS[name] ?? name, name)),
    );
  }
  for (const [id, v] of Object.entries(DEFAULTS)) {
    const input = el<HTMLInputElement | HTMLSelectElement>(id);
    if (typeof v === 'boolean') (input as HTMLInputElement).checked = v;
    else input.value = v;
  }
}

/** A number as typed: '' and words are NaN (so validation names the field), not 0. */
function num(id: FieldId): number {
  const s = value(id);
  return s === '' ? NaN : Number(s);
}

function mlp(width: FieldId, depth: FieldId, act: FieldId, field: string, inputDim: number): MlpSpec {
  const d = num(depth);
  if (!Number.isInteger(d) || d < 1 || d > MAX_DEPTH) {
    throw new ConfigError(`${field}.hidden`, `depth must be an integer in [1, ${MAX_DEPTH}], got ${value(depth) || 'nothing'}`);
  }
  return { inputDim, hidden: new Array<number>(d).fill(num(width)), activation: value(act) as Activation };
}

function divergence(name: FieldId, alpha: FieldId): DivergenceSpec {
  const n = value(name);
  return n === 'alpha' ? { name: 'alpha', alpha: num(alpha) } : ({ name: n } as DivergenceSpec);
}

/** What a model of images takes: pixels per row, the range of their values, and the classes of a conditional model (0: none). */
export interface ImageInput {
  pixels: number;
  range: [number, number];
  classes: number;
}

/** The built-in digits' image input, by the label setting. */
export function digitsInput(): ImageInput {
  return { pixels: DIGIT_PIXELS, range: [DIGITS_PRESET.sampler.box[0], DIGITS_PRESET.sampler.box[1]], classes: isConditional() ? DIGIT_CLASSES : 0 };
}

/**
 * The configuration of model A, or of model B (its mode and divergence from
 * the compare fields), validated; for images (the digits or an image file),
 * `images` gives the input.
 */
export function readConfig(which: 'A' | 'B' = 'A', images: ImageInput | null = null): ValidTrainerConfig {
  const mode = value(which === 'A' ? 'mode' : 'modeB') as 'fdiv' | 'cd';
  // Images: the digits preset's Adam (beta2, per-element clipping), sampler (noise, gradient clip, and the
  // images' range as its box), replay buffer (fresh chains uniform in the range) and warm-up.
  const classes = images?.classes ?? 0;
  const inputDim = images ? images.pixels + classes : 2;
  const optimizer = (lr: FieldId) => {
    const kind = value('optimizer') as OptimizerKind;
    const p = DIGITS_PRESET.optimizerE;
    return images && kind === 'adam' ? { kind, lr: num(lr), beta1: p.beta1, beta2: p.beta2, clipRms: p.clipRms, clipAdd: p.clipAdd } : { kind, lr: num(lr), beta1: 0 };
  };
  const sampler = value('sampler') as SamplerKind;
  const step = num('step');
  const chains = num('chains');
  const ps = DIGITS_PRESET.sampler;
  const config: TrainerConfig = {
    mode,
    energy: mlp('widthE', 'depthE', 'actE', 'energy', inputDim),
    numerics: value('numerics') as 'stable' | 'authors',
    optimizerE: optimizer('lrE'),
    batch: num('batch'),
    chains,
    sampler:
      sampler === 'du-mordatch'
        ? { kind: sampler, steps: num('steps'), stepSize: step, ...(images ? { noiseStd: ps.noiseStd, gradClip: ps.gradClip, box: images.range } : {}) }
        : { kind: sampler, steps: num('steps'), eta: step },
    replay: images
      ? { capacity: Math.max(DIGITS_PRESET.replay.capacity, Number.isInteger(chains) ? chains : 0), reuse: DIGITS_PRESET.replay.reuse, initBox: images.range }
      : { capacity: Number.isInteger(chains) && chains > 4096 ? chains : 4096, reuse: 0.95 },
    l2: num('l2'),
    seed: num('seed'),
    ...(images ? { warmup: DIGITS_PRESET.warmup, classes } : {}),
    metricsEvery: METRICS_EVERY,
    // A frame's iterations go in one submit (two when they cross a metrics point).
    iterationsPerSubmit: MAX_ITERATIONS_PER_FRAME,
  };
  if (mode === 'fdiv') {
    config.variational = mlp('widthH', 'depthH', 'actH', 'variational', inputDim);
    config.divergence = which === 'A' ? divergence('divergence', 'alpha') : divergence('divergenceB', 'alphaB');
    config.optimizerH = optimizer('lrH');
  }
  const valid = validateTrainerConfig(config);
  // The page's own limit: toy data and drawings are generated with a 32-bit seed.
  if (valid.seed > 0xffffffff) throw new ConfigError('seed', `must be an integer in [0, 4294967295], got ${valid.seed}`);
  return valid;
}

/** Most iterations one animation frame submits. */
export const MAX_ITERATIONS_PER_FRAME = 1000;

/** Iterations per animation frame: changes the pace, not the model (no rebuild). */
export function iterationsPerFrame(): number {
  const n = num('ipf');
  if (!Number.isInteger(n) || n < 1 || n > MAX_ITERATIONS_PER_FRAME) {
    throw new ConfigError('iterationsPerFrame', `must be an integer in [1, ${MAX_ITERATIONS_PER_FRAME}], got ${value('ipf') || 'nothing'}`);
  }
  return n;
}

/** The input that holds a ConfigError's field (for model A or B). */
export function inputFor(field: string, which: 'A' | 'B' = 'A'): string | null {
  const head = field.split(/[.[]/)[0];
  const rest = field.slice(head.length);
  const B = which === 'B';
  switch (head) {
    case 'mode':
      return B ? 'modeB' : 'mode';
    case 'divergence':
      return rest.startsWith('.alpha') ? (B ? 'alphaB' : 'alpha') : B ? 'divergenceB' : 'divergence';
    case 'numerics':
      return 'numerics';
    case 'energy':
    case 'variational': {
      const s = head === 'energy' ? 'E' : 'H';
      if (rest.startsWith('.activation')) return `act${s}`;
      if (rest.startsWith('.hidden[')) return `width${s}`;
      if (rest.startsWith('.hidden')) return `depth${s}`;
      return `width${s}`;
    }
    case 'optimizerE':
      return rest.startsWith('.lr') ? 'lrE' : 'optimizer';
    case 'optimizerH':
      return rest.startsWith('.lr') ? 'lrH' : 'optimizer';
    case 'batch':
      return 'batch';
    case 'chains':
    case 'replay':
      return 'chains';
    case 'sampler':
      if (rest === '.kind') return 'sampler';
      if (rest === '.steps') return 'steps';
      return 'step';
    case 'l2':
      return 'l2';
    case 'classes':
      return 'label';
    case 'seed':
    case 'initSeed':
      return 'seed';
    case 'iterationsPerSubmit':
    case 'iterationsPerFrame':
      return 'ipf';
    default:
      return null;
  }
}

/** Writes a (validated) configuration into model A's fields, e.g. after loading a checkpoint. */
export function writeConfig(c: ValidTrainerConfig): void {
  const set = (id: FieldId, v: string | number) => (el<HTMLInputElement | HTMLSelectElement>(id).value = String(v));
  set('mode', c.mode);
  set('numerics', c.numerics);
  set('widthE', c.energy.hidden[0]);
  set('depthE', c.energy.hidden.length);
  set('actE', c.energy.activation);
  if (c.variational) {
    set('widthH', c.variational.hidden[0]);
    set('depthH', c.variational.hidden.length);
    set('actH', c.variational.activation);
  }
  if (c.divergence) {
    set('divergence', c.divergence.name);
    if (c.divergence.name === 'alpha') set('alpha', c.divergence.alpha!);
  }
  set('optimizer', c.optimizerE.kind);
  set('lrE', c.optimizerE.lr);
  if (c.optimizerH) set('lrH', c.optimizerH.lr);
  set('l2', c.l2);
  set('sampler', c.sampler.kind);
  set('step', c.sampler.kind === 'du-mordatch' ? c.sampler.stepSize : c.sampler.eta);
  set('steps', c.sampler.steps);
  set('batch', c.batch);
  set('chains', c.chains);
  set('seed', c.seed);
}

/** A short name of a model's objective: 'Jensen-Shannon', 'alpha = -0.5', 'CD'. */
export function objectiveName(c: ValidTrainerConfig): string {
  if (c.mode === 'cd') return 'contrastive divergence';
  const d = c.divergence!;
  return d.name === 'alpha' ? `alpha = ${d.alpha}` : (DIVERGENCE_LABELS[d.name] ?? d.name);
}

export function isCompare(): boolean {
  return el<HTMLInputElement>('compare').checked;
}

/** After a change of sampler kind: that kind's usual step (ULA and MALA: eta; Du & Mordatch: the gradient step 10). */
export function stepDefault(): void {
  el<HTMLInputElement>('step').value = value('sampler') === 'du-mordatch' ? '10' : DEFAULTS.step;
}
