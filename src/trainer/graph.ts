// The pass graph of one training iteration (Algorithm 1), built once from the
// trainer's buffers and parts; every bind group is made here, never in the
// loop. In the order of one iteration, all in one compute pass:
//
//   draw    trn_data: the data batch into x (Philox keyed by the GPU's
//           iteration counter); trn_restart: each chain restarts from the
//           replay buffer or from fresh noise
//   sample  K Langevin steps with E (LangevinSampler.pass); trn_gather: the
//           samples into x and the replay buffer
//   hStep   E(x); H(x), v = H + E (trn_combine), loss and weights (FdivLoss),
//           trn_note_h, L2 penalty / warm-up on the H weights
//           (trn_penalty_h), H gradient and ascent step
//   eStep   H(x) with the new H, v, loss and weights again (covariance term
//           included), L2 penalty / warm-up (trn_penalty_e), statistics
//           (trn_stats_e), E gradient and descent step
//   checks  the NaN/inf watch of samples, statistics, gradients, moments and
//           parameters (trn_check, one dispatch per quantity), then the
//           counters (trn_advance)
//
// Contrastive divergence: no H; hStep is E(x) alone, and the E weights are
// +1/batch on data and -1/chains on samples (plus the L2 penalty).
//
// At metrics points a separate encoder runs trainer_metrics.wgsl (gradient
// norms, MALA acceptance) and copies counters, statistics, those metrics and
// both networks' parameters into the one readback buffer (readbackLayout).

import { dispatchSize, type Gpu, type Kernel } from '../device/device';
import type { Pass } from '../mlp/program';
import { paramLayout } from '../mlp/params';
import type { ValidTrainerConfig } from './config';
import { checkInvocations, readbackLayout, TRAINER_COUNTER_WORDS, TRAINER_METRICS_WORDS, TRAINER_STATS_WORDS } from './layout';
import type { TrainerBuffers, TrainerParts, TrainerUniformLayouts } from './resources';
import { FebmError } from '../errors';

/** The stages of one iteration, in order (Trainer.stagePasses). */
export const TRAINER_STAGES = ['draw', 'sample', 'hStep', 'eStep', 'checks'] as const;
export type TrainerStage = (typeof TRAINER_STAGES)[number];

/** The quantities the NaN/inf check watches, by bit (trn_check's trn_q.bit), in pipeline order. */
export const CHECKED_QUANTITIES = [
  'data batch and samples', 'statistics (objectives, mean energies)', 'H gradient', 'H optimiser moments', 'H parameters',
  'E gradient', 'E optimiser moments', 'E parameters',
] as const;


/** The trainer's own kernels (shaders/trainer_*.wgsl), by role. */
export interface TrainerKernels {
  draw: Kernel;
  restart: Kernel;
  gather: Kernel;
  combine: Kernel;
  penaltyH: Kernel;
  penaltyE: Kernel;
  noteH: Kernel;
  stats: Kernel;
  check: Kernel;
  advance: Kernel;
  metrics: Kernel;
}

const KERNELS: Record<keyof TrainerKernels, [file: string, entry: string]> = {
  draw: ['trainer_draw.wgsl', 'trn_data'],
  restart: ['trainer_draw.wgsl', 'trn_restart'],
  gather: ['trainer_draw.wgsl', 'trn_gather'],
  combine: ['trainer_loss.wgsl', 'trn_combine'],
  penaltyH: ['trainer_loss.wgsl', 'trn_penalty_h'],
  penaltyE: ['trainer_loss.wgsl', 'trn_penalty_e'],
  noteH: ['trainer_loss.wgsl', 'trn_note_h'],
  stats: ['trainer_loss.wgsl', 'trn_stats_e'],
  check: ['trainer_check.wgsl', 'trn_check'],
  advance: ['trainer_check.wgsl', 'trn_advance'],
  metrics: ['trainer_metrics.wgsl', 'trn_metrics'],
};

/** The uniform layouts the host writes, reflected from the kernels that bind them. */
export function trainerUniformLayouts(k: TrainerKernels): TrainerUniformLayouts {
  const struct = (kernel: Kernel, name: string) => {
    const s = kernel.iface.bindings.find((x) => x.name === name)?.struct;
    if (!s) throw new FebmError(`${kernel.entryPoint}: no uniform ${name}`);
    return s;
  };
  return { trn: struct(k.draw, 'trn'), check: struct(k.check, 'trn_q'), metrics: struct(k.metrics, 'tm') };
}

