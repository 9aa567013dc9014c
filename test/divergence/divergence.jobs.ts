// Page side of the divergence and loss tests: evaluate shaders/divergence.wgsl
// (through divergence_test.wgsl) and shaders/fdiv_loss.wgsl on given v and
// return the raw f32 bits, so that NaN and infinities survive the trip to
// Node (JSON would turn them into null) and are detected there by a bit test.
import type { JobContext } from '../../harness/job';
import type { DivergenceSpec, Numerics } from '../../src/divergence/divergence';
import { FdivLoss, divergenceUniforms, gpuDivergence } from '../../src/divergence/loss';
import { packStruct } from '../../src/device/shader';
import divergenceTestWgsl from './divergence_test.wgsl?raw';

/** A divergence as JSON: a built-in spec, or a custom one given by its WGSL and the name of host functions below. */
export interface JobDivergence {
  name: string;
  alpha?: number;
  /** For name 'custom': WGSL defining custom_f, custom_df, custom_d2f. */
  wgsl?: string;
  /** For name 'custom': which host f, f', f'' to validate against (only 'kl'). */
  host?: 'kl';
}

const HOST_CUSTOM = {
  kl: { f: (u: number) => (u === 0 ? 0 : u * Math.log(u)), df: (u: number) => 1 + Math.log(u), d2f: (u: number) => 1 / u },
};

export function toSpec(d: JobDivergence): DivergenceSpec {
  if (d.name === 'custom') return { name: 'custom', custom: { ...HOST_CUSTOM[d.host ?? 'kl'], wgsl: d.wgsl } };
  return (d.alpha === undefined ? { name: d.name } : { name: d.name, alpha: d.alpha }) as DivergenceSpec;
}

const bits = (buf: ArrayBuffer): number[] => Array.from(new Uint32Array(buf));

export interface EvaluateConfig {
  divergence: JobDivergence;
  numerics: Numerics;
  v: number[];
}

/** (g, c, g', c') for each v as f32 bits (4 per v), and the div_bound_hit flags. */
export async function evaluate(ctx: JobContext, c: EvaluateConfig): Promise<{ bits: number[]; hit: number[] }> {
  const gpu = await ctx.gpu();
  const d = gpuDivergence(toSpec(c.divergence), c.numerics);
  const k = await gpu.kernel('divergence_test.wgsl', 'div_test_main', { extra: d.userCode, files: { 'divergence_test.wgsl': divergenceTestWgsl } });
  const params = k.iface.bindings.find((b) => b.name === 'div_test')!.struct!;
  const n = c.v.length;
  const uniform = gpu.bufferFrom('div test params', packStruct(params, { ...divergenceUniforms(d), count: n }), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const v = gpu.bufferFrom('v', new Float32Array(c.v));
  const out = gpu.buffer('out', n * 16);
  const hit = gpu.buffer('hit', n * 4);
  try {
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.bind({ div_test: uniform, div_test_v: v, div_test_out: out, div_test_hit: hit }));
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    return { bits: bits(await gpu.read(out, n * 16)), hit: bits(await gpu.read(hit, n * 4)) };
  } finally {
    for (const b of [uniform, v, out, hit]) b.destroy();
  }
}

export interface LossConfig {
  divergence: JobDivergence;
  numerics: Numerics;
  vData: number[];
  vModel: number[];
}

export interface LossResult {
  /** f32 bits of wH and wE ([nData + nModel] each) and of objective, mean_g, mean_c. */
  wH: number[];
  wE: number[];
  objective: number;
  meanG: number;
  meanC: number;
  clampedData: number;
  clampedModel: number;
}

/** One loss pass (reduce + weights in one encoder) on v = [vData; vModel]. */
export async function loss(ctx: JobContext, c: LossConfig): Promise<LossResult> {
  const gpu = await ctx.gpu();
  const nData = c.vData.length;
  const nModel = c.vModel.length;
  const program = await FdivLoss.create(gpu, { divergence: toSpec(c.divergence), numerics: c.numerics, nData, nModel });
  const v = gpu.bufferFrom('v', new Float32Array([...c.vData, ...c.vModel]));
  const wH = gpu.buffer('wH', (nData + nModel) * 4);
  const wE = gpu.buffer('wE', (nData + nModel) * 4);
  try {
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    program.pass({ v, wH, wE })(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    const m = await program.readMetrics();
    return {
      wH: bits(await gpu.read(wH, (nData + nModel) * 4)),
      wE: bits(await gpu.read(wE, (nData + nModel) * 4)),
      objective: m.objective,
      meanG: m.meanG,
      meanC: m.meanC,
      clampedData: m.clampedData,
      clampedModel: m.clampedModel,
    };
  } finally {
    for (const b of [v, wH, wE]) b.destroy();
    program.destroy();
  }
}
