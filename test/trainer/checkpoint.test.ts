// A trainer's checkpoint contents (src/trainer/checkpoint.ts) and memory plan
// (src/trainer/memory.ts) without a GPU: a snapshot survives the file bit for
// bit; everything that is not this trainer's checkpoint is a CheckpointError
// and a checkpoint that does not fit the data a ConfigError, before any GPU
// work; the plan's sizes and its refusals against device limits.
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/format';
import { ConfigError } from '../../src/errors';
import { paramLayout } from '../../src/mlp/params';
import {
  dataFingerprint, decodeTrainerCheckpoint, encodeTrainerCheckpoint, trainerArrays, type TrainerSnapshot,
} from '../../src/trainer/checkpoint';
import { checkTrainerMemory, planTrainerMemory } from '../../src/trainer/memory';
import { checkPlannedParts } from '../../src/trainer/resources';
import { validateTrainerConfig, type TrainerConfig } from '../../src/trainer/config';

const CONFIG: TrainerConfig = {
  energy: { inputDim: 2, hidden: [8], activation: 'silu' },
  variational: { inputDim: 2, hidden: [4, 4], activation: 'tanh' },
  divergence: { name: 'kl' },
  optimizerE: { kind: 'adam', lr: 1e-3 },
  optimizerH: { kind: 'sgd', lr: 1e-2 },
  batch: 16,
  chains: 12,
  sampler: { kind: 'mala', steps: 3, eta: 0.01 },
  replay: { capacity: 40, initBox: [-2, 2] },
  seed: 77,
};

function snapshot(patch: Partial<TrainerSnapshot> = {}): TrainerSnapshot {
  const config = validateTrainerConfig(CONFIG);
  const sizeE = paramLayout(config.energy).size;
  const sizeH = paramLayout(config.variational!).size;
  const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 3);
  const data = ramp(200, 0.3);
  return {
    config, iteration: 1234, paramsE: ramp(sizeE, 1), paramsH: ramp(sizeH, 2),
    optimizerE: { step: 1234, moments: ramp(2 * sizeE, 3) }, optimizerH: { step: 1234, moments: null },
    chains: ramp(24, 4), samplerSteps: 3702, proposed: 6, accepted: Uint32Array.from({ length: 12 }, (_, i) => i % 7),
    replay: ramp(80, 5), replayFilled: 40, replayPos: 28, data: dataFingerprint(data, 2), extra: { run: { iterations: 5000 } },
    ...patch,
  };
}

function error(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error');
}

