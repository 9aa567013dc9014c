// The R0 benchmark kernels (bench/r0/kernels.ts) on the real WebGPU adapter:
// every matmul tile shape against a float64 CPU matmul at small sizes that
// leave workgroups partly idle, and the ALU kernel's stored values against a
// CPU evaluation of the same recurrence for a few iterations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matmulWgsl, MATMUL_TILE_SHAPES } from '../../bench/r0/gen-matmul';
import { aluReference, checkMatmulConfig, loadReference, matmul64, MATMUL_TILES, tileShape } from '../../bench/r0/kernels';
import { ConfigError } from '../../src/errors';
import { seededUniform } from '../../src/rng/random';
import { relativeError, useGpu } from '../support/gpu';

const MATMUL_TOL = 1e-5;

describe('R0 kernels', () => {
  const gpu = useGpu();

  for (const tile of MATMUL_TILES) {
    const [tm, tn] = tileShape(tile);
    // One tile; one row of tiles past a workgroup's 8 x 8 block; a grid of blocks with ragged edges.
    const sizes: [number, number, number][] = [
      [tm, 4, tn],
      [tm, 12, tn * 9],
      [tm * 9, 36, tn * 11],
      [tm * 17, 8, tn * 2],
    ];
    for (const [m, k, n] of sizes) {
      it(`matmul_${tile} ${m}x${k} times ${k}x${n} matches float64`, async () => {
        const u = seededUniform(m * 1000 + k * 10 + n);
        const a = Array.from({ length: m * k }, () => Math.fround(2 * u() - 1));
        const b = Array.from({ length: k * n }, () => Math.fround(2 * u() - 1));
        const { c } = await gpu.r0Kernels.matmul({ m, k, n, tile, a, b });
        expect(relativeError(c, matmul64(a, b, m, k, n))).toBeLessThan(MATMUL_TOL);
      });
    }
  }

  it('bench/r0/matmul.wgsl is what bench/r0/gen-matmul.ts writes, with the tiles bench/r0/kernels.ts lists', () => {
    const file = readFileSync(new URL('../../bench/r0/matmul.wgsl', import.meta.url), 'utf8');
    expect(file).toBe(matmulWgsl());
    expect(MATMUL_TILE_SHAPES.map(([m, n]) => `${m}x${n}`)).toEqual([...MATMUL_TILES]);
  });

  it('matmul sizes must be multiples of the tile (checked on the host)', () => {
    expect(() => checkMatmulConfig({ m: 48, k: 8, n: 16, tile: '32x16' })).toThrow(ConfigError);
    expect(() => checkMatmulConfig({ m: 32, k: 6, n: 16, tile: '32x16' })).toThrow(ConfigError);
    expect(() => checkMatmulConfig({ m: 32, k: 8, n: 8, tile: '32x16' })).toThrow(ConfigError);
    expect(() => checkMatmulConfig({ m: 0, k: 4, n: 4, tile: '4x4' })).toThrow(ConfigError);
    expect(() => checkMatmulConfig({ m: 8, k: 8, n: 8, tile: '7x8' as never })).toThrow(ConfigError);
    expect(() => checkMatmulConfig({ m: 64, k: 8, n: 32, tile: '32x16' })).not.toThrow();
  });

  // 16 and 37: the unrolled main loop alone, and with the remainder loop.
  for (const iterations of [0, 1, 7, 16, 37]) {
    it(`bench_alu.wgsl (alu_peak) stores the CPU recurrence after ${iterations} iterations`, async () => {
      const invocations = 128;
      const { out } = await gpu.r0Kernels.alu({ invocations, iterations });
      const ref = Array.from({ length: invocations }, (_, i) => aluReference(i, iterations));
      expect(relativeError(out, ref)).toBeLessThan(1e-6);
    });
  }

  // Sums of multiples of 1/8: exact in f32, so the comparison is exact. 192
  // invocations: lanes whose indices wrap around the table at different points.
  for (const iterations of [0, 1, 5, 300]) {
    it(`bench_load.wgsl (load_rate) stores the exact sum of its loads after ${iterations} iterations`, async () => {
      const invocations = 192;
      const { out } = await gpu.r0Kernels.loads({ invocations, iterations });
      expect(out).toEqual(Array.from({ length: invocations }, (_, i) => loadReference(i, iterations)));
    });
  }

  it('load_rate refuses iterations whose sums would not stay exact, naming the field', async () => {
    await expect(gpu.r0Kernels.loads({ invocations: 64, iterations: 2 ** 21 })).rejects.toThrow(/iterations/);
  });
});
