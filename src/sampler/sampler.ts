// Host side of the fused Langevin samplers (shaders/langevin.wgsl): validation
// of a sampler's configuration against the device's limits, the GPU buffers
// (the chains stay on the GPU between calls), and one dispatch per call that
// runs K steps of every chain. Reading samples back is a separate, explicit
// call. Float64 reference: src/sampler/reference.ts.
//
// Random numbers: Philox keyed by (seed, chain, step): the noise of step s of
// chain i is counter (i, s, 0, b) (normals 4b..4b+3), the MALA uniform is
// counter (i, s, 1, 0). The step s counts on across calls (a counter on the
// GPU), so run(30) twice draws the same numbers as run(60) once.
//
// Labels: with `classes` > 0 the last `classes` coordinates of each chain's
// row are its label (one-hot, for a class-conditional energy whose input is
// [x, onehot(y)]); the sampler never moves them.

import { Gpu, dispatchSize, type Kernel } from '../device/device';
import { ConfigError, FebmError } from '../errors';
import { MLP_CHAINS, MlpProgram, mlpConstants, mlpGroupFor, scratchLayout, validateMlpGroup, type Pass } from '../mlp/program';
import { MLP_VARIANTS, type MlpVariant } from '../mlp/variant';
import { paramLayout, validateMlpSpec, type MlpSpec } from '../mlp/params';
import { seedKey } from '../rng/philox';
import { packStruct, type StructLayout } from '../device/shader';
import { OwnedBuffers, type GpuPart } from '../device/part';
import { shaderCodes, shaderConstant } from '../device/constants';
import { integer, interval, oneOf, real, vector } from '../validate';

export type SamplerKind = 'ula' | 'du-mordatch' | 'mala';
export const SAMPLER_KINDS: readonly SamplerKind[] = ['ula', 'du-mordatch', 'mala'];
/** Codes of shaders/langevin.wgsl (LGV_ULA, LGV_DU_MORDATCH, LGV_MALA). */
export const SAMPLER_CODE: Record<SamplerKind, number> = shaderCodes('langevin.wgsl', 'LGV_', SAMPLER_KINDS);
/** Energy codes of shaders/langevin.wgsl (LGV_ENERGY_*); a Gaussian whose precision is a vector is 'diagonal'. */
export const ENERGY_CODE = shaderCodes('langevin.wgsl', 'LGV_ENERGY_', ['mlp', 'gaussian', 'mixture', 'diagonal'] as const);
/** Philox streams of the sampler (LGV_STREAM_*): counter (chain, step, stream, block). */
export const SAMPLER_STREAM = shaderCodes('langevin.wgsl', 'LGV_STREAM_', ['noise', 'accept'] as const);
/** Words of the sampler's counter buffer (langevin_counters.wgsl LGV_COUNT_*); the accepted counts start at word `accepted`. */
export const SAMPLER_COUNTER = shaderCodes('langevin_counters.wgsl', 'LGV_COUNT_', ['steps', 'proposed', 'accepted'] as const);

/** Most chains one sampler carries. */
export const MAX_CHAINS = 1 << 20;
/** Most coordinates of a chain (its label's included): the MLP's largest input. */
export const MAX_SAMPLER_DIM = 4096;
/**
 * Largest buffer the kernels index: they count f32 words (and vec4s) in u32,
 * so a buffer under 2^32 bytes keeps every index and index product below
 * 2^30, whatever the device allows per binding.
 */
export const MAX_INDEXED_BYTES = 2 ** 32;

/** E(x) = MLP(x), packed parameters (src/mlp/params.ts): a GPU buffer the caller owns, or values to upload. */
export interface MlpEnergy {
  kind: 'mlp';
  spec: MlpSpec;
  theta: GPUBuffer | Float32Array;
}

/**
 * E(x) = (x - mean)' precision (x - mean) / 2; precision symmetric positive
 * definite, dim x dim, or a vector of dim positive numbers: a diagonal
 * precision (O(dim) per evaluation instead of O(dim^2), for large dim).
 */
