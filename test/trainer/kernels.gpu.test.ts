// The trainer's own kernels against their references (src/trainer/reference.ts):
//   trainer_draw.wgsl     trn_data, trn_restart, trn_gather against trainerDraw64
//                         (Philox words and copies exact; fresh starts within 1e-6)
//   trainer_check.wgsl    trn_check, trn_advance against trainerCheck64 (exact)
//   trainer_common.wgsl   composed into both (counters, streams, trn_finite)
// trainer_loss.wgsl (v, L2 penalty, warm-up and statistics) and
// trainer_metrics.wgsl (gradient norms, acceptance) are compared with float64
// in test/trainer/trainer.gpu.test.ts ("one update against float64": trainerUpdate64;
// "metrics": the float64 norms of the read-back gradients).
import { describe, expect, it } from 'vitest';
import { trainerCheck64, trainerDraw64 } from '../../src/trainer/reference';
import { TRAINER_COUNTER } from '../../src/trainer/layout';
import type { TrainerConfig } from '../../src/trainer/trainer';
import type { DrawResult } from './kernels.jobs';
import { useHarness } from '../support/harness';

const page = useHarness();

const CONFIG: TrainerConfig = {
  energy: { inputDim: 2, hidden: [8], activation: 'silu' },
  variational: { inputDim: 2, hidden: [8], activation: 'tanh' },
  divergence: { name: 'jensen_shannon' },
  optimizerE: { kind: 'adam', lr: 1e-3 },
  batch: 50,
  chains: 40,
  sampler: { kind: 'ula', steps: 2, eta: 0.01 },
  replay: { capacity: 96, reuse: 0.6, initBox: [-3, 2] },
  seed: 77,
};

describe('trainer_draw.wgsl against trainerDraw64', () => {
  for (const c of [
    { name: 'empty replay buffer: every chain starts fresh', iteration: 0, filled: 0, pos: 0 },
    { name: 'partly filled buffer, ring wrapping past the end', iteration: 12345, filled: 70, pos: 80 },
  ]) {
    it(c.name, async () => {
      const r = await page().run<DrawResult>('kernels.draw', { config: CONFIG, rows: 37, ...c });
      const dim = 2;
      const ref = trainerDraw64({
        seed: 77, iteration: c.iteration, dim, dataset: r.dataset, batch: 50, chains: 40,
        filled: c.filled, replay: r.replayBefore, reuse: 0.6, box: r.box,
      });
      expect(r.box).toEqual([-3, 2]);
      // The data batch: the same rows, copied exactly; uniform with replacement over the 37 rows.
      expect(r.x).toEqual(ref.x);
      expect(new Set(ref.rows).size).toBeGreaterThan(20);
      // Restarts: replay rows exactly, fresh points to 1e-6 (f32 rounding of lo + width * u).
      const nFresh = ref.fresh.filter(Boolean).length;
      // Fresh with probability 0.4 when the buffer holds samples: 16 of 40 expected.
      if (c.filled === 0) expect(nFresh).toBe(40);
      else expect(Math.abs(nFresh - 16)).toBeLessThan(10);
      for (let j = 0; j < 40; j++) {
        for (let k = 0; k < dim; k++) {
          const got = r.state[j * dim + k];
          const want = ref.state[j * dim + k];
          if (ref.fresh[j]) {
            expect(Math.abs(got - want), `chain ${j}`).toBeLessThan(1e-6);
            expect(got).toBeGreaterThanOrEqual(-3);
            expect(got).toBeLessThanOrEqual(2);
          } else {
            expect(got, `chain ${j}`).toBe(want);
          }
        }
      }
      // trn_gather after the sampler: the chains into rows 50.. of x and into replay rows (pos + j) % 96.
      expect(r.xAfter.slice(0, 50 * dim)).toEqual(r.x);
      expect(r.xAfter.slice(50 * dim)).toEqual(r.sampled);
      expect(r.sampled).not.toEqual(r.state);
      const expected = [...r.replayBefore];
      for (let j = 0; j < 40; j++) {
        const slot = (c.pos + j) % 96;
        for (let k = 0; k < dim; k++) expected[slot * dim + k] = r.sampled[j * dim + k];
      }
      expect(r.replayAfter).toEqual(expected);
    });
  }
});

describe('trainer_check.wgsl against trainerCheck64', () => {
  const f32 = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
  const FINITE = [0, -0, 1, -2.5, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 1.17549435e-38].map(f32);
  const cases = [
    { name: 'all finite (largest, subnormal, signed zero): no bit', bits: FINITE, counters: [7, 90, 60, 0, 0, 0, 0, 0] },
    { name: '+inf among 200 values', bits: [...FINITE, ...Array(191).fill(f32(1)), 0x7f800000], counters: [7, 10, 60, 0, 0, 0, 0, 0] },
    { name: '-inf and a NaN with a payload', bits: [...FINITE, 0xff800000, 0x7fc00001], counters: [3, 96, 95, 0, 0, 0, 0, 0] },
    { name: 'a second non-finite iteration keeps the first one recorded', bits: [0xffffffff], counters: [9, 96, 5, 0, 5, 2, 0, 0] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const job = { bits: c.bits, bit: 1 << 3, counters: c.counters, chains: 40, capacity: 96 };
      const r = await page().run<{ afterCheck: number[]; afterAdvance: number[] }>('kernels.check', job);
      const ref = trainerCheck64(c.bits, 1 << 3, c.counters, 40, 96);
      expect(r.afterCheck).toEqual(ref.afterCheck);
      expect(r.afterAdvance).toEqual(ref.afterAdvance);
      expect(r.afterAdvance[TRAINER_COUNTER.bits]).toBe(0);
    });
  }
});
