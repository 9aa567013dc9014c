// Networks of a 2-D model evaluated on a regular grid, on the GPU, for
// pictures that are redrawn while the model trains (the demo's heatmaps of
// exp(-E) and H + E). Everything is built once per model: an MlpProgram over
// the grid for each network, bound to the network's live parameter buffer (so
// every evaluation sees the parameters as they are now, with no upload), the
// grid points, the outputs, and one MAP_READ staging buffer. evaluate() then
// records the forward passes and the copies into one encoder, submits, maps
// the staging buffer and copies it into host arrays that were allocated
// once: no GPU buffer, bind group or host array is created per redraw.
//
// Grid: `resolution` x `resolution` cell centres of the box
// [xMin, xMax] x [yMin, yMax]; point (r, c) (row r, column c) is
//   x = xMin + (xMax - xMin) (c + 0.5) / resolution,
//   y = yMax - (yMax - yMin) (r + 0.5) / resolution,
// stored row-major at index r * resolution + c: row 0 is the top of a
// picture (largest y), as image pixels are.

import type { Gpu } from '../device/device';
import { bytesOf, createPartList, destroyAll, type GpuPart } from '../device/part';
import { integer } from '../validate';
import { ConfigError, FebmError } from '../errors';
import { MlpProgram, mlpGroupFor, validateMlpGroup, type Pass } from '../mlp/program';
import { validateMlpSpec, type MlpSpec } from '../mlp/params';

/** [xMin, xMax, yMin, yMax]. */
export type GridBox = [number, number, number, number];

/** A network to evaluate: its architecture and the buffer that holds its packed parameters (read live). */
export interface GridNetwork {
  spec: MlpSpec;
  theta: GPUBuffer;
}

/** Another f32 region to read back with the grid values (e.g. a sampler's chains). */
export interface GridCopy {
  buffer: GPUBuffer;
  /** Values (f32) to copy. */
  count: number;
  /** First value (f32 index) in the buffer; default 0. */
  offset?: number;
}

export interface GridOptions {
  /** Points per side, 2 to MAX_GRID_RESOLUTION. */
  resolution: number;
  box: GridBox;
  /** 1 to 8 networks with input dimension 2. */
  networks: GridNetwork[];
  copies?: GridCopy[];
  /**
   * Invocations per workgroup of the MLP kernels (default mlpGroupFor(points)).
   * Pass the model's own so that the grid reuses its compiled pipelines
   * instead of compiling another set.
   */
  group?: number;
}

export interface GridValues {
  /** Per network, its output at every grid point, [resolution * resolution] row-major (row 0 at yMax). */
  values: Float32Array[];
  /** Per copy, its values. */
  copies: Float32Array[];
}

export const MAX_GRID_RESOLUTION = 1024;
const MAX_GRID_NETWORKS = 8;

function checkBox(box: unknown, field = 'box'): GridBox {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new ConfigError(field, `must be [xMin, xMax, yMin, yMax] of finite numbers, got ${JSON.stringify(box)}`);
  }
  const [x0, x1, y0, y1] = box as GridBox;
  if (!(x1 > x0)) throw new ConfigError(field, `needs xMax > xMin, got [${x0}, ${x1}]`);
  if (!(y1 > y0)) throw new ConfigError(field, `needs yMax > yMin, got [${y0}, ${y1}]`);
  return [x0, x1, y0, y1];
}