export interface GaussianEnergy {
  kind: 'gaussian';
  mean: number[];
  precision: number[][] | number[];
}

/**
 * E(x) = -log sum_m w_m N(x; means[m], stds[m]^2 I): a normalised mixture of
 * isotropic Gaussians (weights are normalised to sum 1), so exp(-E) is its density.
 */
export interface MixtureEnergy {
  kind: 'mixture';
  weights: number[];
  means: number[][];
  stds: number[];
}

export type Energy = MlpEnergy | GaussianEnergy | MixtureEnergy;

export interface SamplerConfig {
  sampler: SamplerKind;
  /** Number of independent chains, 1 to MAX_CHAINS. */
  chains: number;
  /** Coordinates of a chain, 1 to MAX_SAMPLER_DIM, its label's included (for an MLP energy: its inputDim). */
  dim: number;
  /**
   * The last `classes` coordinates of each chain are its label, which the
   * sampler never moves (default 0: every coordinate moves), 0 to dim - 1.
   * For a class-conditional energy E(x, y) whose input is [x, onehot(y)];
   * whatever they hold enters the energy as it is.
   */
  classes?: number;
  /** Steps K per run() (run(k) may ask for another count). */
  steps: number;
  /** Philox seed, an integer in [0, 2^53). */
  seed: number;
  energy: Energy;
  /** ULA and MALA: the step eta > 0. */
  eta?: number;
  /** Du & Mordatch: gradient step (default 10). */
  stepSize?: number;
  /** Du & Mordatch: standard deviation of the noise added before each gradient (default 0.005). */
  noiseStd?: number;
  /** Du & Mordatch: elementwise gradient clip (default 0.01); null: no clipping. */
  gradClip?: number | null;
  /** Du & Mordatch: clip x to [lo, hi] after every step (default: none). */
  box?: [number, number] | null;
  /** Initial chains, [chains][dim] (default: all zeros). */
  initialState?: ArrayLike<number>;
  /** Workgroups per grid dimension before folding into 2-D (default: the device's limit; smaller for tests). */
  maxWorkgroupsPerDimension?: number;
  /** Invocations per workgroup of the sampling kernel and the MLP's scratch layout, 1 to 256 (default mlpGroupFor(chains)); lanes variant only. */
  group?: number;
  /**
   * The MLP kernels' variant (src/mlp/variant.ts; default: the device's,
   * Gpu.mlpVariant): 'lanes' runs all K steps in one fused dispatch, 'tiled'
   * runs each step as element-wise kernels around the tiled MLP passes (see
   * shaders/langevin.wgsl). Analytic energies always run fused.
   */
  variant?: MlpVariant;
}

/** The limits a configuration is checked against. */
export type SamplerLimits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxComputeWorkgroupsPerDimension'>;

export interface ResolvedSamplerConfig {
  sampler: SamplerKind;
  chains: number;
  dim: number;
  classes: number;
  steps: number;
  seed: number;
  energy: Energy;
  eta: number;
  stepSize: number;
  noiseStd: number;
  gradClip: number | null;
  box: [number, number] | null;
  maxWorkgroupsPerDimension: number;
  group: number;
  /** 'lanes' (fused) or 'tiled' (stepwise; MLP energies only). */
  variant: MlpVariant;
  /** Byte sizes of the buffers the sampler allocates (energyY: E(y) per chain, stepwise only; 4 otherwise). */
  bytes: { state: number; work: number; energy: number; counters: number; scratch: number; energyY: number };
  /** Workgroup grid of the fused sampling dispatch. */
  grid: [number, number];
}

const checkVector = (field: string, v: unknown, dim: number): number[] => vector(field, v, dim, `${dim} numbers (dim)`);

/** Cholesky of a symmetric matrix: true when positive definite (float64). */
function positiveDefinite(a: number[][]): boolean {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(s > 0)) return false;
        l[i][i] = Math.sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  return true;
}