/** Compiles (or finds in the device's cache) the trainer's kernels. */
export async function compileTrainerKernels(gpu: Gpu): Promise<TrainerKernels> {
  const names = Object.keys(KERNELS) as (keyof TrainerKernels)[];
  const kernels = await Promise.all(names.map((k) => gpu.kernel(...KERNELS[k])));
  return Object.fromEntries(names.map((k, i) => [k, kernels[i]])) as unknown as TrainerKernels;
}

/**
 * The buffers the NaN/inf check reads and their element counts, in
 * CHECKED_QUANTITIES order (the first one flagged is the likely origin). A
 * count of 0 (H's in CD mode, SGD's moments) is not dispatched. Adam's moments
 * are watched too (see Optimizer.nonFiniteMoment: an overflowed second
 * moment freezes the parameters without making them non-finite).
 */
export function checkedQuantities(c: ValidTrainerConfig, b: TrainerBuffers, parts: TrainerParts): { buffer: GPUBuffer; count: number }[] {
  const n = c.batch + c.chains;
  const sizeE = paramLayout(c.energy).size;
  const sizeH = c.variational ? paramLayout(c.variational).size : 0;
  const moments = (count: number, kind: string | undefined) => (kind === 'adam' ? 2 * count : 0);
  const { optE, optH } = parts;
  const list = [
    { buffer: b.x, count: n * c.energy.inputDim },
    { buffer: b.stats, count: TRAINER_STATS_WORDS },
    { buffer: b.gradH, count: sizeH },
    { buffer: optH ? optH.moments : b.gradH, count: moments(sizeH, optH?.spec.kind) },
    { buffer: b.thetaH, count: sizeH },
    { buffer: b.gradE, count: sizeE },
    { buffer: optE.moments, count: moments(sizeE, optE.spec.kind) },
    { buffer: b.thetaE, count: sizeE },
  ];
  if (list.length !== CHECKED_QUANTITIES.length) throw new FebmError('checkedQuantities: one entry per CHECKED_QUANTITIES name');
  return list;
}

/** Records `passes` in order as one. */
export function sequence(passes: readonly Pass[]): Pass {
  return (pass) => {
    for (const p of passes) p(pass);
  };
}

/** The passes of a run, built once on first use. */
export class TrainerGraph {
  private stageCache: Record<TrainerStage, Pass[]> | null = null;
  private iterationCache: Pass | null = null;
  private updateCache: Pass | null = null;
  private metricsCache: ((encoder: GPUCommandEncoder) => void) | null = null;

  constructor(
    private readonly gpu: Gpu,
    private readonly c: ValidTrainerConfig,
    private readonly b: TrainerBuffers,
    private readonly parts: TrainerParts,
    private readonly k: TrainerKernels,
    /** checkedQuantities of this run. */
    private readonly checked: readonly { buffer: GPUBuffer; count: number }[],
  ) {}