/** Validates grid options (ConfigError naming the field); returns the box as a fresh tuple. */
export function validateGridOptions(o: GridOptions): GridBox {
  const r = o?.resolution;
  integer('resolution', r, 2, MAX_GRID_RESOLUTION);
  const box = checkBox(o.box);
  if (!Array.isArray(o.networks) || o.networks.length < 1 || o.networks.length > MAX_GRID_NETWORKS) {
    throw new ConfigError('networks', `must list 1 to ${MAX_GRID_NETWORKS} networks`);
  }
  o.networks.forEach((n, i) => {
    validateMlpSpec(n?.spec, `networks[${i}].spec`);
    if (n.spec.inputDim !== 2) throw new ConfigError(`networks[${i}].spec.inputDim`, `must be 2 (a grid of the plane), got ${n.spec.inputDim}`);
    if (!(n.theta instanceof GPUBuffer)) throw new ConfigError(`networks[${i}].theta`, 'must be a GPUBuffer');
  });
  if (o.group !== undefined) validateMlpGroup(o.group, 'group');
  (o.copies ?? []).forEach((c, i) => {
    if (!(c?.buffer instanceof GPUBuffer)) throw new ConfigError(`copies[${i}].buffer`, 'must be a GPUBuffer');
    const offset = c.offset ?? 0;
    integer(`copies[${i}].count`, c.count, 1);
    if (!Number.isInteger(offset) || offset < 0 || 4 * (offset + c.count) > c.buffer.size) {
      throw new ConfigError(`copies[${i}]`, `values [${offset}, ${offset + c.count}) do not lie in the buffer (${c.buffer.size / 4} values)`);
    }
  });
  return box;
}

/** The grid's points, [resolution * resolution][2] (see the module comment), written into `out` when given. */
export function gridPoints(
  resolution: number,
  box: GridBox,
  out: Float32Array<ArrayBuffer> = new Float32Array(resolution * resolution * 2),
): Float32Array<ArrayBuffer> {
  const [x0, x1, y0, y1] = box;
  for (let r = 0; r < resolution; r++) {
    const y = y1 - ((y1 - y0) * (r + 0.5)) / resolution;
    for (let c = 0; c < resolution; c++) {
      const i = 2 * (r * resolution + c);
      out[i] = x0 + ((x1 - x0) * (c + 0.5)) / resolution;
      out[i + 1] = y;
    }
  }
  return out;
}

/**
 * The density exp(-E) normalised to sum 1 over the grid's points, written into
 * `out` (computed as exp(min E - E_i) / sum_j exp(min E - E_j), so no
 * exponential overflows). Returns the largest value. Non-finite energies give 0.
 */
export function normalisedDensity(energy: ArrayLike<number>, out: Float32Array): number {
  let min = Infinity;
  for (let i = 0; i < energy.length; i++) if (energy[i] < min) min = energy[i];
  let sum = 0;
  for (let i = 0; i < energy.length; i++) {
    const p = Number.isFinite(energy[i]) ? Math.exp(min - energy[i]) : 0;
    out[i] = p;
    sum += p;
  }
  let max = 0;
  if (!(sum > 0)) return 0;
  for (let i = 0; i < energy.length; i++) {
    out[i] /= sum;
    if (out[i] > max) max = out[i];
  }
  return max;
}

/** Networks evaluated on a grid: build once per model, evaluate() per redraw. */
export class EnergyGrid implements GpuPart {
  private pending: Promise<GridValues> | null = null;
  private destroyed = false;

  private constructor(
    readonly gpu: Gpu,
    readonly resolution: number,
    private currentBox: GridBox,
    private readonly pointsHost: Float32Array<ArrayBuffer>,
    private readonly points: GPUBuffer,
    private readonly outputs: GPUBuffer[],
    private readonly programs: MlpProgram[],
    private readonly passes: Pass[],
    private readonly copies: { buffer: GPUBuffer; from: number; to: number; bytes: number }[],
    private readonly staging: GPUBuffer,
    private readonly host: Float32Array,
    private readonly result: GridValues,
  ) {}

