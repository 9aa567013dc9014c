// Grid evaluation (src/grid/grid.ts) on the real adapter against the float64 MLP
// reference at points computed here from the documented formula: values
// bound to live parameter buffers, the box moved in place, copies read back
// with the values, nothing created on the device per evaluation, and bad
// options refused with the field.
import { describe, expect, it } from 'vitest';
import type { GridBox } from '../../src/grid/grid';
import { initParams, paramLayout, type MlpSpec } from '../../src/mlp/params';
import { mlpForward64 } from '../../src/mlp/reference';
import { relativeError, useGpu } from '../support/gpu';
import type { GridJob } from './grid.jobs';

/** As the MLP forward test: f32 accumulation, relative to the largest reference value. */
const FORWARD_TOL = 2e-5;

/** Cell centres, row 0 at the top (largest y), as f32 (what the GPU evaluates). */
function points(res: number, [x0, x1, y0, y1]: GridBox): number[] {
  const p: number[] = [];
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) p.push(Math.fround(x0 + ((x1 - x0) * (c + 0.5)) / res), Math.fround(y1 - ((y1 - y0) * (r + 0.5)) / res));
  }
  return p;
}

describe('grid: networks on a 2-D grid', () => {
  const gpu = useGpu();

  it('matches the float64 reference, follows the live parameters and a moved box, and creates nothing per evaluation', async () => {
    const specs: MlpSpec[] = [
      { inputDim: 2, hidden: [16, 16], activation: 'silu' },
      { inputDim: 2, hidden: [9], activation: 'tanh' },
    ];
    const job: GridJob = {
      resolution: 37,
      box: [-2.5, 3, -1, 2],
      box2: [0.5, 4, -3, -0.25],
      networks: specs.map((spec, i) => ({
        spec,
        params: Array.from(initParams(paramLayout(spec), 10 + i)),
        params2: Array.from(initParams(paramLayout(spec), 20 + i)),
      })),
      extra: Array.from({ length: 40 }, (_, i) => i * 0.25 - 3),
      offset: 7,
      count: 13,
      // A workgroup size other than the default for 37 x 37 points (as a model passes its trainer's).
      group: 16,
    };
    const r = await gpu.grid.evaluate(job);
    const n = job.resolution ** 2;
    const p1 = points(job.resolution, job.box);
    const p2 = points(job.resolution, job.box2);
    job.networks.forEach((net, i) => {
      const layout = paramLayout(net.spec);
      const errors = [
        relativeError(r.first[i], mlpForward64(layout, net.params, p1, n)),
        relativeError(r.afterParams[i], mlpForward64(layout, net.params2, p1, n)),
        relativeError(r.afterBox[i], mlpForward64(layout, net.params2, p2, n)),
      ];
      console.log(`network ${i} [${net.spec.hidden.join(',')}] ${net.spec.activation}: errors ${errors.map((e) => e.toExponential(1)).join(', ')}`);
      for (const e of errors) expect(e).toBeLessThan(FORWARD_TOL);
    });
    expect(r.copy).toEqual(job.extra.slice(job.offset, job.offset + job.count));
    expect(r.buffersCreated).toBe(0);
    expect(r.bindGroupsCreated).toBe(0);
    expect(r.sameArrays).toBe(true);
    expect(r.bytes).toBeGreaterThan(0);
  });

  it('refuses bad options naming the field', async () => {
    const fields = await gpu.grid.refuse();
    expect(fields).toEqual([
      'resolution', 'resolution', 'box', 'box', 'networks', 'networks[0].spec.inputDim', 'networks[0].spec.hidden[0]', 'copies[0]', 'group',
    ]);
  });
});