  /** `invocations` invocations in workgroups of the kernel's @workgroup_size, folded into 2-D past the per-dimension limit. */
  private spread(kernel: Kernel, group: GPUBindGroup, invocations: number): Pass {
    const [x, y] = dispatchSize(invocations, kernel.workgroupSize[0], this.gpu.limits.maxComputeWorkgroupsPerDimension);
    return (pass) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y);
    };
  }

  private single(kernel: Kernel, group: GPUBindGroup): Pass {
    return (pass) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
    };
  }

  /** The stages of one iteration, each a list of dispatches; recorded in TRAINER_STAGES order they are one iteration. */
  stages(): Record<TrainerStage, Pass[]> {
    if (this.stageCache) return this.stageCache;
    const { b, k, c, parts } = this;
    const { mlpE, mlpH, loss, optE, optH, sampler } = parts;
    const n = c.batch + c.chains;
    const drawGroup = k.draw.bind({
      trn: b.uniform, trn_dataset: b.dataset, trn_x: b.x, trn_state: sampler.state, trn_replay: b.replay, trn_counters: b.counters,
    });
    const lossGroup = k.combine.bind({
      trn: b.uniform, trn_counters: b.counters, trn_hv: b.hv, trn_ev: b.ev, trn_v: b.v, trn_w_h: b.wH, trn_w_e: b.wE,
      trn_loss_metrics: loss ? loss.metrics : b.lossMetrics!, trn_stats: b.stats,
    });
    const hStep: Pass[] = [mlpE.forward({ theta: b.thetaE, x: b.x, out: b.ev })];
    const eStep: Pass[] = [];
    if (c.mode === 'fdiv') {
      const hForward = mlpH!.forward({ theta: b.thetaH, x: b.x, out: b.hv });
      const combine = this.spread(k.combine, lossGroup, n);
      const lossPass = loss!.pass({ v: b.v, wH: b.wH, wE: b.wE });
      hStep.push(
        hForward, combine, lossPass,
        this.single(k.noteH, lossGroup),
        this.spread(k.penaltyH, lossGroup, n),
        // H's scratch still holds hForward's activations (same theta and x).
        mlpH!.paramGrad({ theta: b.thetaH, x: b.x, weights: b.wH, grad: b.gradH }, { afterForward: true }),
        optH!.step({ theta: b.thetaH, grad: b.gradH }),
      );
      // E step with the updated H.
      eStep.push(hForward, combine, lossPass);
    }
    eStep.push(
      this.spread(k.penaltyE, lossGroup, n),
      this.single(k.stats, lossGroup),
      // E's scratch still holds the activations of the H step's first pass:
      // E and x have not changed since, and nothing else uses mlpE's scratch.
      mlpE.paramGrad({ theta: b.thetaE, x: b.x, weights: b.wE, grad: b.gradE }, { afterForward: true }),
      optE.step({ theta: b.thetaE, grad: b.gradE }),
    );
    const checks: Pass[] = [];
    const checkGroups = this.checked.map(({ buffer }, q) =>
      k.check.bind({ trn: b.uniform, trn_q: b.checkUniforms[q], trn_check_data: buffer, trn_flags: b.counters }),
    );
    this.checked.forEach(({ count }, q) => {
      if (count > 0) checks.push(this.spread(k.check, checkGroups[q], checkInvocations(count)));
    });
    // trn_advance binds what trn_check binds; any of the check groups serves.
    checks.push(this.single(k.advance, checkGroups[0]));
    this.stageCache = {
      draw: [this.spread(k.draw, drawGroup, c.batch), this.spread(k.restart, drawGroup, c.chains)],
      // The samples go into x and the replay buffer right after the steps.
      sample: [sampler.pass(), this.spread(k.gather, drawGroup, c.chains)],
      hStep,
      eStep,
      checks,
    };
    return this.stageCache;
  }

  /** One full iteration. */
  iteration(): Pass {
    this.iterationCache ??= sequence(TRAINER_STAGES.flatMap((stage) => this.stages()[stage]));
    return this.iterationCache;
  }

  /** The H step, the E step, the checks and the counter advance, on x as it stands (no draw, no sampling). */
  update(): Pass {
    if (!this.updateCache) {
      const s = this.stages();
      this.updateCache = sequence([...s.hStep, ...s.eStep, ...s.checks]);
    }
    return this.updateCache;
  }

  /** The metrics kernel (gradient norms, acceptance) and the copies into the readback buffer, for a metrics point's encoder. */
  metricsPoint(): (encoder: GPUCommandEncoder) => void {
    if (this.metricsCache) return this.metricsCache;
    const { b, c, k } = this;
    const group = k.metrics.bind({
      tm: b.metricsUniform, tm_grad_e: b.gradE, tm_grad_h: b.gradH, tm_lgv_counters: this.parts.sampler.counters, tm_out: b.metricsOut,
    });
    const metrics = this.single(k.metrics, group);
    const sizeE = paramLayout(c.energy).size;
    const sizeH = c.variational ? paramLayout(c.variational).size : 0;
    const at = readbackLayout(sizeE, sizeH);
    this.metricsCache = (encoder) => {
      const p = encoder.beginComputePass();
      metrics(p);
      p.end();
      encoder.copyBufferToBuffer(b.counters, 0, b.readback, at.counters, TRAINER_COUNTER_WORDS * 4);
      encoder.copyBufferToBuffer(b.stats, 0, b.readback, at.stats, TRAINER_STATS_WORDS * 4);
      encoder.copyBufferToBuffer(b.metricsOut, 0, b.readback, at.metrics, TRAINER_METRICS_WORDS * 4);
      encoder.copyBufferToBuffer(b.thetaE, 0, b.readback, at.paramsE, sizeE * 4);
      if (sizeH > 0) encoder.copyBufferToBuffer(b.thetaH, 0, b.readback, at.paramsH, sizeH * 4);
    };
    return this.metricsCache;
  }
}