function validateEnergy(energy: Energy, dim: number): void {
  if (energy === null || typeof energy !== 'object') throw new ConfigError('energy', 'must be an object with kind mlp, gaussian or mixture');
  switch (energy.kind) {
    case 'mlp': {
      validateMlpSpec(energy.spec, 'energy.spec');
      if (energy.spec.inputDim !== dim) throw new ConfigError('energy.spec.inputDim', `must equal dim = ${dim}, got ${energy.spec.inputDim}`);
      const size = paramLayout(energy.spec).size;
      if (ArrayBuffer.isView(energy.theta)) {
        if (energy.theta.length !== size) throw new ConfigError('energy.theta', `must hold ${size} packed values (src/mlp/params.ts), got ${energy.theta.length}`);
      } else if (!energy.theta || typeof (energy.theta as GPUBuffer).size !== 'number' || (energy.theta as GPUBuffer).size < size * 4) {
        throw new ConfigError('energy.theta', `must be a Float32Array or a GPU buffer of at least ${size * 4} bytes`);
      }
      return;
    }
    case 'gaussian': {
      checkVector('energy.mean', energy.mean, dim);
      if (!Array.isArray(energy.precision) || energy.precision.length !== dim) {
        throw new ConfigError('energy.precision', `must be a ${dim} x ${dim} matrix, or ${dim} numbers (a diagonal precision)`);
      }
      if (!isMatrix(energy.precision)) {
        energy.precision.forEach((p, k) => real(`energy.precision[${k}]`, p, 'in (0, inf) (a diagonal precision)', (x) => x > 0));
        return;
      }
      const precision = energy.precision;
      precision.forEach((row, k) => checkVector(`energy.precision[${k}]`, row, dim));
      for (let i = 0; i < dim; i++) {
        for (let j = 0; j < i; j++) {
          const a = precision[i][j];
          const b = precision[j][i];
          if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) {
            throw new ConfigError(`energy.precision[${i}][${j}]`, `must equal precision[${j}][${i}] (symmetric), got ${a} and ${b}`);
          }
        }
      }
      if (!positiveDefinite(precision)) throw new ConfigError('energy.precision', 'must be positive definite');
      return;
    }
    case 'mixture': {
      const m = energy.weights?.length;
      if (!Array.isArray(energy.weights) || m < 1) throw new ConfigError('energy.weights', 'must list at least one component weight');
      energy.weights.forEach((w, k) => real(`energy.weights[${k}]`, w, 'in (0, inf)', (x) => x > 0));
      if (!Array.isArray(energy.means) || energy.means.length !== m) throw new ConfigError('energy.means', `must list ${m} means (one per weight)`);
      energy.means.forEach((mu, k) => checkVector(`energy.means[${k}]`, mu, dim));
      if (!Array.isArray(energy.stds) || energy.stds.length !== m) throw new ConfigError('energy.stds', `must list ${m} standard deviations (one per weight)`);
      energy.stds.forEach((s, k) => real(`energy.stds[${k}]`, s, 'in (0, inf)', (x) => x > 0));
      return;
    }
    default:
      throw new ConfigError('energy.kind', `must be one of mlp, gaussian, mixture, got ${JSON.stringify((energy as { kind: unknown }).kind)}`);
  }
}

/** A dense precision (rows of numbers) rather than a diagonal one (numbers). */
const isMatrix = (p: number[][] | number[]): p is number[][] => p.some((row) => Array.isArray(row));

/** The energy's code in shaders/langevin.wgsl (LGV_ENERGY_*). */
export function energyCode(energy: Energy): number {
  if (energy.kind === 'gaussian' && !isMatrix(energy.precision)) return ENERGY_CODE.diagonal;
  return ENERGY_CODE[energy.kind];
}

