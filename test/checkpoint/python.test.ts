// python/febm_gpu.py, the checkpoint reader for Python users, against the
// library: a trainer checkpoint written by encodeTrainerCheckpoint (what
// Trainer.saveCheckpoint writes) comes back with the same arrays bit for bit,
// and its networks E and H evaluate to mlpForward64 of the same parameters
// (float64 on both sides: relative 1e-12), for a class-conditional model with
// widths that are not multiples of 4 and parameters whose padding holds
// non-zero values (the reader must skip it), and an unconditional
// contrastive-divergence run (no H). Damaged files are refused with
// the library's error kinds, bad labels with the field. Needs Python 3 with
// NumPy (test/support/python.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { paramLayout } from '../../src/mlp/params';
import { mlpForward64 } from '../../src/mlp/reference';
import { dataFingerprint, encodeTrainerCheckpoint, type TrainerSnapshot } from '../../src/trainer/checkpoint';
import { validateTrainerConfig, type TrainerConfig } from '../../src/trainer/config';
import { oneHotRows } from '../../src/trainer/data';
import { python } from '../support/python';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODULE_DIR = join(ROOT, 'python');

const CLASSES = 3;
const CONFIG: TrainerConfig = {
  classes: CLASSES,
  energy: { inputDim: 5 + CLASSES, hidden: [7, 5], activation: 'silu' },
  variational: { inputDim: 5 + CLASSES, hidden: [6], activation: 'tanh' },
  divergence: { name: 'jensen_shannon' },
  optimizerE: { kind: 'adam', lr: 1e-3 },
  optimizerH: { kind: 'adam', lr: 1e-3 },
  batch: 8,
  chains: 6,
  sampler: { kind: 'ula', steps: 2, eta: 0.01 },
  replay: { capacity: 10, initBox: [0, 1] },
  seed: 5,
};

const ramp = (n: number, k: number, scale = 0.7) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3) * scale);

function snapshot(): TrainerSnapshot {
  const config = validateTrainerConfig(CONFIG);
  const dim = config.energy.inputDim;
  const sizeE = paramLayout(config.energy).size;
  const sizeH = paramLayout(config.variational!).size;
  return {
    config, iteration: 321,
    // Every entry non-zero, padding included.
    paramsE: ramp(sizeE, 1.3), paramsH: ramp(sizeH, 2.1),
    optimizerE: { step: 321, moments: ramp(2 * sizeE, 0.5) }, optimizerH: { step: 321, moments: ramp(2 * sizeH, 0.9) },
    chains: ramp(6 * dim, 0.4), samplerSteps: 642, proposed: 0, accepted: new Uint32Array(6),
    replay: ramp(10 * dim, 0.6), replayFilled: 6, replayPos: 6, data: dataFingerprint(ramp(4 * dim, 0.2), dim),
  };
}

/** Runs Python code with the module importable; argv[1:] = args. Returns stdout. */
function py(code: string, args: string[] = []): string {
  return execFileSync(python(), ['-c', code, ...args], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: MODULE_DIR } });
}

let dir: string;
let file: string;
const s = snapshot();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'febm-py-'));
  file = join(dir, 'checkpoint.febm');
  writeFileSync(file, encodeTrainerCheckpoint(s));
});