  static async create(gpu: Gpu, options: GridOptions): Promise<EnergyGrid> {
    const box = validateGridOptions(options);
    const res = options.resolution;
    const n = res * res;
    const created: GPUBuffer[] = [];
    const programs: MlpProgram[] = [];
    try {
      // The programs compile (or find in the device's cache) concurrently.
      const made = await createPartList(options.networks.map((net) => MlpProgram.create(gpu, net.spec, n, options.group ?? mlpGroupFor(n))));
      programs.push(...made);
      const pointsHost = gridPoints(res, box);
      const own = (b: GPUBuffer) => (created.push(b), b);
      const points = own(gpu.bufferFrom('grid points', pointsHost));
      const outputs = options.networks.map((_, i) => own(gpu.buffer(`grid values ${i}`, n * 4)));
      const passes = options.networks.map((net, i) => made[i].forward({ theta: net.theta, x: points, out: outputs[i] }));
      let at = 0;
      const copies: { buffer: GPUBuffer; from: number; to: number; bytes: number }[] = [];
      for (const out of outputs) {
        copies.push({ buffer: out, from: 0, to: at, bytes: n * 4 });
        at += n * 4;
      }
      for (const c of options.copies ?? []) {
        copies.push({ buffer: c.buffer, from: 4 * (c.offset ?? 0), to: at, bytes: 4 * c.count });
        at += 4 * c.count;
      }
      const staging = own(gpu.device.createBuffer({ label: 'grid readback', size: at, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
      const host = new Float32Array(at / 4);
      const views = copies.map((c) => host.subarray(c.to / 4, (c.to + c.bytes) / 4));
      const result: GridValues = { values: views.slice(0, outputs.length), copies: views.slice(outputs.length) };
      return new EnergyGrid(gpu, res, box, pointsHost, points, outputs, programs, passes, copies, staging, host, result);
    } catch (e) {
      for (const b of created) b.destroy();
      destroyAll(programs);
      throw e;
    }
  }

  get box(): GridBox {
    return [...this.currentBox];
  }

  /** Moves the grid to another box (rewrites the points in place; the next evaluate() uses them). */
  setBox(box: GridBox): void {
    this.currentBox = checkBox(box);
    gridPoints(this.resolution, this.currentBox, this.pointsHost);
    this.gpu.device.queue.writeBuffer(this.points, 0, this.pointsHost);
  }

  /** Bytes of GPU memory held (programs, points, outputs, staging). */
  get bytes(): number {
    return [this.points, ...this.outputs, this.staging].reduce((s, b) => s + b.size, 0) + bytesOf(this.programs);
  }

  /**
   * Evaluates every network at every grid point with its parameters as they
   * are now (after all work submitted before), and reads the values and the
   * copies back. The returned arrays are the same on every call and are
   * overwritten by the next one. A call while one is in flight gets that one.
   */
  evaluate(): Promise<GridValues> {
    this.pending ??= this.read().finally(() => (this.pending = null));
    return this.pending;
  }

  private async read(): Promise<GridValues> {
    if (this.destroyed) throw new FebmError('EnergyGrid: evaluate() after destroy()');
    const { gpu } = this;
    gpu.check();
    const encoder = gpu.device.createCommandEncoder({ label: 'grid' });
    const pass = encoder.beginComputePass();
    for (const p of this.passes) p(pass);
    pass.end();
    for (const c of this.copies) encoder.copyBufferToBuffer(c.buffer, c.from, this.staging, c.to, c.bytes);
    gpu.device.queue.submit([encoder.finish()]);
    try {
      await Promise.race([this.staging.mapAsync(GPUMapMode.READ), gpu.lost.then((e) => Promise.reject(e))]);
    } catch (e) {
      // A loss can reject the map (AbortError) a moment before gpu.lost settles: report the loss.
      await Promise.race([gpu.lost, new Promise((r) => setTimeout(r, 100))]);
      gpu.check();
      throw e;
    }
    this.host.set(new Float32Array(this.staging.getMappedRange()));
    this.staging.unmap();
    gpu.check();
    return this.result;
  }

  /** Releases the grid's buffers and programs (not the networks' parameter buffers or the copied buffers). */
  destroy(): void {
    this.destroyed = true;
    for (const b of [this.points, ...this.outputs, this.staging]) b.destroy();
    destroyAll(this.programs);
  }
}
