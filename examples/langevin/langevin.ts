// The library's fused Langevin sampler (ULA on an MLP energy) driven with
// nothing but WebGPU calls: no import of febm-gpu. It uses what the package
// ships for kernel authors in dist/wgsl/ (febm-gpu/wgsl/*):
//   langevin.lgv_sample.wgsl, langevin.lgv_advance.wgsl   standalone modules
//   langevin.lgv_sample.json, langevin.lgv_advance.json   their interfaces:
//       bindings, structs with member offsets, overrides, constants, dispatch rule
//   mlp-layout.js   the layout formulas (packed parameters, MLP scratch, MlpLayout)
// The caller hands those in (index.html fetches them); everything else is
// here: buffers, uniforms written at the interface's offsets, pipelines with
// layout 'auto', bind groups of exactly the bindings each entry point uses,
// workgroup counts from the dispatch rule. test/examples/lifted.gpu.test.ts
// checks its samples against the library's LangevinSampler, bit for bit.

/** The parts of a kernel's JSON interface this example reads. */
export interface KernelInterface {
  entryPoint: string;
  workgroupSize: (number | string)[];
  dispatch: { kind: 'invocations' | 'workgroup'; invocations?: string };
  bindings: { group: number; binding: number; name: string; kind: string; size?: number; elementSize?: number; struct?: string }[];
  structs: Record<string, { size: number; members: { name: string; offset: number; size: number; type: string; count?: number; stride?: number; struct?: string }[] }>;
  overrides: { name: string; type: string; default: number | boolean | null }[];
  constants: Record<string, number | boolean>;
}

/** A standalone kernel: its WGSL text and its interface. */
export interface LiftedKernel {
  wgsl: string;
  iface: KernelInterface;
}

/** The functions of mlp-layout.js this example calls. */
export interface MlpLayoutModule {
  packedLayers(sizes: readonly number[]): { layers: unknown[]; size: number };
  scratchRegions(layers: readonly unknown[], batch: number, group: number, constants: { MLP_CHAINS: number }): { batchPadded: number; vec4s: number };
  mlpLayoutValues(layers: readonly unknown[], scratch: { batchPadded: number; vec4s: number }, inputDim: number, batch: number): Record<string, number>;
}

export interface UlaOptions {
  /** Layer sizes of the energy network: [dim, ...hidden, 1]. */
  sizes: number[];
  /** Hidden activation: its code among the kernel's constants (ACT_SILU, ACT_TANH, ...). */
  activation: string;
  /** Packed parameters: packedLayers(sizes).size floats (mlp-layout.js). */
  params: Float32Array<ArrayBuffer>;
  chains: number;
  /** Steps per dispatch. */
  steps: number;
  eta: number;
  /** Philox seed, an integer in [0, 2^53). */
  seed: number;
  /** The chains' start, [chains][dim]. */
  initial: Float32Array<ArrayBuffer>;
  /** Invocations per workgroup (the MLP_GROUP override); default: the override's default. */
  group?: number;
}

const u32 = (v: number | boolean | undefined, what: string): number => {
  if (typeof v !== 'number') throw new Error(`the interface has no numeric ${what}`);
  return v;
};

/** Writes values by member path ("layers.2.h_base") at the offsets of struct `name`. */
export function packStruct(iface: KernelInterface, name: string, values: Record<string, number>): ArrayBuffer {
  const root = iface.structs[name];
  if (!root) throw new Error(`no struct ${name} in the interface`);
  const bytes = new ArrayBuffer(root.size);
  const view = new DataView(bytes);
  for (const [path, value] of Object.entries(values)) {
    let struct = root;
    let offset = 0;
    let type = '';
    const parts = path.split('.');
    for (let i = 0; i < parts.length; i++) {
      const m = struct.members.find((x) => x.name === parts[i]);
      if (!m) throw new Error(`${name} has no member ${path}`);
      offset += m.offset;
      type = m.type;
      if (m.count !== undefined && i + 1 < parts.length) offset += Number(parts[++i]) * (m.stride ?? 0);
      if (m.struct) struct = iface.structs[m.struct];
    }
    if (type === 'f32') view.setFloat32(offset, value, true);
    else if (type === 'i32') view.setInt32(offset, value, true);
    else view.setUint32(offset, value, true);
  }
  return bytes;
}

/** Evaluates a dispatch rule's expression (+ - * / and parentheses over numbers and names). */
export function evaluate(expression: string, lookup: (name: string) => number): number {
  const tokens = expression.match(/[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?|[-+*/()]/g) ?? [];
  let i = 0;
  const primary = (): number => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      i++;
      return v;
    }
    return /^\d/.test(t) ? Number(t) : lookup(t);
  };
  const product = (): number => {
    let v = primary();
    while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * primary() : v / primary();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  return sum();
}

/** Workgroups of a dispatch rule, folded into 2-D past the device's per-dimension limit. */
function workgroups(device: GPUDevice, iface: KernelInterface, lookup: (name: string) => number): [number, number] {
  if (iface.dispatch.kind === 'workgroup') return [1, 1];
  const size = typeof iface.workgroupSize[0] === 'number' ? iface.workgroupSize[0] : lookup(iface.workgroupSize[0]);
  const g = Math.ceil(evaluate(iface.dispatch.invocations!, lookup) / size);
  const m = device.limits.maxComputeWorkgroupsPerDimension;
  return g <= m ? [g, 1] : [m, Math.ceil(g / m)];
}

