// The trainer's own kernels against their references (src/trainer/reference.ts):
//   trainer_draw.wgsl     trn_data, trn_restart, trn_gather against trainerDraw64
//                         (Philox words and copies exact; fresh starts within 1e-6;
//                         a conditional model's labels exact, fresh ones uniform)
//   trainer_check.wgsl    trn_check, trn_advance against trainerCheck64 (exact;
//                         non-finite entries at the edges of each invocation's
//                         and workgroup's span, and past the quantity's length)
//   trainer_common.wgsl   composed into both (counters, streams, trn_finite)
// trainer_loss.wgsl (v, L2 penalty, warm-up and statistics) and
// trainer_metrics.wgsl (gradient norms, acceptance) are compared with float64
// in test/trainer/trainer.gpu.test.ts ("one update against float64": trainerUpdate64;
// "metrics": the float64 norms of the read-back gradients).
import { describe, expect, it } from 'vitest';
import { chiSquareTest } from '../../src/stats';
import { trainerCheck64, trainerDraw64 } from '../../src/trainer/reference';
import { TRAINER_CHECK_SPAN, TRAINER_COUNTER } from '../../src/trainer/layout';
import type { TrainerConfig } from '../../src/trainer/trainer';
import { useGpu } from '../support/gpu';

const gpu = useGpu();

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

// A class-conditional model: rows [x (2), onehot(y) (4)]; 2,000 chains so that
// the labels can be counted (the same MLP workgroup size as 40 chains). With
// replay.labels 'keep' a chain keeps its replay row's label and a fresh one
// draws its own; with 'batch' (the default) chain j takes data row j's.
const CONDITIONAL: TrainerConfig = {
  ...CONFIG,
  classes: 4,
  energy: { inputDim: 6, hidden: [8], activation: 'silu' },
  variational: { inputDim: 6, hidden: [8], activation: 'tanh' },
  chains: 2000,
  replay: { capacity: 2048, reuse: 0.6, initBox: [-3, 2], labels: 'keep' },
};
const CONDITIONAL_BATCH: TrainerConfig = { ...CONDITIONAL, batch: 2000, replay: { ...CONDITIONAL.replay, labels: 'batch' } };

describe('trainer_draw.wgsl against trainerDraw64', () => {
  for (const c of [
    { name: 'empty replay buffer: every chain starts fresh', config: CONFIG, iteration: 0, filled: 0, pos: 0 },
    { name: 'partly filled buffer, ring wrapping past the end', config: CONFIG, iteration: 12345, filled: 70, pos: 80 },
    { name: 'conditional (4 classes): labels travel with data rows, replay rows and chains; fresh chains draw theirs', config: CONDITIONAL, iteration: 9, filled: 1500, pos: 1900 },
    { name: 'conditional, empty replay buffer: 2,000 fresh chains draw uniform labels', config: CONDITIONAL, iteration: 3, filled: 0, pos: 0 },
    { name: 'conditional, labels from the batch: every chain, replayed or fresh, takes its data row\'s label', config: CONDITIONAL_BATCH, iteration: 21, filled: 1500, pos: 700 },
  ]) {
    it(c.name, async () => {
      const r = await gpu.trainerKernels.draw({ rows: 37, ...c });
      const classes = c.config.classes ?? 0;
      const dim = 2 + classes;
      const batch = c.config.batch;
      const chains = c.config.chains!;
      const capacity = c.config.replay!.capacity!;
      const ref = trainerDraw64({
        seed: 77, iteration: c.iteration, dim, dataset: r.dataset, batch, chains,
        filled: c.filled, replay: r.replayBefore, reuse: 0.6, box: r.box, classes, labels: c.config.replay?.labels,
      });
      expect(r.box).toEqual([-3, 2]);
      // The data batch: the same rows, copied exactly (labels included); uniform with replacement over the 37 rows.
      expect(r.x).toEqual(ref.x);
      expect(new Set(ref.rows).size).toBeGreaterThan(20);
      // Restarts: replay rows exactly, fresh points to 1e-6 (f32 rounding of lo + width * u), fresh labels exactly.
      const nFresh = ref.fresh.filter(Boolean).length;
      // Fresh with probability 0.4 when the buffer holds samples (5 standard deviations).
      if (c.filled === 0) expect(nFresh).toBe(chains);
      else expect(Math.abs(nFresh - 0.4 * chains)).toBeLessThan(5 * Math.sqrt(chains * 0.24));
      for (let j = 0; j < chains; j++) {
        for (let k = 0; k < dim; k++) {
          const got = r.state[j * dim + k];
          const want = ref.state[j * dim + k];
          if (ref.fresh[j] && k < 2) {
            expect(Math.abs(got - want), `chain ${j}`).toBeLessThan(1e-6);
            expect(got).toBeGreaterThanOrEqual(-3);
            expect(got).toBeLessThanOrEqual(2);
          } else {
            expect(got, `chain ${j}, coordinate ${k}`).toBe(want);
          }
        }
      }
      // trn_gather after the sampler: the chains into rows batch.. of x and into replay rows (pos + j) % capacity.
      expect(r.xAfter.slice(0, batch * dim)).toEqual(r.x);
      expect(r.xAfter.slice(batch * dim)).toEqual(r.sampled);
      expect(r.sampled).not.toEqual(r.state);
      const expected = [...r.replayBefore];
      for (let j = 0; j < chains; j++) {
        const slot = (c.pos + j) % capacity;
        for (let k = 0; k < dim; k++) expected[slot * dim + k] = r.sampled[j * dim + k];
      }
      expect(r.replayAfter).toEqual(expected);
      if (classes > 0) {
        // The sampler moved x but no label: every chain's label after sampling is the one it restarted with.
        const label = (row: number[], j: number) => row.slice(j * dim + 2, (j + 1) * dim).indexOf(1);
        for (let j = 0; j < chains; j++) expect(label(r.sampled, j)).toBe(label(r.state, j));
        const count = (ys: number[]) => [0, 1, 2, 3].map((y) => ys.filter((l) => l === y).length);
        if (c.config.replay?.labels === 'keep') {
          // Fresh labels are uniform over the 4 classes: Pearson's chi-square, p > 1e-3 (seed fixed).
          const fresh = ref.labels.filter((_, j) => ref.fresh[j]);
          const counts = count(fresh);
          const test = chiSquareTest(counts, counts.map(() => fresh.length / 4));
          console.log(`fresh labels of ${fresh.length} chains: ${counts.join(', ')}; chi^2 = ${test.statistic.toFixed(2)} (df 3), p = ${test.pValue.toFixed(3)}`);
          expect(test.pValue).toBeGreaterThan(1e-3);
        } else {
          // Chain j has data row j's label; the labels follow the data set's (row i: (7 i + 3) % 4, 37 rows).
          for (let j = 0; j < chains; j++) expect(label(r.state, j)).toBe(label(r.x, j % batch));
          const setCounts = count(Array.from({ length: 37 }, (_, i) => (7 * i + 3) % 4));
          const counts = count(ref.labels);
          const test = chiSquareTest(counts, setCounts.map((n) => (n / 37) * chains));
          console.log(`chain labels ${counts.join(', ')} against the data set's ${setCounts.join(', ')} of 37; chi^2 = ${test.statistic.toFixed(2)} (df 3), p = ${test.pValue.toFixed(3)}`);
          expect(test.pValue).toBeGreaterThan(1e-3);
        }
      }
    });
  }
});