describe('trainer checkpoints', () => {
  it('come back bit for bit, with the documented arrays', () => {
    const s = snapshot();
    const bytes = encodeTrainerCheckpoint(s);
    const raw = decodeCheckpoint(bytes);
    expect(Object.keys(raw.arrays)).toEqual(['energy.params', 'variational.params', 'energy.adam', 'sampler.chains', 'replay']);
    expect(Object.fromEntries(Object.entries(raw.arrays).map(([k, a]) => [k, a.length]))).toEqual(trainerArrays(s.config));
    expect(raw.rng).toEqual({ seed: 77, counter: 1234 });
    const back = decodeTrainerCheckpoint(bytes);
    expect(back).toEqual(s);
    // Zero acceptance counts are left out of the file.
    const quiet = encodeTrainerCheckpoint(snapshot({ proposed: 0, accepted: new Uint32Array(12) }));
    expect((decodeCheckpoint(quiet).meta!.trainer as { sampler: object }).sampler).toEqual({ steps: 3702 });
    expect(decodeTrainerCheckpoint(quiet).accepted).toEqual(new Uint32Array(12));
  });

  it('CD checkpoints have no H arrays', () => {
    const config = validateTrainerConfig({ ...CONFIG, mode: 'cd', divergence: undefined, variational: undefined, optimizerH: undefined });
    expect(Object.keys(trainerArrays(config))).toEqual(['energy.params', 'energy.adam', 'sampler.chains', 'replay']);
    const s = snapshot({ config, paramsH: null, optimizerH: null });
    expect(decodeTrainerCheckpoint(encodeTrainerCheckpoint(s))).toEqual(s);
  });

  it('a damaged file, another version, or a file that is not this trainer\'s is a CheckpointError', () => {
    const bytes = encodeTrainerCheckpoint(snapshot());
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 1;
    expect(error(() => decodeTrainerCheckpoint(flipped))).toMatchObject({ name: 'CheckpointError', kind: 'checksum' });
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(error(() => decodeTrainerCheckpoint(v2))).toMatchObject({ name: 'CheckpointError', kind: 'version' });
    expect(error(() => decodeTrainerCheckpoint(bytes.subarray(0, bytes.length - 4)))).toMatchObject({ kind: 'truncated' });

    const raw = decodeCheckpoint(bytes);
    const rewrite = (patch: (s: typeof raw) => void) => {
      const copy = structuredClone(raw);
      patch(copy);
      return encodeCheckpoint(copy);
    };
    const cases: [string, Uint8Array, string, RegExp][] = [
      ['no trainer meta', rewrite((s) => delete s.meta), 'header', /meta.trainer is missing/],
      ['another layout', rewrite((s) => ((s.meta!.trainer as { layout: number }).layout = 2)), 'version', /layout 2/],
      ['a missing array', rewrite((s) => delete s.arrays.replay), 'layout', /array replay is missing/],
      ['a short array', rewrite((s) => (s.arrays['energy.params'] = s.arrays['energy.params'].slice(1))), 'layout', /energy.params holds/],
      ['a foreign array', rewrite((s) => (s.arrays.extra = new Float32Array(2))), 'layout', /array extra is not part/],
      ['an invalid config', rewrite((s) => ((s.config as { batch: number }).batch = 0)), 'header', /config is not valid in this build: batch/],
      ['an unresolved box', rewrite((s) => ((s.config as { replay: { initBox: null } }).replay.initBox = null)), 'header', /initBox/],
      ['another seed', rewrite((s) => (s.rng.seed = 1)), 'header', /rng.seed 1 differs from config.seed 77/],
      ['a bad step', rewrite((s) => ((s.meta!.trainer as { optimizerSteps: { energy: number } }).optimizerSteps.energy = -1)), 'header', /optimizerSteps.energy/],
      ['a replay row out of range', rewrite((s) => ((s.meta!.trainer as { replay: { pos: number } }).replay.pos = 40)), 'header', /replay.pos/],
      ['acceptance of another chain count', rewrite((s) => ((s.meta!.trainer as { sampler: { accepted: number[] } }).sampler.accepted = [1])), 'header', /12 counts/],
    ];
    for (const [what, file, kind, message] of cases) {
      const e = error(() => decodeTrainerCheckpoint(file));
      expect({ what, name: e.name, kind: (e as CheckpointError).kind }).toEqual({ what, name: 'CheckpointError', kind });
      expect(e.message).toMatch(message);
    }
  });

  it('a checkpoint that does not fit the data, or a custom divergence not supplied, is a ConfigError', () => {
    const bytes = encodeTrainerCheckpoint(snapshot());
    const e = error(() => decodeTrainerCheckpoint(bytes, { dataDim: 3 }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e).toMatchObject({ field: 'data', message: expect.stringMatching(/rows have 3 values, but the checkpoint's model takes energy.inputDim = 2/) });
    expect(error(() => decodeTrainerCheckpoint(bytes, { divergence: { name: 'kl' } }))).toMatchObject({ name: 'ConfigError', field: 'divergence' });

    const wgsl = 'fn custom_f(u: f32) -> f32 { return u * log(u); }\nfn custom_df(u: f32) -> f32 { return log(u) + 1.0; }\nfn custom_d2f(u: f32) -> f32 { return 1.0 / u; }';
    const custom = { name: 'custom' as const, custom: { f: (u: number) => u * Math.log(u), df: (u: number) => Math.log(u) + 1, d2f: (u: number) => 1 / u, wgsl } };
    const config = validateTrainerConfig({ ...CONFIG, divergence: custom });
    const file = encodeTrainerCheckpoint(snapshot({ config }));
    expect((decodeCheckpoint(file).config as { divergence: unknown }).divergence).toEqual({ name: 'custom', custom: { wgsl } });
    expect(error(() => decodeTrainerCheckpoint(file))).toMatchObject({ name: 'ConfigError', field: 'divergence' });
    expect(error(() => decodeTrainerCheckpoint(file, { divergence: { ...custom, custom: { ...custom.custom, wgsl: `${wgsl}\n` } } }))).toMatchObject({
      field: 'divergence.custom.wgsl',
    });
    expect(decodeTrainerCheckpoint(file, { divergence: custom }).config.divergence).toMatchObject({ name: 'custom', custom: { f: custom.custom.f, wgsl } });
  });
});

const LIMITS = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30, maxComputeWorkgroupsPerDimension: 65535 };

describe('trainer memory plan', () => {
  it('lists every buffer, rounded as Gpu.buffer allocates, and sums them', () => {
    const c = validateTrainerConfig(CONFIG);
    const plan = planTrainerMemory(c, 1000);
    const named = (name: string) => plan.buffers.find((b) => b.name === name)!;
    expect(named('data set')).toMatchObject({ size: 8000, bytes: 8000, field: 'data' });
    expect(named('replay buffer')).toMatchObject({ size: 320, field: 'replay.capacity' });
    expect(named('E optimiser moments').size).toBe(2 * 4 * paramLayout(c.energy).size);
    expect(named('H optimiser moments').size).toBe(4);
    expect(named('sampler work').size).toBe(4 * 12 * (2 * 2 + 1));
    for (const b of plan.buffers) expect(b.bytes % 16 === 0 && b.bytes >= b.size && b.bytes >= 16).toBe(true);
    expect(plan.total).toBe(plan.buffers.reduce((s, b) => s + b.bytes, 0));
    const cd = planTrainerMemory(validateTrainerConfig({ ...CONFIG, mode: 'cd', divergence: undefined, variational: undefined, optimizerH: undefined }), 1000);
    expect(cd.buffers.some((b) => b.name.startsWith('H optimiser') || b.name === 'loss uniform')).toBe(false);
    expect(cd.total).toBeLessThan(plan.total);
  });

  it("gives every buffer its part, and the trainer's own a distinct key; a part that holds other than its plan is refused", () => {
    for (const c of [validateTrainerConfig(CONFIG), validateTrainerConfig({ ...CONFIG, mode: 'cd', divergence: undefined, variational: undefined, optimizerH: undefined })]) {
      const plan = planTrainerMemory(c, 1000);
      const own = plan.buffers.filter((b) => b.part === 'trainer');
      expect(own.every((b) => b.key !== undefined)).toBe(true);
      expect(new Set(own.map((b) => b.key)).size).toBe(own.length);
      expect(plan.buffers.filter((b) => b.part !== 'trainer').every((b) => b.key === undefined)).toBe(true);
      const sum = (part: string) => plan.buffers.filter((b) => b.part === part).reduce((s, b) => s + b.bytes, 0);
      const parts = Object.fromEntries(
        ['trainer', 'E program', 'H program', 'loss', 'E optimiser', 'H optimiser', 'sampler'].map((name) => [name, sum(name) > 0 ? { bytes: sum(name), destroy() {} } : null]),
      );
      expect(() => checkPlannedParts(plan, parts)).not.toThrow();
      expect(() => checkPlannedParts(plan, { ...parts, sampler: { bytes: sum('sampler') + 16, destroy() {} } })).toThrow(/the sampler holds \d+ bytes of GPU memory, the plan says \d+/);
    }
  });

  it("plans a class-conditional model's rows with their label columns, and names the field and the count that fits when refusing", () => {
    const spec = (activation: 'silu' | 'tanh') => ({ inputDim: 60, hidden: [32], activation });
    const c = validateTrainerConfig({ ...CONFIG, classes: 10, energy: spec('silu'), variational: spec('tanh'), replay: { capacity: 1000, initBox: [0, 1] } });
    const plan = planTrainerMemory(c, 500);
    const named = (name: string) => plan.buffers.find((b) => b.name === name)!;
    // Rows of 50 values of x and 10 of the label, everywhere a row is stored.
    expect(named('data set')).toMatchObject({ size: 500 * 60 * 4, perUnit: 240 });
    expect(named('replay buffer')).toMatchObject({ size: 1000 * 60 * 4, perUnit: 240 });
    expect(named('network inputs x').size).toBe(28 * 60 * 4);
    expect(named('sampler chains').size).toBe(12 * 60 * 4);
    expect(named('sampler work').size).toBe(12 * (2 * 60 + 1) * 4);
    const at = (max: number) => ({ ...LIMITS, maxStorageBufferBindingSize: max });
    const refusal = (config: typeof c, rows: number, max: number) => error(() => checkTrainerMemory(planTrainerMemory(config, rows), config, at(max))) as ConfigError;
    expect(refusal(c, 500, 100_000)).toMatchObject({ field: 'data', message: expect.stringContaining('at most 416 rows of 60 values (50 of x, 10 of the one-hot label) fit') });
    expect(refusal(c, 400, 200_000)).toMatchObject({ field: 'replay.capacity', message: expect.stringContaining('replay.capacity must be at most 833 for rows of 60 values (50 of x, 10 of the one-hot label)') });
    // x holds batch + chains rows and is checked first.
    const many = validateTrainerConfig({ ...CONFIG, chains: 900, replay: { capacity: 1000, initBox: [0, 1] }, classes: 10, energy: spec('silu'), variational: spec('tanh') });
    expect(refusal(many, 10, 200_000)).toMatchObject({ field: 'batch', message: expect.stringContaining('network inputs x needs 219840 bytes') });
    // The MLP scratch: the largest batch + chains that fits, in whole workgroups of samples; one more workgroup does not.
    const small = validateTrainerConfig({ ...c, batch: 100, replay: { capacity: 40, initBox: [0, 1] } });
    const scratch = refusal(small, 10, 60_000);
    expect(scratch.field).toBe('batch');
    const most = Number(/E program scratch needs .* batch \+ chains \(now 112\) must be at most (\d+) for this network/.exec(scratch.message)![1]);
    expect(most).toBeGreaterThan(0);
    const fits = (n: number) => planTrainerMemory(validateTrainerConfig({ ...small, batch: n - 12 }), 10)
      .buffers.filter((b) => b.name.endsWith('program scratch')).every((b) => b.size <= 60_000);
    // Not even one workgroup of samples: the network must be smaller.
    expect(refusal(validateTrainerConfig({ ...small, batch: 4 }), 10, 15_000).message).toMatch(/E program scratch needs .*: not even one workgroup of 32 samples fits: make the network smaller/);
    expect(fits(most)).toBe(true);
    expect(fits(most + 32)).toBe(false);
    // MALA's work buffer (two gradients of a row and an energy per chain) is the chains' field.
    const narrow = (activation: 'silu' | 'tanh') => ({ inputDim: 60, hidden: [4], activation });
    const mala = validateTrainerConfig({ ...c, energy: narrow('silu'), variational: narrow('tanh'), batch: 1, chains: 200, replay: { capacity: 200, initBox: [0, 1] } });
    expect(refusal(mala, 10, 90_000)).toMatchObject({ field: 'chains', message: expect.stringContaining('sampler work needs 96800 bytes (0.1 MiB), over the device\'s maxStorageBufferBindingSize of 90000 bytes: chains (now 200) must be at most 185') });
    // A device that claims more than 2^32 bytes per binding: the kernels' u32 indices still limit each buffer.
    const huge = { ...LIMITS, maxStorageBufferBindingSize: 2 ** 40, maxBufferSize: 2 ** 40 };
    const wide = validateTrainerConfig({ ...c, energy: { ...spec('silu'), inputDim: 64 }, variational: { ...spec('tanh'), inputDim: 64 } });
    expect(error(() => checkTrainerMemory(planTrainerMemory(wide, 2 ** 24 + 1), wide, huge))).toMatchObject({
      field: 'data', message: expect.stringContaining("over the kernels' limit of 4294967296 bytes per buffer (u32 indices): at most 16777216 rows of 64 values (54 of x, 10 of the one-hot label) fit"),
    });
  });

  it('refuses a buffer over the device limit naming its field, and a total over memoryLimit', () => {
    const c = validateTrainerConfig(CONFIG);
    const plan = planTrainerMemory(c, 1000);
    expect(() => checkTrainerMemory(plan, c, LIMITS)).not.toThrow();
    const small = { ...LIMITS, maxStorageBufferBindingSize: 4096 };
    expect(error(() => checkTrainerMemory(plan, c, small))).toMatchObject({ field: 'data', message: expect.stringMatching(/at most 512 rows of 2 values fit/) });
    const big = validateTrainerConfig({ ...CONFIG, replay: { capacity: 2 ** 24 } });
    expect(error(() => checkTrainerMemory(planTrainerMemory(big, 10), big, { ...LIMITS, maxStorageBufferBindingSize: 2 ** 26 }))).toMatchObject({
      field: 'replay.capacity', message: expect.stringMatching(/must be at most 8388608/),
    });
    const wide = validateTrainerConfig({ ...CONFIG, batch: 60000, chains: 60000, replay: { capacity: 60000 }, energy: { inputDim: 2, hidden: [512, 512], activation: 'silu' } });
    expect(error(() => checkTrainerMemory(planTrainerMemory(wide, 10), wide, LIMITS))).toMatchObject({ field: 'batch' });
    expect(error(() => checkTrainerMemory(plan, c, LIMITS, 1000))).toMatchObject({ field: 'memoryLimit', message: expect.stringMatching(/over the limit of 1000 bytes; largest: /) });
    expect(error(() => checkTrainerMemory(plan, c, LIMITS, -1))).toMatchObject({ field: 'memoryLimit' });
  });
});