/** The analytic energy's parameters as shaders/langevin.wgsl reads them (lgv_energy); a placeholder for the MLP. */
export function energyParams(energy: Energy, dim: number): Float32Array {
  if (energy.kind === 'gaussian') {
    const out = new Float32Array(dim + (isMatrix(energy.precision) ? dim * dim : dim));
    out.set(energy.mean);
    if (isMatrix(energy.precision)) energy.precision.forEach((row, k) => out.set(row, dim + k * dim));
    else out.set(energy.precision, dim);
    return out;
  }
  if (energy.kind === 'mixture') {
    const total = energy.weights.reduce((a, b) => a + b, 0);
    const out = new Float32Array(energy.weights.length * (dim + 2));
    energy.weights.forEach((w, m) => {
      const s2 = energy.stds[m] ** 2;
      out[m * (dim + 2)] = Math.log(w / total) - (dim / 2) * Math.log(2 * Math.PI * s2);
      out[m * (dim + 2) + 1] = 1 / s2;
      out.set(energy.means[m], m * (dim + 2) + 2);
    });
    return out;
  }
  return new Float32Array(4);
}

/**
 * Checks a sampler configuration against the device limits before anything
 * is allocated or dispatched, and fills in defaults. Every failure is a
 * ConfigError naming the field and its allowed range.
 */
export function validateSamplerConfig(config: SamplerConfig, limits: SamplerLimits): ResolvedSamplerConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('config', 'must be an object');
  const sampler = config.sampler;
  oneOf('sampler', sampler, SAMPLER_KINDS);
  const chains = integer('chains', config.chains, 1, MAX_CHAINS);
  const dim = integer('dim', config.dim, 1, MAX_SAMPLER_DIM);
  const classes = config.classes === undefined ? 0 : integer('classes', config.classes, 0, dim - 1);
  const steps = integer('steps', config.steps, 1, 2 ** 32 - 1);
  const seed = integer('seed', config.seed, 0, Number.MAX_SAFE_INTEGER);
  validateEnergy(config.energy, dim);

  let eta = 0;
  if (sampler === 'ula' || sampler === 'mala') eta = real('eta', config.eta, 'in (0, inf)', (x) => x > 0);
  const stepSize = real('stepSize', config.stepSize ?? 10, 'in [0, inf)', (x) => x >= 0);
  const noiseStd = real('noiseStd', config.noiseStd ?? 0.005, 'in [0, inf)', (x) => x >= 0);
  const gradClip = config.gradClip === null ? null : real('gradClip', config.gradClip ?? 0.01, 'in (0, inf) (or null: no clip)', (x) => x > 0);
  const box = config.box ? interval('box', config.box) : null;

  // Sizes against the device.
  const deviceBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxBinding = Math.min(deviceBinding, MAX_INDEXED_BYTES);
  const limitText = maxBinding < deviceBinding
    ? `the kernels' limit of ${maxBinding} bytes per buffer (u32 indices)`
    : `the device's storage buffer limit of ${maxBinding} bytes`;
  const maxPerDim = integer('maxWorkgroupsPerDimension', config.maxWorkgroupsPerDimension ?? limits.maxComputeWorkgroupsPerDimension, 1, limits.maxComputeWorkgroupsPerDimension);
  const group = validateMlpGroup(config.group ?? mlpGroupFor(chains));
  if (config.variant !== undefined && !MLP_VARIANTS.includes(config.variant)) {
    throw new ConfigError('variant', `must be one of ${MLP_VARIANTS.join(', ')}, got ${JSON.stringify(config.variant)}`);
  }
  const variant: MlpVariant = config.energy.kind === 'mlp' ? (config.variant ?? 'lanes') : 'lanes';
  const perGroup = MLP_CHAINS * group;
  const perChainBytes = (bytes: number) => bytes / chains;
  const fits = (field: string, what: string, bytes: number) => {
    if (bytes > maxBinding) {
      const most = Math.floor(maxBinding / perChainBytes(bytes));
      throw new ConfigError(field, `${what} needs ${bytes} bytes, over ${limitText}: chains must be in [1, ${most}] for dim ${dim} here`);
    }
  };
  const stateBytes = 4 * chains * dim;
  const workBytes = 4 * chains * (sampler === 'mala' ? 2 * dim + 1 : dim);
  fits('chains', `the chain state ([chains][dim] f32)`, stateBytes);
  fits('chains', `the work buffer (${sampler === 'mala' ? '2 gradients and an energy' : 'a gradient'} per chain)`, workBytes);
  const energyBytes = energyParams(config.energy, dim).byteLength;
  if (energyBytes > maxBinding) throw new ConfigError('dim', `the energy's parameters need ${energyBytes} bytes, over ${limitText}`);
  const countersBytes = 4 * (SAMPLER_COUNTER.accepted + chains);
  let scratch = 16;
  if (config.energy.kind === 'mlp') {
    const layout = paramLayout(config.energy.spec);
    scratch = scratchLayout(layout, chains, group, variant).vec4s * 16;
    if (scratch > maxBinding) {
      const perChain = (scratchLayout(layout, perGroup, group, variant).vec4s * 16) / perGroup;
      const most = Math.floor(maxBinding / perChain / perGroup) * perGroup;
      throw new ConfigError(
        'chains',
        `an MLP [${[config.energy.spec.inputDim, ...config.energy.spec.hidden, 1].join(',')}] needs ${perChain} bytes of scratch per chain ` +
          `(${scratch} bytes for ${chains} chains), over ${limitText}: ` +
          `chains must be in [1, ${most}] for this network`,
      );
    }
  }
  // The MLP library's lanes: `group` per workgroup, MLP_CHAINS chains each.
  const groups = Math.ceil(chains / perGroup);
  if (Math.ceil(groups / maxPerDim) > maxPerDim) {
    throw new ConfigError('chains', `needs ${groups} workgroups, more than ${maxPerDim} x ${maxPerDim} can be dispatched`);
  }
  const grid = dispatchSize(groups * group, group, maxPerDim);
  if (config.initialState !== undefined) validateInitialState(config.initialState, chains, dim);
  return {
    sampler, chains, dim, classes, steps, seed, energy: config.energy, eta, stepSize, noiseStd, gradClip, box,
    maxWorkgroupsPerDimension: maxPerDim,
    group,
    variant,
    bytes: { state: stateBytes, work: workBytes, energy: energyBytes, counters: countersBytes, scratch, energyY: variant === 'tiled' ? 4 * chains : 4 },
    grid,
  };
}

