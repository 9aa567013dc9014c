// Page side of the Philox GPU tests: runs test/rng/philox_test.wgsl through
// Gpu.kernel (philox.wgsl composed in by its `requires:` line) and returns the
// raw words, uniforms and normals for the test to compare in Node.
import type { JobContext } from '../../harness/job';
import { FebmError } from '../../src/errors';
import { seedKey } from '../../src/rng/philox';
import { packStruct } from '../../src/device/shader';
import philoxTestWgsl from './philox_test.wgsl?raw';

export interface PhiloxDrawConfig {
  seed: number;
  step: number;
  stream: number;
  count: number;
  /** Chain index of entry 0 (default 0). */
  firstChain?: number;
  /** Workgroup grid [x, y] (default: 1-D, ceil(count / 64) along x). */
  groups?: [number, number];
  /** Return only the normals (for large statistical draws). */
  normalsOnly?: boolean;
}

export interface PhiloxDraws {
  bits?: number[];
  uniforms?: number[];
  normals: number[];
  groups: [number, number];
}

export async function draws(ctx: JobContext, c: PhiloxDrawConfig): Promise<PhiloxDraws> {
  const gpu = await ctx.gpu();
  const kernel = await gpu.kernel('philox_test.wgsl', 'philox_test_main', { files: { 'philox_test.wgsl': philoxTestWgsl } });
  const struct = kernel.iface.bindings.find((b) => b.name === 'philox_test_params')?.struct;
  if (!struct) throw new FebmError('philox_test.wgsl: no uniform philox_test_params');
  const [seedLo, seedHi] = seedKey(c.seed);
  const params = packStruct(struct, {
    seed_lo: seedLo, seed_hi: seedHi, step: c.step, stream: c.stream, count: c.count, first_chain: c.firstChain ?? 0,
  });
  const groups: [number, number] = c.groups ?? [Math.ceil(c.count / 64), 1];
  if (groups[0] * groups[1] * 64 < c.count) throw new FebmError(`grid ${groups} has fewer than ${c.count} invocations`);
  const uniform = gpu.bufferFrom('philox test params', params, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const bits = gpu.buffer('philox bits', c.count * 16);
  const normals = gpu.buffer('philox normals', c.count * 16);
  const uniforms = gpu.buffer('philox uniforms', c.count * 16);
  try {
    const group = kernel.bind({
      philox_test_params: uniform, philox_test_bits: bits, philox_test_normals: normals, philox_test_uniforms: uniforms,
    });
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1]);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    const z = Array.from(await gpu.readF32(normals, 4 * c.count));
    if (c.normalsOnly) return { normals: z, groups };
    return {
      bits: Array.from(new Uint32Array(await gpu.read(bits, 16 * c.count))),
      uniforms: Array.from(await gpu.readF32(uniforms, 4 * c.count)),
      normals: z,
      groups,
    };
  } finally {
    for (const b of [uniform, bits, normals, uniforms]) b.destroy();
  }
}