describe('python/febm_gpu.py reads trainer checkpoints', () => {
  it('the header and every array, bit for bit', () => {
    const out = JSON.parse(py(`
import json, sys, febm_gpu
ck = febm_gpu.load(sys.argv[1])
print(json.dumps({'iteration': ck.iteration, 'config': ck.config,
  'arrays': {k: {'shape': list(a.shape), 'bits': a.view('<u4').reshape(-1).tolist()} for k, a in ck.arrays.items()}}))
`, [file]));
    expect(out.iteration).toBe(321);
    expect(out.config.energy).toEqual(s.config.energy);
    const dim = s.config.energy.inputDim;
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const expected: Record<string, { shape: number[]; bits: number[] }> = {
      'energy.params': { shape: [s.paramsE.length], bits: bits(s.paramsE) },
      'variational.params': { shape: [s.paramsH!.length], bits: bits(s.paramsH!) },
      'energy.adam': { shape: [s.optimizerE.moments!.length], bits: bits(s.optimizerE.moments!) },
      'variational.adam': { shape: [s.optimizerH!.moments!.length], bits: bits(s.optimizerH!.moments!) },
      'sampler.chains': { shape: [6, dim], bits: bits(s.chains) },
      replay: { shape: [10, dim], bits: bits(s.replay) },
    };
    expect(out.arrays).toEqual(expected);
  });

  it('E(x, y) and H(x, y) equal mlpForward64 of [x, onehot(y)] (relative 1e-12)', () => {
    const n = 9;
    const x = ramp(n * 5, 0.77, 2);
    const labels = Array.from({ length: n }, (_, i) => (i * 2) % CLASSES);
    const out = JSON.parse(py(`
import json, sys, numpy as np, febm_gpu
ck = febm_gpu.load(sys.argv[1])
x = np.array(json.loads(sys.argv[2]), dtype=np.float32).astype(np.float64).reshape(-1, 5)
y = np.array(json.loads(sys.argv[3]))
print(json.dumps({'E': ck.energy()(x, labels=y).tolist(), 'H': ck.variational()(x, labels=y).tolist()}))
`, [file, JSON.stringify(Array.from(x)), JSON.stringify(labels)]));
    const rows = oneHotRows(x, labels, 5, CLASSES);
    const refE = mlpForward64(paramLayout(s.config.energy), s.paramsE, rows, n);
    const refH = mlpForward64(paramLayout(s.config.variational!), s.paramsH!, rows, n);
    const close = (got: number[], ref: Float64Array) => {
      const scale = Math.max(...Array.from(ref, Math.abs));
      expect(scale).toBeGreaterThan(0.1);
      got.forEach((v, i) => expect(Math.abs(v - ref[i]) / scale, `entry ${i}`).toBeLessThan(1e-12));
    };
    close(out.E, refE);
    close(out.H, refH);
  });

  it('a contrastive-divergence run has no H, and an unconditional E takes rows alone', () => {
    const config = validateTrainerConfig({
      ...CONFIG, classes: 0, energy: { inputDim: 5, hidden: [3], activation: 'relu' }, mode: 'cd',
      divergence: undefined, variational: undefined, optimizerH: undefined, replay: { capacity: 10, initBox: [0, 1] },
    });
    const sizeE = paramLayout(config.energy).size;
    const cd: TrainerSnapshot = {
      ...snapshot(), config, paramsE: ramp(sizeE, 0.9), paramsH: null,
      optimizerE: { step: 321, moments: ramp(2 * sizeE, 0.5) }, optimizerH: null,
      chains: ramp(6 * 5, 0.4), replay: ramp(10 * 5, 0.6), data: dataFingerprint(ramp(20, 0.2), 5),
    };
    const f = join(dir, 'cd.febm');
    writeFileSync(f, encodeTrainerCheckpoint(cd));
    const x = ramp(4 * 5, 1.7, 2);
    const out = JSON.parse(py(`
import json, sys, numpy as np, febm_gpu
ck = febm_gpu.load(sys.argv[1])
x = np.array(json.loads(sys.argv[2]), dtype=np.float32).astype(np.float64).reshape(-1, 5)
try:
    ck.energy()(x, labels=[0, 0, 0, 0])
    refused = None
except ValueError as e:
    refused = str(e)
print(json.dumps({'H': ck.variational() is None, 'E': ck.energy()(x).tolist(), 'refused': refused}))
`, [f, JSON.stringify(Array.from(x))]));
    expect(out.H).toBe(true);
    expect(out.refused).toBe('labels: this model is unconditional (classes 0)');
    const ref = mlpForward64(paramLayout(config.energy), cd.paramsE, x, 4);
    expect(Math.max(...Array.from(ref, Math.abs))).toBeGreaterThan(0.1);
    out.E.forEach((v: number, i: number) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref[i]))));
  });

  it('refuses labels the model cannot take, naming the field', () => {
    const out = py(`
import sys, numpy as np, febm_gpu
E = febm_gpu.load(sys.argv[1]).energy()
x = np.zeros((2, 5))
for labels in (None, [0, 3], [0, 1.5], [0]):
    try:
        E(x, labels=labels)
        print('accepted', labels)
    except ValueError as e:
        print(e)
`, [file]);
    expect(out.trim().split('\n')).toEqual([
      'labels: this model is class-conditional (3 classes): give one label per row',
      'labels: must be integers in [0, 2]',
      'labels: must be integers in [0, 2]',
      'labels: 1 labels for 2 rows',
    ]);
  });

  it('refuses damaged files with the library\'s error kinds', () => {
    const good = encodeTrainerCheckpoint(s);
    const variants: Record<string, Uint8Array> = {};
    const magic = good.slice();
    magic[0] = 0x58;
    variants.magic = magic;
    const version = good.slice();
    version[8] = 2;
    variants.version = version;
    variants.truncated = good.slice(0, good.length - 4);
    const flipped = good.slice();
    flipped[good.length - 3] ^= 0x10;
    variants.checksum = flipped;
    const kinds: Record<string, string> = {};
    for (const [kind, bytes] of Object.entries(variants)) {
      const f = join(dir, `${kind}.febm`);
      writeFileSync(f, bytes);
      kinds[kind] = py(`
import sys, febm_gpu
try:
    febm_gpu.load(sys.argv[1])
    print('read')
except febm_gpu.CheckpointError as e:
    print(e.kind)
`, [f]).trim();
    }
    expect(kinds).toEqual({ magic: 'magic', version: 'version', truncated: 'truncated', checksum: 'checksum' });
  });

  it('from a shell: a summary, and --npz with every array and both networks\' dense layers', () => {
    const npz = join(dir, 'model.npz');
    const r = spawnSync(python(), [join(MODULE_DIR, 'febm_gpu.py'), file, '--npz', npz], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('energy: MLP 8 -> 7 -> 5 -> 1, silu, 3 classes (one-hot last)');
    expect(r.stdout).toContain('variational: MLP 8 -> 6 -> 1, tanh, 3 classes (one-hot last)');
    const shapes = JSON.parse(py(`
import json, sys, numpy as np
z = np.load(sys.argv[1])
print(json.dumps({k: list(z[k].shape) for k in sorted(z.files)}))
`, [npz]));
    expect(shapes).toEqual({
      'energy.W0': [7, 8], 'energy.b0': [7], 'energy.W1': [5, 7], 'energy.b1': [5], 'energy.W2': [1, 5], 'energy.b2': [1],
      'variational.W0': [6, 8], 'variational.b0': [6], 'variational.W1': [1, 6], 'variational.b1': [1],
      'energy.adam': [s.optimizerE.moments!.length], 'energy.params': [s.paramsE.length],
      'variational.adam': [s.optimizerH!.moments!.length], 'variational.params': [s.paramsH!.length],
      replay: [10, 8], 'sampler.chains': [6, 8],
    });
    const damaged = encodeTrainerCheckpoint(s);
    damaged[damaged.length - 1] ^= 0x01;
    writeFileSync(join(dir, 'damaged.febm'), damaged);
    const bad = spawnSync(python(), [join(MODULE_DIR, 'febm_gpu.py'), join(dir, 'damaged.febm')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/CRC-32 [0-9a-f]{8} of the file, the header says [0-9a-f]{8}: the file is damaged \(at byte 35\)/);
  });
});
