// Page side of the grid tests (src/grid/grid.ts): networks on a grid bound to live
// parameter buffers, the box moved in place, extra copies, and what one
// evaluation creates on the device.
import type { JobContext } from '../../harness/job';
import { ConfigError } from '../../src/errors';
import { EnergyGrid, type GridBox } from '../../src/grid/grid';
import type { MlpSpec } from '../../src/mlp/params';

export interface GridJob {
  resolution: number;
  box: GridBox;
  /** A second box for setBox. */
  box2: GridBox;
  networks: { spec: MlpSpec; params: number[]; params2: number[] }[];
  /** Values of a buffer of which [offset, offset + count) is read back with the grid. */
  extra: number[];
  offset: number;
  count: number;
  group?: number;
}

export interface GridResult {
  /** Per network: values with params, after the parameters changed in place, after setBox. */
  first: number[][];
  afterParams: number[][];
  afterBox: number[][];
  copy: number[];
  /** Over 5 further evaluations. */
  buffersCreated: number;
  bindGroupsCreated: number;
  sameArrays: boolean;
  bytes: number;
}

export async function evaluate(ctx: JobContext, c: GridJob): Promise<GridResult> {
  const gpu = await ctx.gpu();
  const thetas = c.networks.map((n, i) => gpu.bufferFrom(`theta ${i}`, new Float32Array(n.params)));
  const extra = gpu.bufferFrom('extra', new Float32Array(c.extra));
  const grid = await EnergyGrid.create(gpu, {
    resolution: c.resolution,
    box: c.box,
    networks: c.networks.map((n, i) => ({ spec: n.spec, theta: thetas[i] })),
    copies: [{ buffer: extra, offset: c.offset, count: c.count }],
    group: c.group,
  });
  try {
    const snap = (v: Float32Array[]) => v.map((a) => Array.from(a));
    const r1 = await grid.evaluate();
    const first = snap(r1.values);
    const copy = Array.from(r1.copies[0]);
    c.networks.forEach((n, i) => gpu.device.queue.writeBuffer(thetas[i], 0, new Float32Array(n.params2)));
    const afterParams = snap((await grid.evaluate()).values);
    grid.setBox(c.box2);
    const device = gpu.device;
    const createBuffer = device.createBuffer.bind(device);
    const createBindGroup = device.createBindGroup.bind(device);
    let buffersCreated = 0;
    let bindGroupsCreated = 0;
    device.createBuffer = (d: GPUBufferDescriptor) => (buffersCreated++, createBuffer(d));
    device.createBindGroup = (d: GPUBindGroupDescriptor) => (bindGroupsCreated++, createBindGroup(d));
    let last = r1;
    let sameArrays = true;
    try {
      for (let k = 0; k < 5; k++) {
        const r = await grid.evaluate();
        sameArrays &&= r.values.every((a, i) => a === r1.values[i]) && r.copies[0] === r1.copies[0];
        last = r;
      }
    } finally {
      device.createBuffer = createBuffer;
      device.createBindGroup = createBindGroup;
    }
    return { first, afterParams, afterBox: snap(last.values), copy, buffersCreated, bindGroupsCreated, sameArrays, bytes: grid.bytes };
  } finally {
    grid.destroy();
    for (const b of [...thetas, extra]) b.destroy();
  }
}

/** Creates grids from bad options; returns each ConfigError's field. */
export async function refuse(ctx: JobContext): Promise<(string | null)[]> {
  const gpu = await ctx.gpu();
  const theta = gpu.buffer('theta', 4096);
  const spec: MlpSpec = { inputDim: 2, hidden: [4], activation: 'tanh' };
  const cases: unknown[] = [
    { resolution: 1, box: [0, 1, 0, 1], networks: [{ spec, theta }] },
    { resolution: 8.5, box: [0, 1, 0, 1], networks: [{ spec, theta }] },
    { resolution: 8, box: [1, 0, 0, 1], networks: [{ spec, theta }] },
    { resolution: 8, box: [0, 1, 0, NaN], networks: [{ spec, theta }] },
    { resolution: 8, box: [0, 1, 0, 1], networks: [] },
    { resolution: 8, box: [0, 1, 0, 1], networks: [{ spec: { ...spec, inputDim: 3 }, theta }] },
    { resolution: 8, box: [0, 1, 0, 1], networks: [{ spec: { ...spec, hidden: [0] }, theta }] },
    { resolution: 8, box: [0, 1, 0, 1], networks: [{ spec, theta }], copies: [{ buffer: theta, offset: 1020, count: 8 }] },
    { resolution: 8, box: [0, 1, 0, 1], networks: [{ spec, theta }], group: 0 },
  ];
  const fields: (string | null)[] = [];
  for (const o of cases) {
    try {
      const g = await EnergyGrid.create(gpu, o as never);
      g.destroy();
      fields.push(null);
    } catch (e) {
      fields.push(e instanceof ConfigError ? e.field : `not a ConfigError: ${(e as Error).message}`);
    }
  }
  theta.destroy();
  return fields;
}
