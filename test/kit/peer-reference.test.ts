// The GPU kit's float64 references for the PyTorch peers (kit/peers/reference.ts):
// they reach peers.py intact through their JSON, fit the kit, and their
// checks can see what they are there to see (L2's gradient clip and box, T1's
// and T2's covariance term). The peers themselves need PyTorch: docs/gpu-kit.md
// says how they were run.
import { describe, expect, it } from 'vitest';
import { TRAINING_CHECK_TOLERANCE } from '../../bench/training/check';
import { L2 } from '../../bench/l2/l2-spec';
import { IMAGE_CHECK, peerReference, peerReferenceJson } from '../../kit/peers/reference';
import { packParams, paramLayout } from '../../src/index';
import { mlpBackwardParams64, mlpForward64 } from '../../src/kernels';

const ref = peerReference();
const json = peerReferenceJson();
const parsed = JSON.parse(json) as typeof ref;

type Layer = { W: number[][]; b: number[] };
const flatLayers = (layers: Layer[]) => layers.flatMap((L) => [...L.W.flat(), ...L.b]);

describe('the peers float64 references', () => {
  it('stay small beside Node and Dawn (the kit holds 60 MiB in all)', () => {
    expect(json.length).toBeLessThan(8 * 2 ** 20);
  });

  it('bring float32 inputs back exactly and float64 results within 1e-9', () => {
    const inputs: [number[], number[]][] = [
      [flatLayers(ref.mlp.layers), flatLayers(parsed.mlp.layers)],
      [ref.l2.check.x.flat(), parsed.l2.check.x.flat()],
      [ref.l2.check.noise.flat(), parsed.l2.check.noise.flat()],
      [flatLayers(ref.l2.check.layers), flatLayers(parsed.l2.check.layers)],
      [flatLayers(ref.t2.check.layersE), flatLayers(parsed.t2.check.layersE)],
      [ref.t2.check.samples.flat(), parsed.t2.check.samples.flat()],
    ];
    for (const [a, b] of inputs) {
      expect(b.length).toBe(a.length);
      expect(a.every((v, i) => Math.fround(v) === v && Math.fround(b[i]) === v)).toBe(true);
    }
    const results: [number[], number[]][] = [
      [ref.l2.check.step.flat(), parsed.l2.check.step.flat()],
      [flatLayers(ref.t2.check.expected.gradE), flatLayers(parsed.t2.check.expected.gradE)],
      [flatLayers(ref.t1.check.expected.paramsE), flatLayers(parsed.t1.check.expected.paramsE)],
    ];
    for (const [a, b] of results) expect(Math.max(...a.map((v, i) => Math.abs(b[i] - v) / Math.max(1e-300, Math.abs(v))))).toBeLessThan(1e-9);
  });

  it("L2's check steps where the gradient clip and the box both act", () => {
    const c = ref.l2.check;
    expect(c.x.length).toBe(IMAGE_CHECK.points);
    expect(c.x[0].length).toBe(784);
    const u = L2.update.kind === 'du-mordatch' ? L2.update : null;
    const g = c.gradX.flat().map(Math.abs);
    const clipped = g.filter((v) => v > u!.gradClip).length / g.length;
    expect(clipped).toBeGreaterThan(0.3);
    expect(clipped).toBeLessThan(0.7);
    const step = c.step.flat();
    expect(step.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(step.filter((v) => v === 0 || v === 1).length).toBeGreaterThan(0.01 * step.length);
  });

  // The covariance term's share of E's gradient: its gradient, mean_j (c(v'_j) - mean c(v')) dE(x'_j)
  // with v' = H(x') + E(x') after the H step (Jensen-Shannon: c(v) = softplus(v) - log 2), over the largest entry of E's.
  for (const name of ['t1', 't2'] as const) {
    it(`${name.toUpperCase()}'s check fails a peer without the covariance term`, () => {
      const c = ref[name].check;
      const d = ref[name].workload.d;
      const layout = paramLayout({ inputDim: d, hidden: [c.width, c.width], activation: 'silu' });
      const samples = c.samples.flat();
      const n = c.samples.length;
      const e = mlpForward64(layout, packParams(layout, c.layersE), samples, n);
      const h = mlpForward64(layout, packParams(layout, c.expected.paramsH), samples, n);
      const cv = Array.from(e, (ei, j) => Math.log1p(Math.exp(ei + h[j])) - Math.LN2);
      const mean = cv.reduce((a, b) => a + b, 0) / n;
      const cov = mlpBackwardParams64(layout, packParams(layout, c.layersE), samples, n, cv.map((v) => (v - mean) / n));
      const gradE = flatLayers(c.expected.gradE);
      const share = Math.max(...Array.from(cov, Math.abs)) / Math.max(...gradE.map(Math.abs));
      expect(share).toBeGreaterThan(3 * TRAINING_CHECK_TOLERANCE.gradE);
    });
  }
});
