// The reproduce command's argument parsing and table, and the SVG plots.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIVERGENCES, markdownTable } from '../../experiments/oned/reproduce';
import { parseReproduceArgs as parseArgs } from '../../cli/reproduce';
import { ConfigError } from '../../src/errors';
import { densityPlot, lineChart, ratioPlot, ticks } from '../../experiments/oned/plots';
import { plotGrid } from '../../experiments/oned/oned';

describe('reproduce: arguments', () => {
  it('defaults: every divergence, Adam lr 1e-2 decaying to 1e-3 over 2000 iterations', () => {
    const o = parseArgs([]);
    expect(o.divergences).toHaveLength(DEFAULT_DIVERGENCES.length);
    expect(o.iterations).toBe(2000);
    expect(o.optimizer).toEqual({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 2000 });
    expect(o).toMatchObject({ batch: 1000, numerics: 'stable', seed: 0, out: 'out/reproduce', t0: false, exactCritic: false });
  });
  it('sgd defaults to the authors (lr 1e-3, 30,000 iterations, no decay); names and flags are parsed', () => {
    const o = parseArgs(['kl', 'alpha(-0.5)', '--optimizer', 'sgd', '--out', '/tmp/x', '--numerics', 'authors']);
    expect(o.divergences).toEqual([{ name: 'kl' }, { name: 'alpha', alpha: -0.5 }]);
    expect(o.optimizer).toEqual({ kind: 'sgd', lr: 1e-3, lrFinal: 1e-3, decaySteps: 0 });
    expect(o.iterations).toBe(30_000);
    expect(o).toMatchObject({ out: '/tmp/x', numerics: 'authors' });
    expect(parseArgs(['--t0']).divergences).toEqual([{ name: 'jensen_shannon' }]);
    expect(parseArgs(['--iterations', '500', '--lr', '0.02']).optimizer).toEqual({ kind: 'adam', lr: 0.02, lrFinal: 0.002, decaySteps: 500 });
    // theta's warm-up: H keeps its schedule; theta's decay follows the warm-up and ends at the last iteration.
    const w = parseArgs(['pearson', '--iterations', '4000', '--warmup-e', '1000']);
    expect(w.optimizer).toEqual({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 4000 });
    expect(w.optimizerE).toEqual({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, warmupSteps: 1000, decaySteps: 3000 });
    expect(parseArgs(['--init', '0.5,2']).init).toEqual({ mu: 0.5, sigma: 2 });
    expect(parseArgs([]).init).toBeUndefined();
    expect(parseArgs(['pearson', '--exact-critic']).exactCritic).toBe(true);
    expect(parseArgs(['--beta2-e', '0.9']).optimizerE).toEqual({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 2000, beta2: 0.9 });
    expect(parseArgs(['pearson', '--beta2', '0.9']).optimizer).toEqual({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 2000, beta2: 0.9 });
    // Adam's per-element clipping on both (or theta's alone), H's L2 penalty and H steps.
    const c = parseArgs(['pearson', '--clip-rms', '1', '--clip-add', '0.05', '--lr-e', '0.005']);
    expect(c.optimizer).toEqual({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 2000, clipRms: 1, clipAdd: 0.05 });
    expect(c.optimizerE).toMatchObject({ lr: 0.005, clipRms: 1, clipAdd: 0.05 });
    const ce = parseArgs(['pearson', '--clip-rms-e', '2']);
    expect(ce.optimizer.clipRms).toBeUndefined();
    expect(ce.optimizerE).toMatchObject({ clipRms: 2 });
    expect(parseArgs([])).toMatchObject({ l2H: 0, hSteps: 1 });
    expect(parseArgs(['--l2-h', '1e-3', '--h-steps', '3'])).toMatchObject({ l2H: 1e-3, hSteps: 3 });
  });
  it('refuses bad arguments naming them', () => {
    const err = (argv: string[]) => {
      try {
        parseArgs(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return null;
    };
    expect(err(['--optimizer', 'rmsprop'])).toBe('--optimizer');
    expect(err(['--iterations', '1.5'])).toBe('--iterations');
    expect(err(['--fast'])).toBe('--fast');
    expect(err(['hellinger'])).toBe('divergence.name');
    expect(err(['alpha(0)'])).toBe('divergence.alpha');
    expect(err(['--numerics', 'exact'])).toBe('--numerics');
    expect(err(['--warmup-e', '2.5'])).toBe('--warmup-e');
    expect(err(['--init', '0'])).toBe('--init');
    expect(err(['--init', '0,-1'])).toBe('--init');
    expect(err(['--beta2', 'x'])).toBe('--beta2');
    expect(err(['--clip-rms', '-1'])).toBe('--clip-rms');
    expect(err(['--clip-add', 'x'])).toBe('--clip-add');
    expect(err(['--clip-rms', '3', '--optimizer', 'sgd'])).toBe('--clip-rms');
    expect(err(['--clip-rms-e', '-0.5'])).toBe('--clip-rms-e');
    expect(err(['--l2-h', '-1'])).toBe('--l2-h');
    expect(err(['--l2-h', 'inf'])).toBe('--l2-h');
    expect(err(['--h-steps', '0'])).toBe('--h-steps');
    expect(err(['--h-steps', '101'])).toBe('--h-steps');
    expect(err(['--h-steps', '1.5'])).toBe('--h-steps');
  });
  it('prints a markdown table', () => {
    const t = markdownTable([{ divergence: 'kl', mu: 1, sigma: 1.8, optimumMu: 1.01, optimumSigma: 1.83, distance: 0.0316, iterations: 10, optimizer: 'adam', seconds: 3 }], 'stable');
    expect(t).toContain('| kl | 1.0000 | 1.8000 | 1.0100 | 1.8300 | 0.0316 | 10 | adam | 3 |');
    expect(t.split('\n')).toHaveLength(5);
  });
});

describe('plots', () => {
  it('ticks are round numbers covering the range', () => {
    expect(ticks(-4, 7)).toEqual([-4, -2, 0, 2, 4, 6]);
    expect(ticks(0, 0.5)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  });
  it('charts are SVG documents with one path per series and no NaN', () => {
    const svg = lineChart({ title: 'a < b', xLabel: 'x', yLabel: 'y', series: [{ name: 's', x: [0, 1, 2], y: [0, NaN, 1], color: 'red' }] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt; b');
    expect(svg).not.toContain('NaN');
    const x = plotGrid(11);
    const input = { label: 'kl', mu: 1, sigma: 1.8, curve: { x, h: x.map(() => 0.1) } };
    const d = densityPlot(input, { mu: 1.01, sigma: 1.83, value: 0 });
    expect(d.match(/<path /g)).toHaveLength(3);
    const r = ratioPlot(input);
    expect(r.match(/<path /g)).toHaveLength(2);
    expect(r).not.toContain('NaN');
  });
});