describe('trainer_check.wgsl against trainerCheck64', () => {
  const f32 = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
  const FINITE = [0, -0, 1, -2.5, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 1.17549435e-38].map(f32);
  const cases: { name: string; bits: number[]; counters: number[]; count?: number; seen?: boolean }[] = [
    { name: 'all finite (largest, subnormal, signed zero): no bit', bits: FINITE, counters: [7, 90, 60, 0, 0, 0, 0, 0] },
    { name: '+inf among 200 values', bits: [...FINITE, ...Array(191).fill(f32(1)), 0x7f800000], counters: [7, 10, 60, 0, 0, 0, 0, 0] },
    { name: '-inf and a NaN with a payload', bits: [...FINITE, 0xff800000, 0x7fc00001], counters: [3, 96, 95, 0, 0, 0, 0, 0] },
    { name: 'a second non-finite iteration keeps the first one recorded', bits: [0xffffffff], counters: [9, 96, 5, 0, 5, 2, 0, 0] },
  ];
  // An invocation watches TRAINER_CHECK_SPAN entries 64 apart, a workgroup 64 x
  // TRAINER_CHECK_SPAN consecutive ones: a NaN at either edge of an
  // invocation's, a workgroup's and the quantity's range, in 2,500 entries.
  const span = 64 * TRAINER_CHECK_SPAN;
  for (const at of [0, 63, 64, 64 * (TRAINER_CHECK_SPAN - 1), span - 1, span, span + 65, 2499]) {
    const bits = Array(2500).fill(f32(0.5));
    bits[at] = 0x7fc00000;
    cases.push({ name: `a NaN at entry ${at} of 2,500`, bits, counters: [4, 20, 1, 0, 0, 0, 0, 0], seen: true });
  }
  // Entries of the buffer past the quantity's length are not watched.
  const tail = [...Array(1100).fill(f32(-1))];
  tail[1050] = 0x7f800000;
  cases.push(
    { name: 'an inf just past the quantity (1,050 of 1,100 entries watched) is not seen', bits: tail, count: 1050, counters: [4, 20, 1, 0, 0, 0, 0, 0], seen: false },
    { name: 'the same inf as the last entry of the quantity (1,051 watched) is seen', bits: tail, count: 1051, counters: [4, 20, 1, 0, 0, 0, 0, 0], seen: true },
  );
  for (const c of cases) {
    it(c.name, async () => {
      const count = c.count ?? c.bits.length;
      const job = { bits: c.bits, bit: 1 << 3, counters: c.counters, chains: 40, capacity: 96, count };
      const r = await gpu.trainerKernels.check(job);
      const ref = trainerCheck64(c.bits.slice(0, count), 1 << 3, c.counters, 40, 96);
      expect(r.afterCheck).toEqual(ref.afterCheck);
      expect(r.afterAdvance).toEqual(ref.afterAdvance);
      expect(r.afterAdvance[TRAINER_COUNTER.bits]).toBe(0);
      if (c.seen !== undefined) expect(r.afterCheck[TRAINER_COUNTER.bits]).toBe(c.seen ? 1 << 3 : 0);
    });
  }
});
