// Page side of R0 (bench/WORKLOADS.md): the adapter's ceiling. Jobs return
// timings and FLOP counts; bench/run.ts turns them into JSON lines.

import type { JobContext } from '../../harness/job';
import { seededUniform, type AdapterDescription, type Pass } from '../../src/index';
import { aluReference, createAlu, createLoadRate, createMatmul, loadReference, matmulEntry64, MATMUL_TILES, tileShape, type MatmulTile } from './kernels';
import { timeRuns, type Timing } from '../timing';

export interface AluJobConfig {
  invocations: number;
  iterations: number;
  dispatches: number;
  runs: number;
}

export interface AluJobResult {
  adapter: AdapterDescription;
  gflops: number;
  flopsPerRun: number;
  timing: Timing;
  /** Stored value of invocation 0 and its CPU evaluation. */
  check: { gpu: number; cpu: number };
}

/**
 * Times `config.dispatches` dispatches of a program per run (`config.runs`
 * runs, progress lines with `rate(seconds)`), then reads what invocation 0
 * stored, for the caller's check against its CPU reference.
 */
async function timeAndRead(ctx: JobContext, program: { pass: Pass; out: GPUBuffer }, config: AluJobConfig, rate: (seconds: number) => string): Promise<{ timing: Timing; value: number }> {
  const gpu = await ctx.gpu();
  const timing = await timeRuns(gpu, program.pass, program.out, 4, {
    dispatches: config.dispatches,
    runs: config.runs,
    onRun: (r, s) => ctx.progress(`run ${r + 1}/${config.runs}: ${s.toFixed(3)} s, ${rate(s)}`),
  });
  const [value] = await gpu.readF32(program.out, 1);
  return { timing, value };
}

/** ALU peak: `dispatches` dispatches of alu_peak per run. */
export async function alu(ctx: JobContext, config: AluJobConfig): Promise<AluJobResult> {
  const gpu = await ctx.gpu();
  const program = await createAlu(gpu, { invocations: config.invocations, iterations: config.iterations });
  try {
    const flopsPerRun = program.flops * config.dispatches;
    const { timing, value } = await timeAndRead(ctx, program, config, (s) => `alu ${(flopsPerRun / s / 1e9).toFixed(2)} GFLOP/s`);
    const cpu = aluReference(0, config.iterations);
    if (!(Math.abs(value - cpu) <= 1e-4 * Math.max(1, Math.abs(cpu)))) {
      throw new Error(`alu_peak stored ${value} for invocation 0, expected ${cpu}`);
    }
    return { adapter: gpu.adapter, gflops: flopsPerRun / timing.median / 1e9, flopsPerRun, timing, check: { gpu: value, cpu } };
  } finally {
    program.destroy();
  }
}

export interface LoadJobResult {
  adapter: AdapterDescription;
  /** Loads per second, in billions. */
  gloads: number;
  loadsPerRun: number;
  timing: Timing;
  /** Stored sum of invocation 0 and its CPU evaluation (exact). */
  check: { gpu: number; cpu: number };
}

/** Load rate: `dispatches` dispatches of load_rate per run (bench/r0/bench_load.wgsl). */
export async function loads(ctx: JobContext, config: AluJobConfig): Promise<LoadJobResult> {
  const gpu = await ctx.gpu();
  const program = await createLoadRate(gpu, { invocations: config.invocations, iterations: config.iterations });
  try {
    const loadsPerRun = program.loads * config.dispatches;
    const { timing, value } = await timeAndRead(ctx, program, config, (s) => `load ${(loadsPerRun / s / 1e9).toFixed(3)} G loads/s`);
    const cpu = loadReference(0, config.iterations);
    if (value !== cpu) throw new Error(`load_rate stored ${value} for invocation 0, expected ${cpu}`);
    return { adapter: gpu.adapter, gloads: loadsPerRun / timing.median / 1e9, loadsPerRun, timing, check: { gpu: value, cpu } };
  } finally {
    program.destroy();
  }
}

export interface MatmulJobConfig {
  m: number;
  k: number;
  n: number;
  /** Tile shapes to time (default: all). */
  tiles?: MatmulTile[];
  dispatches: number;
  runs: number;
  seed?: number;
}

export interface MatmulTileResult {
  tile: MatmulTile;
  gflops: number;
  timing: Timing;
  /** Largest |C - C64| over the spot-checked entries, relative to that entry's sum_k |A B|. */
  maxError: number;
}

export interface MatmulJobResult {
  adapter: AdapterDescription;
  flopsPerRun: number;
  results: MatmulTileResult[];
  best: MatmulTileResult;
}

const SPOT_CHECKS = 64;

/** C = A B with each tile shape in turn (uniform [-1, 1) inputs); spot-checks C against float64 after timing. */
export async function matmul(ctx: JobContext, config: MatmulJobConfig): Promise<MatmulJobResult> {
  const gpu = await ctx.gpu();
  const { m, k, n } = config;
  const tiles = config.tiles ?? [...MATMUL_TILES];
  const u = seededUniform(config.seed ?? 1);
  const a = Float32Array.from({ length: m * k }, () => 2 * u() - 1);
  const b = Float32Array.from({ length: k * n }, () => 2 * u() - 1);
  const results: MatmulTileResult[] = [];
  let flopsPerRun = 0;
  for (const tile of tiles) {
    const [tm, tn] = tileShape(tile);
    if (m % tm || n % tn || k % 4) {
      ctx.progress(`matmul ${m}x${k}x${n}: skipping tile ${tile} (sizes not multiples of it)`);
      continue;
    }
    ctx.progress(`matmul ${m}x${k}x${n} tile ${tile}: compiling`);
    const program = await createMatmul(gpu, { m, k, n, tile }, { a, b });
    try {
      flopsPerRun = program.flops * config.dispatches;
      const timing = await timeRuns(gpu, program.pass, program.c, 16, {
        dispatches: config.dispatches,
        runs: config.runs,
        onRun: (r, s) =>
          ctx.progress(`matmul ${m}x${k}x${n} tile ${tile} run ${r + 1}/${config.runs}: ${s.toFixed(3)} s, ${(flopsPerRun / s / 1e9).toFixed(2)} GFLOP/s`),
      });
      const c = await gpu.readF32(program.c, m * n);
      let maxError = 0;
      for (let s = 0; s < SPOT_CHECKS; s++) {
        const i = Math.floor(u() * m);
        const j = Math.floor(u() * n);
        let absSum = 0;
        for (let p = 0; p < k; p++) absSum += Math.abs(a[i * k + p] * b[p * n + j]);
        const err = Math.abs(c[i * n + j] - matmulEntry64(a, b, k, n, i, j)) / Math.max(absSum, 1e-30);
        maxError = Math.max(maxError, Number.isFinite(err) ? err : Infinity);
      }
      // Worst-case f32 summation error is about K * 2^-24 of sum_k |A B|; a wrong index is O(1).
      if (!(maxError <= Math.max(1e-5, k * 2 ** -23))) throw new Error(`matmul_${tile} ${m}x${k}x${n}: C is wrong (relative error ${maxError})`);
      results.push({ tile, gflops: flopsPerRun / timing.median / 1e9, timing, maxError });
    } finally {
      program.destroy();
    }
  }
  if (results.length === 0) throw new Error(`matmul ${m}x${k}x${n}: no tile shape fits these sizes`);
  const best = results.reduce((x, y) => (y.gflops > x.gflops ? y : x));
  return { adapter: gpu.adapter, flopsPerRun, results, best };
}