/** A buffer of at least `bytes` (and of the data's size), rounded up to 16 bytes, holding `data`. */
function buffer(device: GPUDevice, bytes: number, usage: number, data?: ArrayBuffer | ArrayBufferView<ArrayBuffer>): GPUBuffer {
  const size = Math.max(bytes, data?.byteLength ?? 0);
  const b = device.createBuffer({ size: Math.max(16, Math.ceil(size / 16) * 16), usage });
  if (data) device.queue.writeBuffer(b, 0, data instanceof ArrayBuffer ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return b;
}

/** Runs `steps` ULA steps of every chain on E = the MLP and returns the chains, [chains][dim]. */
export async function runUla(device: GPUDevice, sample: LiftedKernel, advance: LiftedKernel, layout: MlpLayoutModule, o: UlaOptions): Promise<Float32Array> {
  const k = sample.iface.constants;
  const overrideDefault = (name: string) => u32(sample.iface.overrides.find((x) => x.name === name)?.default as number, `override ${name}`);
  const group = o.group ?? overrideDefault('MLP_GROUP');
  const dim = o.sizes[0];
  const packed = layout.packedLayers(o.sizes);
  if (o.params.length !== packed.size) throw new Error(`params must hold ${packed.size} floats, got ${o.params.length}`);
  const scratch = layout.scratchRegions(packed.layers, o.chains, group, { MLP_CHAINS: u32(k.MLP_CHAINS, 'MLP_CHAINS') });

  // The uniforms, written at the interface's offsets.
  const mlpValues = layout.mlpLayoutValues(packed.layers, scratch, dim, o.chains);
  const seedLo = o.seed % 0x100000000;
  const seedHi = Math.floor(o.seed / 0x100000000);
  const lgvValues: Record<string, number> = {
    chains: o.chains, dim, steps: o.steps, sampler: u32(k.LGV_ULA, 'LGV_ULA'), energy: u32(k.LGV_ENERGY_MLP, 'LGV_ENERGY_MLP'),
    components: 0, seed_lo: seedLo, seed_hi: seedHi, half_eta: o.eta / 2, sqrt_eta: Math.sqrt(o.eta), inv_two_eta: 1 / (2 * o.eta),
  };
  const { UNIFORM, STORAGE, COPY_DST, COPY_SRC, MAP_READ } = GPUBufferUsage;
  const buffers: Record<string, GPUBuffer> = {
    mlp: buffer(device, 0, UNIFORM | COPY_DST, packStruct(sample.iface, 'MlpLayout', mlpValues)),
    mlp_theta: buffer(device, o.params.byteLength, STORAGE | COPY_DST, o.params),
    mlp_x: buffer(device, 4 * o.chains * dim, STORAGE),
    mlp_scratch: buffer(device, 16 * scratch.vec4s, STORAGE),
    lgv: buffer(device, 0, UNIFORM | COPY_DST, packStruct(sample.iface, 'LgvParams', lgvValues)),
    lgv_state: buffer(device, 4 * o.chains * dim, STORAGE | COPY_DST | COPY_SRC, o.initial),
    lgv_work: buffer(device, 4 * o.chains * dim, STORAGE),
    lgv_energy: buffer(device, 16, STORAGE),
    lgv_counters: buffer(device, 4 * (u32(k.LGV_COUNT_ACCEPTED, 'LGV_COUNT_ACCEPTED') + o.chains), STORAGE | COPY_DST, new Uint32Array(u32(k.LGV_COUNT_ACCEPTED, 'LGV_COUNT_ACCEPTED') + o.chains)),
  };

  // Pipelines with layout 'auto': each binds exactly the bindings its interface lists.
  const constants = { MLP_GROUP: group, MLP_ACTIVATION: u32(k[o.activation], o.activation), LGV_ENERGY_VALUE: 0 };
  const pipeline = (kernel: LiftedKernel, withConstants: boolean) =>
    device.createComputePipelineAsync({
      layout: 'auto',
      compute: {
        module: device.createShaderModule({ code: kernel.wgsl }),
        entryPoint: kernel.iface.entryPoint,
        ...(withConstants ? { constants: Object.fromEntries(Object.entries(constants).filter(([n]) => kernel.iface.overrides.some((x) => x.name === n))) } : {}),
      },
    });
  const [samplePipeline, advancePipeline] = await Promise.all([pipeline(sample, true), pipeline(advance, false)]);
  const bindGroup = (p: GPUComputePipeline, iface: KernelInterface) =>
    device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: iface.bindings.map((b) => ({ binding: b.binding, resource: { buffer: buffers[b.name] } })) });

  // Names in the dispatch rule: uniform members (binding.member), constants, overrides.
  const lookup = (name: string): number => {
    const [binding, member] = name.split('.');
    if (member !== undefined) {
      const values = binding === 'mlp' ? mlpValues : binding === 'lgv' ? lgvValues : null;
      if (!values || values[member] === undefined) throw new Error(`the dispatch rule names ${name}, which this example does not fill`);
      return values[member];
    }
    if (name in constants) return constants[name as keyof typeof constants];
    return u32(k[name], name);
  };
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(samplePipeline);
  pass.setBindGroup(0, bindGroup(samplePipeline, sample.iface));
  pass.dispatchWorkgroups(...workgroups(device, sample.iface, lookup));
  pass.setPipeline(advancePipeline);
  pass.setBindGroup(0, bindGroup(advancePipeline, advance.iface));
  pass.dispatchWorkgroups(...workgroups(device, advance.iface, lookup));
  pass.end();
  const readback = device.createBuffer({ size: 4 * o.chains * dim, usage: MAP_READ | COPY_DST });
  encoder.copyBufferToBuffer(buffers.lgv_state, 0, readback, 0, 4 * o.chains * dim);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  for (const b of [...Object.values(buffers), readback]) b.destroy();
  return out;
}
