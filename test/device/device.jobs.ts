// Page side of the device-layer tests: acquisition errors, limits, loss, uncaptured errors.
import type { JobContext } from '../../harness/job';
import { requestGpu } from '../../src/device/device';
import { MlpProgram } from '../../src/mlp/program';

/** Acquires a GPU the normal way and describes it. */
export async function adapter(ctx: JobContext) {
  const gpu = await ctx.gpu();
  return { adapter: gpu.adapter, limits: { maxStorageBufferBindingSize: gpu.limits.maxStorageBufferBindingSize } };
}

/** requestGpu in a page whose navigator has no gpu (what a browser without WebGPU looks like). */
export async function withoutNavigatorGpu() {
  await requestGpu({ environment: { gpu: undefined, isSecureContext: true } });
}

/** Asks for limits; throws LimitError when the adapter has less. */
export async function acquire(ctx: JobContext, config: { limits: Record<string, number> }) {
  const gpu = await ctx.freshGpu({ limits: config.limits });
  const granted = Object.fromEntries(Object.keys(config.limits).map((k) => [k, (gpu.limits as any)[k]]));
  gpu.destroy();
  return granted;
}

/** Loses the device in the middle of work and reports how each operation failed. */
export async function lose(ctx: JobContext) {
  const reported: string[] = [];
  const gpu = await ctx.freshGpu({ onError: (e) => reported.push(e.name) });
  const program = await MlpProgram.create(gpu, { inputDim: 2, hidden: [8], activation: 'silu' }, 16);
  const pending = gpu.read(program.scratchBuffer, 64);
  gpu.destroy();
  const lost = await gpu.lost;
  const failures: Record<string, string> = {};
  const attempt = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      failures[name] = 'no error';
    } catch (e) {
      failures[name] = (e as Error).name;
    }
  };
  await attempt('pendingRead', () => pending);
  await attempt('read', () => gpu.read(program.scratchBuffer, 64));
  await attempt('kernel', () => gpu.kernel('mlp_forward.wgsl', 'forward'));
  await attempt('buffer', async () => gpu.buffer('x', 64));
  await attempt('sync', () => gpu.sync());
  return { lostName: lost.name, reason: lost.reason, isLost: gpu.isLost, failures, reported };
}

/** A validation error the caller did not capture surfaces as a GpuError at the next check. */
export async function uncaptured(ctx: JobContext) {
  const gpu = await ctx.freshGpu();
  // MAP_READ may only be combined with COPY_DST: a validation error.
  gpu.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
  try {
    await gpu.sync();
    await new Promise((r) => setTimeout(r, 50));
    gpu.check();
    return { name: 'no error' };
  } catch (e) {
    return { name: (e as Error).name, kind: (e as any).kind, message: (e as Error).message };
  } finally {
    gpu.destroy();
  }
}

/** A shader that does not compile gives ShaderCompileError with file, line and the offending text. */
export async function compileError(ctx: JobContext) {
  const gpu = await ctx.gpu();
  await gpu.kernel('mlp_forward.wgsl', 'forward', { extra: 'fn broken() -> f32 { return undefined_name; }' });
}

/** The same kernel asked for twice compiles once. */
export async function pipelineCache(ctx: JobContext) {
  const gpu = await ctx.gpu();
  const [a, b] = await Promise.all([gpu.kernel('mlp_forward.wgsl', 'forward'), gpu.kernel('mlp_forward.wgsl', 'forward')]);
  const c = await gpu.kernel('mlp_forward.wgsl', 'forward');
  return { same: a === b && b === c, bindings: a.iface.bindings.map((x) => `${x.binding}:${x.name}:${x.kind}`) };
}

/** What the adapter offers for subgroups, and whether the shared and a subgroups: false device use them. */
export async function subgroups(ctx: JobContext) {
  const shared = await ctx.gpu();
  const adapter = await ctx.gpuObject().requestAdapter();
  const plain = await ctx.freshGpu({ subgroups: false });
  const result = {
    feature: adapter?.features.has('subgroups') ?? false,
    minSize: (adapter?.info as { subgroupMinSize?: number } | undefined)?.subgroupMinSize ?? null,
    shared: shared.subgroups,
    sharedDeviceFeature: shared.device.features.has('subgroups'),
    plain: plain.subgroups,
    plainDeviceFeature: plain.device.features.has('subgroups'),
  };
  plain.destroy();
  return result;
}