/** An initial state must hold chains * dim finite numbers. */
export function validateInitialState(x: ArrayLike<number>, chains: number, dim: number): void {
  if (!x || typeof x.length !== 'number') throw new ConfigError('initialState', `must be an array of chains * dim = ${chains * dim} numbers`);
  if (x.length !== chains * dim) {
    throw new ConfigError('initialState', `must hold chains * dim = ${chains} * ${dim} = ${chains * dim} numbers, got ${x.length}`);
  }
  for (let j = 0; j < x.length; j++) {
    const v = x[j];
    // Finite in f32 too: the GPU stores it as f32.
    if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
      throw new ConfigError(
        'initialState',
        `entry ${j} (chain ${Math.floor(j / dim)}, coordinate ${j % dim}) is ${v}: every entry must be finite, in (-3.4e38, 3.4e38)`,
      );
    }
  }
}

export interface Acceptance {
  /** Accepted MALA proposals, all chains, since the last reset. */
  accepted: number;
  /** Proposals, all chains, since the last reset. */
  proposed: number;
  rate: number;
  /** Accepted proposals per chain. */
  perChain: Uint32Array;
}

/**
 * A set of Langevin chains on the GPU and the fused kernel that moves them.
 * create() validates, compiles and allocates; run() dispatches K steps of
 * every chain (no readback); readSamples() reads the chains back.
 */
export class LangevinSampler implements GpuPart {
  private stepsInUniform: number;

  private constructor(
    readonly gpu: Gpu,
    readonly config: ResolvedSamplerConfig,
    /** The chains, [chains][dim] f32. They stay here between calls. */
    readonly state: GPUBuffer,
    /** langevin.wgsl's lgv_counters: steps taken, proposals per chain since the last reset, accepted by chain i (SAMPLER_COUNTER words). */
    readonly counters: GPUBuffer,
    private readonly uniform: GPUBuffer,
    private readonly struct: StructLayout,
    private readonly kernels: FusedKernels | StepwiseKernels,
    private readonly group: GPUBindGroup,
    /** The sampler's own buffers (the MLP program holds its uniform and scratch). */
    private readonly owned: OwnedBuffers,
    readonly mlp: MlpProgram | null,
  ) {
    this.stepsInUniform = config.steps;
  }

