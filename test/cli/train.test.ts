// The train command's Node side without a GPU (cli/train.ts): the
// command line, the config file (defaults, merging, every field named in its
// error), data loading, the progress line, the pictures' box (the pictures
// themselves: test/picture/picture.test.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateToy } from '../../src/data/toy';
import { sampleCheckpoint, sampleSnapshot } from './sample-fixture';
import {
  DEFAULT_TRAIN_CONFIG, formatDuration, loadTrainData, parseTrainArgs, prepareTraining, progressLine, resolveRun, resolveTrainer, splitConfig,
  squareBox, type TrainRun,
} from '../../cli/train';
import { fieldOf } from '../support/config-error';

describe('train: command line', () => {
  it('defaults: no config file; the output folder is decided later (out/train, or the checkpoint\'s)', () => {
    expect(parseTrainArgs([])).toEqual({});
  });
  it('a config file, --out, --resume, --iterations and the checkpoint options in any order, also as --flag=value', () => {
    expect(parseTrainArgs(['--iterations', '500', 'c.json', '--resume', 'a/checkpoint.febm', '--out=x', '--checkpoint-minutes', '0.5', '--checkpoint-every', '100'])).toEqual({
      config: 'c.json', out: 'x', resume: 'a/checkpoint.febm', iterations: 500, checkpointMinutes: 0.5, checkpointEvery: 100,
    });
  });
  it('refuses bad arguments naming them', () => {
    expect(fieldOf(() => parseTrainArgs(['--fast']))).toBe('--fast');
    expect(fieldOf(() => parseTrainArgs(['--out']))).toBe('--out');
    expect(fieldOf(() => parseTrainArgs(['--out', '--resume', 'x']))).toBe('--out');
    expect(fieldOf(() => parseTrainArgs(['--out', '']))).toBe('--out');
    expect(fieldOf(() => parseTrainArgs(['--iterations', '1.5']))).toBe('--iterations');
    expect(fieldOf(() => parseTrainArgs(['--iterations', '0']))).toBe('--iterations');
    expect(fieldOf(() => parseTrainArgs(['--iterations', 'many']))).toBe('--iterations');
    expect(fieldOf(() => parseTrainArgs(['--checkpoint-minutes', '-1']))).toBe('--checkpoint-minutes');
    expect(fieldOf(() => parseTrainArgs(['--checkpoint-every', '2.5']))).toBe('--checkpoint-every');
    expect(fieldOf(() => parseTrainArgs(['a.json', 'b.json']))).toBe('config');
  });
  it('--host chooses where the trainer runs: chromium or node, nothing else', () => {
    expect(parseTrainArgs(['--host', 'node'])).toEqual({ host: 'node' });
    expect(parseTrainArgs(['--host=chromium']).host).toBe('chromium');
    expect(fieldOf(() => parseTrainArgs(['--host', 'firefox']))).toBe('--host');
  });
  it('an unknown option is refused with the list of options', () => {
    expect(() => parseTrainArgs(['--fast'])).toThrow(/--fast: unknown option \(options: --out DIR, --resume CHECKPOINT, --iterations N, --checkpoint-minutes M, --checkpoint-every N, --host chromium\|node, --help\)/);
  });
});

const BASE_RUN: TrainRun = { data: { toy: '8gaussians', count: 100, seed: 0 }, iterations: 10, checkpointMinutes: 5, checkpointEvery: 0, picture: { size: 32, scale: 1, box: null } };

