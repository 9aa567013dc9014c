// Host side of the R0 kernels (bench/r0/bench_alu.wgsl, bench_load.wgsl, matmul.wgsl):
// pipelines compiled and buffers allocated once, then a Pass that records one
// dispatch, to be encoded as often as needed. Runs in the page (benchmarks
// and GPU tests); the CPU references at the end run anywhere.

import { ConfigError, FebmError, type Gpu, type Kernel, type Pass } from '../../src/index';
import { dispatchSize, packStruct, wgslConstant, type StructLayout } from '../../src/kernels';
import benchAluWgsl from './bench_alu.wgsl?raw';
import benchLoadWgsl from './bench_load.wgsl?raw';
import matmulWgsl from './matmul.wgsl?raw';

const WORKGROUP = 64;

function uniformStruct(file: string, kernel: { iface: { bindings: readonly { name: string; struct?: StructLayout }[] } }, name: string): StructLayout {
  const s = kernel.iface.bindings.find((b) => b.name === name)?.struct;
  if (!s) throw new FebmError(`${file}: no uniform struct named ${name}`);
  return s;
}

/** The R0 kernels' 1-D grids: a multiple of WORKGROUP invocations, within one dispatch dimension. */
function checkInvocations(gpu: Gpu, invocations: number): void {
  const maxGroups = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (!Number.isInteger(invocations) || invocations < WORKGROUP || invocations % WORKGROUP !== 0 || invocations / WORKGROUP > maxGroups) {
    throw new ConfigError('invocations', `must be a multiple of ${WORKGROUP} in [${WORKGROUP}, ${WORKGROUP * maxGroups}], got ${invocations}`);
  }
}

/** The pass of a 1-D grid of `invocations` (checkInvocations) of one bound kernel, and a destroy for its buffers. */
function gridPass(kernel: Kernel, group: GPUBindGroup, invocations: number, buffers: GPUBuffer[]): { pass: Pass; destroy(): void } {
  const groups = invocations / WORKGROUP;
  return {
    pass: (pass) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(groups);
    },
    destroy() {
      for (const b of buffers) b.destroy();
    },
  };
}

// ---- ALU peak

/** Multiplier and addend of the ALU recurrence a = fma(a, m, c): values tend to c / (1 - m) = 1. */
export const ALU_MUL = [0.999, 0.9991, 0.9992, 0.9993] as const;
export const ALU_ADD = ALU_MUL.map((m) => Math.fround(1 - m));
/** Independent vec4 accumulators per invocation, read from bench/r0/bench_alu.wgsl. */
export const ALU_ACCUMULATORS = wgslConstant(benchAluWgsl, 'ALU_ACCUMULATORS', 'bench_alu.wgsl');

export interface AluConfig {
  /** Invocations per dispatch: a multiple of 64, at most 64 * 65535. */
  invocations: number;
  /** Loop rounds per invocation. */
  iterations: number;
}

export interface AluProgram {
  config: AluConfig;
  /** One f32 per invocation. */
  out: GPUBuffer;
  /** FLOPs of one dispatch. */
  flops: number;
  pass: Pass;
  destroy(): void;
}

