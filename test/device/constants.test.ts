// One source for every constant shared by host and WGSL (src/device/constants.ts):
// each host table is read from its shader, and here, for every shader that
// declares shared u32 constants, the tables read from it cover every one of
// them (a WGSL code without a host name, or a host name without a WGSL
// constant, fails). Plus: the codes of a table are distinct, the streams that
// share a seed are distinct, slots lie inside their buffers, and no host file
// keeps a literal copy of a code table.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shaderConstant, wgslCodes, wgslConstant, wgslConstantNames, wgslName } from '../../src/device/constants';
import { SHADER_FILES } from '../../src/device/shader';
import { DIVERGENCE_CODE, DIVERGENCE_NAMES, NUMERICS, NUMERICS_CODE } from '../../src/divergence/divergence';
import { ACTIVATION_CODE, ACTIVATIONS } from '../../src/mlp/params';
import { MLP_CHAINS, MLP_GROUP } from '../../src/mlp/program';
import { OPTIMIZER_CODE, OPTIMIZER_KINDS } from '../../src/optim/optim';
import { ENERGY_CODE, SAMPLER_CODE, SAMPLER_COUNTER, SAMPLER_KINDS, SAMPLER_STREAM } from '../../src/sampler/sampler';
import {
  TRAINER_COUNTER, TRAINER_COUNTER_WORDS, TRAINER_LABELS, TRAINER_METRIC, TRAINER_METRICS_WORDS, TRAINER_MODE, TRAINER_STAT, TRAINER_STATS_WORDS, TRAINER_STREAM,
} from '../../src/trainer/layout';
import { LABEL_SOURCES } from '../../src/trainer/config';
import { ONED_STREAM } from '../../experiments/oned/reference';
import onedWgsl from '../../experiments/oned/oned.wgsl?raw';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/** The WGSL constant names a host table was read from. */
const names = (prefix: string, table: Record<string, number>) => Object.keys(table).map((k) => wgslName(prefix, k));

/**
 * Per shader: the u32 constants shared with the host, as the host tables
 * name them; and the shader's constants that stay its own (never read by the host).
 */
const SHARED: { file: string; source: string; host: string[]; own: string[] }[] = [
  { file: 'divergence.wgsl', source: SHADER_FILES['divergence.wgsl'], host: [...names('DIV_', DIVERGENCE_CODE), ...names('DIV_', NUMERICS_CODE)], own: [] },
  { file: 'optim.wgsl', source: SHADER_FILES['optim.wgsl'], host: names('OPTIM_', OPTIMIZER_CODE), own: ['OPTIM_WG'] },
  { file: 'activations.wgsl', source: SHADER_FILES['activations.wgsl'], host: names('ACT_', ACTIVATION_CODE), own: [] },
  {
    file: 'langevin.wgsl', source: SHADER_FILES['langevin.wgsl'],
    host: [...names('LGV_', SAMPLER_CODE), ...names('LGV_ENERGY_', ENERGY_CODE), ...names('LGV_STREAM_', SAMPLER_STREAM), 'LGV_GROUP'], own: [],
  },
  { file: 'langevin_counters.wgsl', source: SHADER_FILES['langevin_counters.wgsl'], host: names('LGV_COUNT_', SAMPLER_COUNTER), own: [] },
  {
    file: 'trainer_common.wgsl', source: SHADER_FILES['trainer_common.wgsl'],
    host: [
      ...names('TRN_', TRAINER_COUNTER), ...names('TRN_S_', TRAINER_STAT), ...names('TRN_MODE_', TRAINER_MODE), ...names('TRN_STREAM_', TRAINER_STREAM),
      ...names('TRN_LABELS_', TRAINER_LABELS), 'TRN_COUNTER_WORDS', 'TRN_STATS_WORDS',
    ],
    own: ['TRN_WG'],
  },
  { file: 'trainer_check.wgsl', source: SHADER_FILES['trainer_check.wgsl'], host: ['TRN_CHECK_SPAN'], own: [] },
  { file: 'trainer_metrics.wgsl', source: SHADER_FILES['trainer_metrics.wgsl'], host: [...names('TM_', TRAINER_METRIC), 'TM_OUT_WORDS'], own: [] },
  { file: 'mlp.wgsl', source: SHADER_FILES['mlp.wgsl'], host: ['MLP_CHAINS', 'MLP_GROUP'], own: [] },
  { file: 'mlp_layout.wgsl', source: SHADER_FILES['mlp_layout.wgsl'], host: ['MLP_ACTIVATION', 'MLP_MAX_LAYERS'], own: [] },
  {
    file: 'mlp_tiled.wgsl', source: SHADER_FILES['mlp_tiled.wgsl'],
    host: ['MLP_TILED_S', 'MLP_TILED_U', 'MLP_TILED_GROUP', 'MLP_SEED_ONES', 'MLP_SEED_WEIGHTS'], own: ['MLP_TILED_K4', 'MLP_TILED_STAGED'],
  },
  { file: 'mlp_param_grad.wgsl', source: SHADER_FILES['mlp_param_grad.wgsl'], host: ['MLP_TILE_J4', 'MLP_TILE_K4', 'MLP_REDUCE_GROUP'], own: [] },
  { file: 'philox.wgsl', source: SHADER_FILES['philox.wgsl'], host: ['PHILOX_M0', 'PHILOX_M1', 'PHILOX_W0', 'PHILOX_W1'], own: [] },
  { file: 'fdiv_loss.wgsl', source: SHADER_FILES['fdiv_loss.wgsl'], host: [], own: ['LOSS_WG'] },
  { file: 'experiments/oned/oned.wgsl', source: onedWgsl, host: names('ONED_STREAM_', ONED_STREAM), own: ['ONED_WG'] },
];