describe('train: config file', () => {
  it('splits run fields from trainer fields', () => {
    expect(splitConfig({ batch: 3, data: { toy: 'rings' }, iterations: 5, picture: null, checkpointEvery: 2, checkpointMinutes: 1 })).toEqual({
      run: { data: { toy: 'rings' }, iterations: 5, picture: null, checkpointEvery: 2, checkpointMinutes: 1 },
      trainer: { batch: 3 },
    });
    expect(fieldOf(() => splitConfig([1, 2]))).toBe('config');
  });

  it('the default: Jensen-Shannon on 8 Gaussians, valid as it is', () => {
    const c = resolveTrainer({}, 2);
    expect(c).toMatchObject({ mode: 'fdiv', divergence: { name: 'jensen_shannon' }, batch: DEFAULT_TRAIN_CONFIG.batch, chains: DEFAULT_TRAIN_CONFIG.batch });
    const { run } = splitConfig(DEFAULT_TRAIN_CONFIG);
    expect(resolveRun(run, BASE_RUN)).toEqual({
      data: { toy: '8gaussians', count: 20000, seed: 0 }, iterations: DEFAULT_TRAIN_CONFIG.iterations, checkpointMinutes: 5, checkpointEvery: 0,
      picture: { size: DEFAULT_TRAIN_CONFIG.picture.size, scale: DEFAULT_TRAIN_CONFIG.picture.scale, box: null },
    });
  });

  it('fields merge over the default; cd drops the divergence and H; the networks take the data dimension', () => {
    expect(resolveTrainer({ divergence: { name: 'kl' }, batch: 32 }, 2)).toMatchObject({ divergence: { name: 'kl' }, batch: 32, chains: 32 });
    const cd = resolveTrainer({ mode: 'cd' }, 2);
    expect(cd).toMatchObject({ mode: 'cd', divergence: null, variational: null, optimizerH: null });
    const five = resolveTrainer({}, 5);
    expect(five.energy.inputDim).toBe(5);
    expect(five.variational!.inputDim).toBe(5);
    // A user's E is H's default too (as in the trainer).
    const e = { inputDim: 2, hidden: [8], activation: 'tanh' };
    expect(resolveTrainer({ energy: e }, 2).variational).toEqual(e);
  });

  it('run fields: data, iterations, checkpointEvery, picture', () => {
    expect(resolveRun({ data: { toy: 'rings', count: 50 } }, BASE_RUN).data).toEqual({ toy: 'rings', count: 50, seed: 0 });
    expect(resolveRun({ data: { file: 'x.csv' } }, BASE_RUN, '/data').data).toEqual({ file: '/data/x.csv' });
    expect(resolveRun({ data: { file: '/abs/x.csv' } }, BASE_RUN, '/data').data).toEqual({ file: '/abs/x.csv' });
    expect(resolveRun({ picture: null }, BASE_RUN).picture).toBeNull();
    expect(resolveRun({ picture: { box: [-4, 4] } }, BASE_RUN).picture).toEqual({ size: 200, scale: 2, box: [-4, 4] });
    expect(resolveRun({ iterations: 7, checkpointEvery: 3, checkpointMinutes: 0.25 }, BASE_RUN)).toMatchObject({ iterations: 7, checkpointEvery: 3, checkpointMinutes: 0.25 });
  });

  it('refuses bad fields naming them', () => {
    const run = (json: Record<string, unknown>) => fieldOf(() => resolveRun(json, BASE_RUN));
    expect(run({ data: 'rings' })).toBe('data');
    expect(run({ data: { toy: '9gaussians' } })).toBe('data.toy');
    expect(run({ data: { toy: 'rings', count: 0 } })).toBe('data.count');
    expect(run({ data: { toy: 'rings', seed: -1 } })).toBe('data.seed');
    expect(run({ data: { toy: 'rings', n: 5 } })).toBe('data.n');
    expect(run({ data: { file: '' } })).toBe('data.file');
    expect(run({ data: { file: 'a.csv', toy: 'rings' } })).toBe('data.toy');
    expect(run({ iterations: 0 })).toBe('iterations');
    expect(run({ checkpointEvery: -1 })).toBe('checkpointEvery');
    expect(run({ checkpointMinutes: -1 })).toBe('checkpointMinutes');
    expect(run({ checkpointMinutes: '5' })).toBe('checkpointMinutes');
    expect(run({ picture: { size: 4 } })).toBe('picture.size');
    expect(run({ picture: { scale: 9 } })).toBe('picture.scale');
    expect(run({ picture: { box: [1, 1] } })).toBe('picture.box');
    expect(run({ picture: { colour: 'red' } })).toBe('picture.colour');
    const trainer = (json: Record<string, unknown>, dim = 2) => fieldOf(() => resolveTrainer(json, dim));
    expect(trainer({ batch: 0 })).toBe('batch');
    expect(trainer({ learningRate: 1 })).toBe('learningRate');
    expect(trainer({ sampler: { kind: 'hmc', steps: 1 } })).toBe('sampler.kind');
    expect(trainer({ divergence: { name: 'hellinger' } })).toBe('divergence.name');
    expect(trainer({ energy: { inputDim: 3, hidden: [8], activation: 'silu' } })).toBe('energy.inputDim');
    expect(trainer({ mode: 'cd', divergence: { name: 'kl' } })).toBe('divergence');
  });

  it('loads toy data and CSV/JSON files; a malformed file names the line', () => {
    expect(loadTrainData({ toy: '8gaussians', count: 10, seed: 3 })).toEqual({ data: generateToy('8gaussians', 10, 3), dim: 2, rows: 10 });
    const files: Record<string, string> = { 'a.csv': 'x,y,z\n1,2,3\n4,5,6\n', 'b.json': '[[1, 2], [3, 4], [5, 6]]', 'bad.csv': '1,2\n3\n' };
    const read = (p: string) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p];
    };
    expect(loadTrainData({ file: 'a.csv' }, read)).toMatchObject({ dim: 3, rows: 2 });
    expect(Array.from(loadTrainData({ file: 'b.json' }, read).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => loadTrainData({ file: 'bad.csv' }, read)).toThrow(/line 2: 1 value, expected 2/);
    expect(fieldOf(() => loadTrainData({ file: 'missing.csv' }, read))).toBe('data.file');
    expect(fieldOf(() => loadTrainData({ toy: '8gaussians', count: 2 ** 25, seed: 0 }))).toBe('data.count');
  });

  it('prepares a run from a config file, relative data paths from its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-train-'));
    writeFileSync(join(dir, 'points.csv'), '0,0\n1,1\n2,0\n');
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ data: { file: 'points.csv' }, iterations: 20, mode: 'cd' }));
    const p = prepareTraining([join(dir, 'run.json'), '--out', join(dir, 'out'), '--checkpoint-minutes', '0']);
    expect(p.out).toBe(join(dir, 'out'));
    expect(p.run.checkpointMinutes).toBe(0);
    expect(prepareTraining([join(dir, 'run.json')]).out).toBe(join('out', 'train'));
    expect(p.loaded).toMatchObject({ dim: 2, rows: 3 });
    expect(p.run.iterations).toBe(20);
    expect(p.config.mode).toBe('cd');
    writeFileSync(join(dir, 'broken.json'), '{"batch": ');
    expect(fieldOf(() => prepareTraining([join(dir, 'broken.json')]))).toBe('config');
    expect(fieldOf(() => prepareTraining([join(dir, 'absent.json')]))).toBe('config');
    expect(fieldOf(() => prepareTraining(['--resume', join(dir, 'absent.febm')]))).toBe('--resume');
    // A file that is not a checkpoint is a CheckpointError.
    expect(() => prepareTraining(['--resume', join(dir, 'points.csv')])).toThrow(/not a febm-gpu checkpoint/);
  });

  it('a class-conditional model: the networks take x and the one-hot label; the data must bring labels below classes', () => {
    const c = resolveTrainer({ classes: 3 }, 2);
    expect(c).toMatchObject({ classes: 3, energy: { inputDim: 5 }, variational: { inputDim: 5 } });
    expect(() => resolveTrainer({ classes: 3, energy: { inputDim: 4, hidden: [8], activation: 'silu' } }, 2)).toThrow(
      /energy.inputDim: must equal the data's dimension \+ classes = 2 \+ 3 = 5 .*, got 4/,
    );
    expect(fieldOf(() => resolveTrainer({ classes: -1 }, 2))).toBe('classes');
    const dir = mkdtempSync(join(tmpdir(), 'febm-train-'));
    writeFileSync(join(dir, 'points.csv'), '0,0\n1,1\n2,0\n');
    writeFileSync(join(dir, 'labels.csv'), '0\n2\n1\n');
    const write = (name: string, json: Record<string, unknown>) => (writeFileSync(join(dir, name), JSON.stringify(json)), join(dir, name));
    const p = prepareTraining([write('c.json', { data: { file: 'points.csv', labels: 'labels.csv' }, classes: 3, mode: 'cd' })]);
    expect(p.config).toMatchObject({ classes: 3, energy: { inputDim: 5 } });
    expect(Array.from(p.labels!)).toEqual([0, 2, 1]);
    // An unconditional model trains on x alone: the labels stay behind.
    expect(prepareTraining([write('u.json', { data: { file: 'points.csv', labels: 'labels.csv' }, mode: 'cd' })]).labels).toBeUndefined();
    expect(() => prepareTraining([write('n.json', { data: { file: 'points.csv' }, classes: 3, mode: 'cd' })])).toThrow(/data.labels: are required: the model is class-conditional \(classes = 3\)/);
    expect(() => prepareTraining([write('k.json', { data: { file: 'points.csv', labels: 'labels.csv' }, classes: 2, mode: 'cd' })])).toThrow(
      /classes: must exceed every label: the data's labels go up to 2, classes is 2/,
    );
  });

  it('resumes a class-conditional checkpoint with the labels of its data; rows of another width are refused', () => {
    // x of 2 values and 3 classes: the checkpoint's networks take 5.
    const s = sampleSnapshot({ kind: 'ula', steps: 5, eta: 0.01 }, 5, 10, 7, 3, 3);
    const dir = mkdtempSync(join(tmpdir(), 'febm-train-'));
    writeFileSync(join(dir, 'c.febm'), sampleCheckpoint(s));
    writeFileSync(join(dir, 'points.csv'), '0,0\n1,1\n2,0\n');
    writeFileSync(join(dir, 'wide.csv'), '0,0,0\n1,1,1\n2,0,2\n');
    writeFileSync(join(dir, 'labels.csv'), '0\n2\n1\n');
    const run = (name: string, data: Record<string, unknown>) => (writeFileSync(join(dir, name), JSON.stringify({ data, iterations: 30 })), join(dir, name));
    const p = prepareTraining([run('r.json', { file: 'points.csv', labels: 'labels.csv' }), '--resume', join(dir, 'c.febm')]);
    expect(p).toMatchObject({ startIteration: 17, config: { classes: 3, energy: { inputDim: 5 } } });
    expect(Array.from(p.labels!)).toEqual([0, 2, 1]);
    expect(() => prepareTraining([run('n.json', { file: 'points.csv' }), '--resume', join(dir, 'c.febm')])).toThrow(/data.labels: are required/);
    expect(() => prepareTraining([run('w.json', { file: 'wide.csv', labels: 'labels.csv' }), '--resume', join(dir, 'c.febm')])).toThrow(
      /data: rows have 3 values, but the checkpoint's model takes energy.inputDim - classes = 5 - 3 = 2/,
    );
  });

  it('the conditional digit preset: the mnist training split with its labels, 10 classes, E and H of 784 + 10 inputs', () => {
    const p = prepareTraining([join('experiments', 'digits', 'conditional.json')]);
    expect(p.loaded).toMatchObject({ dim: 784, rows: 8004, classes: 10 });
    expect(p.labels!.length).toBe(8004);
    expect(p.config).toMatchObject({ classes: 10, energy: { inputDim: 794 }, variational: { inputDim: 794 }, replay: { labels: 'batch' } });
    // Everything else as the unconditional preset.
    const u = prepareTraining([join('experiments', 'digits', 'preset.json')]);
    expect(u.labels).toBeUndefined();
    const strip = (c: typeof u.config) => ({ ...c, classes: 0, energy: { ...c.energy, inputDim: 0 }, variational: { ...c.variational!, inputDim: 0 } });
    expect(strip(p.config)).toEqual(strip(u.config));
    expect(p.run).toEqual(u.run);
  });

  it('prints a progress line with the bar, it/s, both objectives and the time left', () => {
    const line = progressLine({ iteration: 250, total: 1000, itPerSecond: 7.25, hObjective: -0.5, eObjective: -0.25, secondsLeft: 125 }, 20);
    expect(line).toBe('[#####---------------]  25% iteration 250/1000  7.3 it/s  L(H) -0.5000  L(E) -0.2500  2m05s left');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Infinity)).toBe('?');
  });
});

describe('train: pictures', () => {
  it("the pictures' box is the square around the data with a margin of 10% of its range", () => {
    expect(squareBox([0, 0, 10, 5], 0.1)).toEqual([-1, 11]);
    expect(squareBox([2, 2])).toEqual([1, 3]);
  });
});