export async function createAlu(gpu: Gpu, config: AluConfig): Promise<AluProgram> {
  const { invocations, iterations } = config;
  checkInvocations(gpu, invocations);
  if (!Number.isInteger(iterations) || iterations < 0 || iterations >= 2 ** 32) {
    throw new ConfigError('iterations', `must be an integer in [0, 2^32), got ${iterations}`);
  }
  const kernel = await gpu.kernel('bench_alu.wgsl', 'alu_peak', { files: { 'bench_alu.wgsl': benchAluWgsl } });
  const struct = uniformStruct('bench_alu.wgsl', kernel, 'alu');
  const bytes = packStruct(struct, { iterations });
  const view = new Float32Array(bytes);
  view.set(ALU_MUL, struct.members.mul.offset / 4);
  view.set(ALU_ADD, struct.members.add.offset / 4);
  const uniform = gpu.bufferFrom('alu params', bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const out = gpu.buffer('alu out', invocations * 4);
  const group = kernel.bind({ alu: uniform, alu_out: out });
  return { config, out, flops: invocations * iterations * ALU_ACCUMULATORS * 4 * 2, ...gridPass(kernel, group, invocations, [uniform, out]) };
}

/**
 * What alu_peak stores for invocation i, in float64 with each fma rounded to
 * f32 (the GPU may or may not fuse; the difference is far below test tolerances).
 */
export function aluReference(i: number, iterations: number): number {
  const s = Math.fround((i % 1024) / 1024);
  const acc: number[] = [];
  for (let j = 0; j < ALU_ACCUMULATORS; j++) {
    for (let c = 0; c < 4; c++) acc.push(Math.fround(Math.fround(s + c * 0.25) + j * 0.125));
  }
  for (let t = 0; t < iterations; t++) {
    for (let q = 0; q < acc.length; q++) {
      const c = q % 4;
      acc[q] = Math.fround(acc[q] * Math.fround(ALU_MUL[c]) + ALU_ADD[c]);
    }
  }
  return acc.reduce((a, b) => a + b, 0);
}

// ---- Load rate

/** Loads per loop iteration, read from bench/r0/bench_load.wgsl. */
export const LOAD_UNROLL = wgslConstant(benchLoadWgsl, 'LOAD_UNROLL', 'bench_load.wgsl');
/** Table length: 16 KiB of f32, within any CPU core's L1 cache. */
export const LOAD_TABLE = 4096;

/** Table value j: multiples of 1/8, so every sum the kernel forms is exact in f32. */
export function loadTableValue(j: number): number {
  return (j % 8) / 8;
}

export interface LoadProgram {
  config: AluConfig;
  /** One f32 per invocation. */
  out: GPUBuffer;
  /** Loads of one dispatch. */
  loads: number;
  pass: Pass;
  destroy(): void;
}

/** load_rate over `invocations` invocations of `iterations` iterations (LOAD_UNROLL loads each). */
export async function createLoadRate(gpu: Gpu, config: AluConfig): Promise<LoadProgram> {
  const { invocations, iterations } = config;
  checkInvocations(gpu, invocations);
  // Sums stay exact in f32 while iterations * LOAD_UNROLL * 7/8 < 2^21 (the largest value 7/8, 3 fraction bits).
  const maxIterations = Math.floor(2 ** 21 / LOAD_UNROLL);
  if (!Number.isInteger(iterations) || iterations < 0 || iterations > maxIterations) {
    throw new ConfigError('iterations', `must be an integer in [0, ${maxIterations}], got ${iterations}`);
  }
  const kernel = await gpu.kernel('bench_load.wgsl', 'load_rate', { files: { 'bench_load.wgsl': benchLoadWgsl } });
  const struct = uniformStruct('bench_load.wgsl', kernel, 'lr');
  const uniform = gpu.bufferFrom('load params', packStruct(struct, { iterations, mask: LOAD_TABLE - 1 }), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const table = gpu.bufferFrom('load table', Float32Array.from({ length: LOAD_TABLE }, (_, j) => loadTableValue(j)));
  const out = gpu.buffer('load out', invocations * 4);
  const group = kernel.bind({ lr: uniform, lr_table: table, lr_out: out });
  return { config, out, loads: invocations * iterations * LOAD_UNROLL, ...gridPass(kernel, group, invocations, [uniform, table, out]) };
}

/** What load_rate stores for invocation i (exact: every partial sum is a multiple of 1/8 below 2^21). */
export function loadReference(i: number, iterations: number): number {
  let acc = 0;
  for (let r = 0; r < iterations * LOAD_UNROLL; r++) acc += loadTableValue(((r * 64 + i) >>> 0) & (LOAD_TABLE - 1));
  return acc;
}

// ---- Matmul

/** The entry points of bench/r0/matmul.wgsl (bench/r0/gen-matmul.ts generates them). */
export const MATMUL_TILES = ['4x4', '8x4', '16x16', '32x16'] as const;
export type MatmulTile = (typeof MATMUL_TILES)[number];

export interface MatmulConfig {
  m: number;
  k: number;
  n: number;
  tile: MatmulTile;
}

export interface MatmulProgram {
  config: MatmulConfig;
  /** A (M x K), B (K x N), C (M x N), row-major f32. */
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  /** FLOPs of one dispatch: 2 M N K. */
  flops: number;
  pass: Pass;
  destroy(): void;
}

export function tileShape(tile: MatmulTile): [number, number] {
  if (!MATMUL_TILES.includes(tile)) throw new ConfigError('tile', `must be one of ${MATMUL_TILES.join(', ')}, got ${JSON.stringify(tile)}`);
  const [tm, tn] = tile.split('x').map(Number);
  return [tm, tn];
}

/** Checks the sizes matmul_TMxTN handles: M a multiple of TM, N of TN, K of 4. */
export function checkMatmulConfig(config: MatmulConfig): void {
  const [tm, tn] = tileShape(config.tile);
  const check = (field: 'm' | 'k' | 'n', multiple: number) => {
    const v = config[field];
    if (!Number.isInteger(v) || v < multiple || v % multiple !== 0) {
      throw new ConfigError(field, `must be a positive multiple of ${multiple} for tile ${config.tile}, got ${v}`);
    }
  };
  check('m', tm);
  check('n', tn);
  check('k', 4);
}

/** Compiles matmul_<tile> and allocates A, B (filled from `data` when given) and C. */
export async function createMatmul(
  gpu: Gpu,
  config: MatmulConfig,
  data: { a?: Float32Array<ArrayBuffer>; b?: Float32Array<ArrayBuffer> } = {},
): Promise<MatmulProgram> {
  checkMatmulConfig(config);
  const { m, k, n, tile } = config;
  const [tm, tn] = tileShape(tile);
  for (const [name, arr, size] of [['a', data.a, m * k], ['b', data.b, k * n]] as const) {
    if (arr && arr.length !== size) throw new ConfigError(name, `expected ${size} values, got ${arr.length}`);
  }
  const kernel = await gpu.kernel('matmul.wgsl', `matmul_${tile}`, { files: { 'matmul.wgsl': matmulWgsl } });
  const struct = uniformStruct('matmul.wgsl', kernel, 'mm');
  const uniform = gpu.bufferFrom('matmul dims', packStruct(struct, { m, k, n }), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const a = data.a ? gpu.bufferFrom('matmul A', data.a) : gpu.buffer('matmul A', m * k * 4);
  const b = data.b ? gpu.bufferFrom('matmul B', data.b) : gpu.buffer('matmul B', k * n * 4);
  const c = gpu.buffer('matmul C', m * n * 4);
  const group = kernel.bind({ mm: uniform, mm_a: a, mm_b: b, mm_c: c });
  // Workgroups cover 8 x 8 tiles.
  const groups = Math.ceil(m / tm / 8) * Math.ceil(n / tn / 8);
  const [x, y] = dispatchSize(groups * WORKGROUP, WORKGROUP, gpu.limits.maxComputeWorkgroupsPerDimension);
  return {
    config,
    a,
    b,
    c,
    flops: 2 * m * n * k,
    pass: (pass) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y);
    },
    destroy() {
      for (const buf of [uniform, a, b, c]) buf.destroy();
    },
  };
}

/** C[i][j] = sum_k A[i][k] B[k][j] in float64, for row-major A (M x K) and B (K x N). */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  }
  return c;
}

/** One entry of A B in float64. */
export function matmulEntry64(a: ArrayLike<number>, b: ArrayLike<number>, k: number, n: number, i: number, j: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
  return s;
}