describe('host and WGSL constants: one source', () => {
  for (const { file, source, host, own } of SHARED) {
    it(`${file}: the host reads every shared u32 constant, and each one exists`, () => {
      expect(source, file).toBeTypeOf('string');
      const declared = wgslConstantNames(source, '').filter((n) => !own.includes(n));
      expect([...new Set(host)].sort()).toEqual(declared.sort());
      for (const name of host) expect(() => wgslConstant(source, name, file)).not.toThrow();
    });
  }

  it('every library shader that declares u32 constants is listed above (each constant shared or its own)', () => {
    const listed = new Set(SHARED.map((s) => s.file));
    const declaring = Object.keys(SHADER_FILES).filter((f) => wgslConstantNames(SHADER_FILES[f], '').length > 0);
    expect(declaring.filter((f) => !listed.has(f))).toEqual([]);
  });

  it('tables map the host names to distinct codes', () => {
    const tables: [string, readonly string[], Record<string, number>][] = [
      ['divergence', [...DIVERGENCE_NAMES, 'custom'], DIVERGENCE_CODE], ['numerics', NUMERICS, NUMERICS_CODE],
      ['optimizer', OPTIMIZER_KINDS, OPTIMIZER_CODE], ['activation', ACTIVATIONS, ACTIVATION_CODE], ['sampler', SAMPLER_KINDS, SAMPLER_CODE],
      ['energy', ['mlp', 'gaussian', 'mixture', 'diagonal'], ENERGY_CODE], ['trainer mode', ['fdiv', 'cd'], TRAINER_MODE],
      ['trainer labels', LABEL_SOURCES, TRAINER_LABELS],
    ];
    for (const [what, keys, table] of tables) {
      expect(Object.keys(table).sort(), what).toEqual([...keys].sort());
      expect(new Set(Object.values(table)).size, what).toBe(keys.length);
    }
    expect(MLP_CHAINS).toBe(shaderConstant('mlp.wgsl', 'MLP_CHAINS'));
    expect(MLP_GROUP).toBe(shaderConstant('mlp.wgsl', 'MLP_GROUP'));
  });

  it("the sampler's and the trainer's Philox streams differ (both are keyed by the run's seed)", () => {
    const all = [...Object.values(SAMPLER_STREAM), ...Object.values(TRAINER_STREAM)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('counter, statistics and metrics slots are distinct and inside their buffers', () => {
    for (const [table, words] of [[TRAINER_COUNTER, TRAINER_COUNTER_WORDS], [TRAINER_STAT, TRAINER_STATS_WORDS], [TRAINER_METRIC, TRAINER_METRICS_WORDS]] as const) {
      const slots = Object.values(table);
      expect(new Set(slots).size).toBe(slots.length);
      for (const s of slots) expect(s).toBeLessThan(words);
    }
    // The per-chain accepted counts come after the sampler's scalar counters.
    expect(SAMPLER_COUNTER.accepted).toBeGreaterThan(Math.max(SAMPLER_COUNTER.steps, SAMPLER_COUNTER.proposed));
  });

  it('reads decimal and hex constants and overrides by name; refuses a missing one or a repeated code', () => {
    const src = 'const A_ONE: u32 = 1u;\nconst A_TWO_WORDS: u32 = 0x10u;\noverride A_THREE: u32 = 3u;\nconst B: f32 = 2.0;';
    expect(wgslCodes(src, 'A_', ['one', 'twoWords', 'three'])).toEqual({ one: 1, twoWords: 16, three: 3 });
    expect(() => wgslConstant(src, 'B', 'x.wgsl')).toThrow(/x.wgsl declares no const or override B: u32/);
    expect(() => wgslCodes('const A_X: u32 = 1u; const A_Y: u32 = 1u;', 'A_', ['x', 'y'], 'y.wgsl')).toThrow(/A_Y and A_X are both 1/);
    expect(wgslName('LGV_', 'du-mordatch')).toBe('LGV_DU_MORDATCH');
    expect(wgslName('TM_', 'gradNormE')).toBe('TM_GRAD_NORM_E');
  });

  it('no host file keeps a literal copy of a code table', () => {
    const files = execSync('git ls-files --cached --others --exclude-standard', { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|mts|js)$/.test(f) && !f.startsWith('node_modules/') && !f.startsWith('test/'));
    const keys = [...DIVERGENCE_NAMES, 'custom', ...NUMERICS, ...OPTIMIZER_KINDS, ...ACTIVATIONS, ...SAMPLER_KINDS, 'gaussian', 'mixture', 'fdiv', 'cd'];
    const key = `(?:${keys.map((k) => `'${k}'|${k.replace(/-/g, '\\-')}`).join('|')})`;
    // Two or more host names mapped to integer literals in one object literal: { sgd: 0, adam: 1 }.
    const copy = new RegExp(`${key}\\s*:\\s*\\d+\\s*,\\s*${key}\\s*:\\s*\\d+`);
    const offenders = files.filter((f) => copy.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