  static async create(gpu: Gpu, config: SamplerConfig): Promise<LangevinSampler> {
    const c = validateSamplerConfig({ ...config, variant: config.variant ?? gpu.mlpVariant }, gpu.limits);
    // The MLP program (its uniform and scratch) and our pipelines compile concurrently.
    const program = c.energy.kind === 'mlp' ? MlpProgram.create(gpu, c.energy.spec, c.chains, { group: c.group, variant: c.variant }) : Promise.resolve(null);
    // Whatever fails below, the program is released once it exists.
    const owned = new OwnedBuffers();
    const own = (b: GPUBuffer) => owned.own(b);
    const release = () => {
      owned.destroy();
      program.then((p) => p?.destroy(), () => {});
    };
    try {
      const kernels = await samplerKernels(gpu, c);
      const struct = kernels.any.iface.bindings.find((b) => b.name === 'lgv')?.struct;
      const mlpStruct = kernels.any.iface.bindings.find((b) => b.name === 'mlp')?.struct;
      if (!struct || !mlpStruct) throw new FebmError('langevin.wgsl: no uniforms named lgv and mlp');
      let mlp: MlpProgram | null = null;
      let mlpUniform: GPUBuffer;
      let scratch: GPUBuffer;
      let theta: GPUBuffer;
      if (c.energy.kind === 'mlp') {
        mlp = (await program)!;
        mlpUniform = mlp.uniform;
        scratch = mlp.scratchBuffer;
        theta = ArrayBuffer.isView(c.energy.theta) ? own(gpu.bufferFrom('lgv theta', c.energy.theta)) : c.energy.theta;
      } else {
        mlpUniform = own(gpu.buffer('lgv mlp placeholder', mlpStruct.size, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST));
        scratch = own(gpu.buffer('lgv scratch placeholder', 16));
        theta = own(gpu.buffer('lgv theta placeholder', 16));
      }
      const state = own(gpu.buffer('lgv state', c.bytes.state));
      const points = own(gpu.buffer('lgv points', c.bytes.state));
      const work = own(gpu.buffer('lgv work', c.bytes.work));
      const energy = own(gpu.bufferFrom('lgv energy', energyParams(c.energy, c.dim)));
      const counters = own(gpu.buffer('lgv counters', c.bytes.counters));
      const energyY = own(gpu.buffer('lgv E(y)', c.bytes.energyY));
      gpu.device.queue.writeBuffer(counters, 0, new Uint32Array(c.bytes.counters / 4));
      const [seedLo, seedHi] = seedKey(c.seed);
      const params = packStruct(struct, {
        chains: c.chains,
        dim: c.dim,
        steps: c.steps,
        sampler: SAMPLER_CODE[c.sampler],
        energy: energyCode(c.energy),
        components: c.energy.kind === 'mixture' ? c.energy.weights.length : 0,
        seed_lo: seedLo,
        seed_hi: seedHi,
        half_eta: c.eta / 2,
        sqrt_eta: Math.sqrt(c.eta),
        inv_two_eta: c.eta > 0 ? 1 / (2 * c.eta) : 0,
        step_size: c.stepSize,
        noise_std: c.noiseStd,
        grad_clip: c.gradClip ?? 0,
        box_lo: c.box?.[0] ?? 0,
        box_hi: c.box?.[1] ?? 0,
        use_clip: c.gradClip === null ? 0 : 1,
        use_box: c.box ? 1 : 0,
        classes: c.classes,
      });
      const uniform = own(gpu.bufferFrom('lgv params', params, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST));
      const group = kernels.any.bind({
        mlp: mlpUniform, mlp_theta: theta, mlp_x: points, mlp_scratch: scratch,
        lgv: uniform, lgv_state: state, lgv_work: work, lgv_energy: energy, lgv_counters: counters, lgv_energy_y: energyY,
      });
      if (kernels.way === 'stepwise') {
        // The MLP's tiled passes between the step kernels: the input gradient at the points into work, E(y) into energyY.
        kernels.evaluate = mlp!.inputGrad({ theta, x: points, out: energyY, gradX: { buffer: work, offset: 0, size: 4 * c.chains * c.dim } });
      }
      const sampler = new LangevinSampler(gpu, c, state, counters, uniform, struct, kernels, group, owned, mlp);
      sampler.setState(config.initialState ?? new Float32Array(c.chains * c.dim));
      return sampler;
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Replaces the chains (validated: chains * dim finite numbers). The step counter goes on. */
  setState(x: ArrayLike<number>): void {
    validateInitialState(x, this.config.chains, this.config.dim);
    this.gpu.device.queue.writeBuffer(this.state, 0, Float32Array.from(x));
  }

  /**
   * The sampling dispatches, to record into a compute pass of a larger
   * encoder: K steps of every chain and the counter advance. K is the count of
   * the last run() (or the configured steps); all passes of one submit use
   * the same K. Fused: one dispatch for all K steps; stepwise: each step's
   * kernels and MLP passes in turn.
   */
  pass(): Pass {
    const k = this.kernels;
    const group = this.group;
    const one = (kernel: Kernel, grid: [number, number]) => (pass: GPUComputePassEncoder) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(grid[0], grid[1]);
    };
    if (k.way === 'fused') {
      const sample = one(k.sample, this.config.grid);
      const advance = one(k.advance, [1, 1]);
      return (pass) => {
        sample(pass);
        advance(pass);
      };
    }
    const { chains, dim, maxWorkgroupsPerDimension: most } = this.config;
    const grid = (invocations: number) => dispatchSize(invocations, LGV_GROUP, most);
    const blocks = chains * Math.ceil(dim / 4);
    const propose = one(k.propose, grid(blocks));
    const update = k.updateChains ? one(k.updateChains, grid(chains)) : one(k.updateBlocks!, grid(blocks));
    const advance = one(k.advanceOne, [1, 1]);
    const init = k.copyState && k.malaCarry ? [one(k.copyState, grid(chains * dim)), k.evaluate!, one(k.malaCarry, grid(chains))] : [];
    const evaluate = k.evaluate!;
    return (pass) => {
      for (const p of init) p(pass);
      for (let t = 0; t < this.stepsInUniform; t++) {
        propose(pass);
        evaluate(pass);
        update(pass);
        advance(pass);
      }
    };
  }

  /** Runs `steps` steps (default: the configured K) of every chain in one dispatch and submits it; no readback. */
  run(steps = this.config.steps): void {
    integer('steps', steps, 1, 2 ** 32 - 1);
    this.gpu.check();
    if (steps !== this.stepsInUniform) {
      this.gpu.device.queue.writeBuffer(this.uniform, this.struct.members.steps.offset, new Uint32Array([steps]));
      this.stepsInUniform = steps;
    }
    const encoder = this.gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.pass()(pass);
    pass.end();
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  /** Reads the chains back: [chains][dim] f32. */
  readSamples(): Promise<Float32Array> {
    return this.gpu.readF32(this.state, this.config.chains * this.config.dim);
  }

  /** Steps taken so far: the Philox step of the next step. */
  async stepCount(): Promise<number> {
    return new Uint32Array(await this.gpu.read(this.counters, 4 * (SAMPLER_COUNTER.steps + 1)))[SAMPLER_COUNTER.steps];
  }

  /** MALA acceptance since the last reset (for ULA and Du & Mordatch, nothing is ever accepted or rejected: rate 1). */
  async acceptance(): Promise<Acceptance> {
    const words = new Uint32Array(await this.gpu.read(this.counters, this.config.bytes.counters));
    const perChain = words.slice(SAMPLER_COUNTER.accepted);
    const steps = words[SAMPLER_COUNTER.proposed];
    const proposed = steps * this.config.chains;
    if (this.config.sampler !== 'mala') return { accepted: proposed, proposed, rate: 1, perChain: perChain.fill(steps) };
    let accepted = 0;
    for (const a of perChain) accepted += a;
    return { accepted, proposed, rate: proposed > 0 ? accepted / proposed : NaN, perChain };
  }

  /** The counter words (lgv_counters, SAMPLER_COUNTER), [SAMPLER_COUNTER.accepted + chains] (one round trip). */
  async readCounters(): Promise<Uint32Array> {
    return new Uint32Array(await this.gpu.read(this.counters, this.config.bytes.counters));
  }

  /** Puts back chains and counter words read earlier (readSamples, readCounters): the sampler goes on from there. */
  restore(state: ArrayLike<number>, counters: Uint32Array): void {
    const words = SAMPLER_COUNTER.accepted + this.config.chains;
    if (!(counters instanceof Uint32Array) || counters.length !== words) {
      throw new ConfigError('counters', `must be a Uint32Array of ${SAMPLER_COUNTER.accepted} + chains = ${words} words`);
    }
    this.setState(state);
    this.gpu.write(this.counters, counters);
  }

  /** Zeroes the acceptance counts (the step counter goes on). */
  resetAcceptance(): void {
    const q = this.gpu.device.queue;
    q.writeBuffer(this.counters, 4 * SAMPLER_COUNTER.proposed, new Uint32Array(1));
    q.writeBuffer(this.counters, 4 * SAMPLER_COUNTER.accepted, new Uint32Array(this.config.chains));
  }

  /** Bytes of GPU memory the sampler holds: its own buffers and its MLP program's. */
  get bytes(): number {
    return this.owned.bytes + (this.mlp?.bytes ?? 0);
  }

  destroy(): void {
    this.owned.destroy();
    this.mlp?.destroy();
  }
}

/** Invocations per workgroup of the stepwise kernels (langevin.wgsl LGV_GROUP). */
const LGV_GROUP = shaderConstant('langevin.wgsl', 'LGV_GROUP');

/** The fused way: all K steps in one dispatch (any energy; the MLP's lanes variant). */
interface FusedKernels {
  way: 'fused';
  any: Kernel;
  sample: Kernel;
  advance: Kernel;
}

/** The stepwise way (MLP energy, tiled variant): the step kernels, and the MLP passes between them (set once the buffers exist). */
interface StepwiseKernels {
  way: 'stepwise';
  any: Kernel;
  propose: Kernel;
  updateBlocks: Kernel | null;
  updateChains: Kernel | null;
  advanceOne: Kernel;
  copyState: Kernel | null;
  malaCarry: Kernel | null;
  evaluate?: Pass;
}

/** Compiles the sampler's kernels for its way (every entry point shares langevin.wgsl's bindings, hence one bind group). */
async function samplerKernels(gpu: Gpu, c: ResolvedSamplerConfig): Promise<FusedKernels | StepwiseKernels> {
  const k = (entry: string, constants?: Record<string, number>) => gpu.kernel('langevin.wgsl', entry, constants ? { constants } : {});
  if (c.variant === 'lanes') {
    const activation = c.energy.kind === 'mlp' ? c.energy.spec.activation : 'silu';
    const [sample, advance] = await Promise.all([
      k('lgv_sample', { ...mlpConstants(c.group, activation), LGV_ENERGY_VALUE: c.sampler === 'mala' ? 1 : 0 }),
      k('lgv_advance'),
    ]);
    return { way: 'fused', any: sample, sample, advance };
  }
  const mala = c.sampler === 'mala';
  const [propose, update, advanceOne, copyState, malaCarry] = await Promise.all([
    k('lgv_propose_blocks'),
    k(mala ? 'lgv_update_chains' : 'lgv_update_blocks'),
    k('lgv_advance_one'),
    mala ? k('lgv_copy_state') : Promise.resolve(null),
    mala ? k('lgv_mala_carry') : Promise.resolve(null),
  ]);
  return {
    way: 'stepwise', any: propose, propose, advanceOne, copyState, malaCarry,
    updateBlocks: mala ? null : update, updateChains: mala ? update : null,
  };
}
