// A trainer checkpoint made directly (no training) for the sample command's
// tests: E an MLP with seeded weights, a replay buffer whose rows say when
// they were written, and the sampler settings under test. With `classes` > 0
// a class-conditional model: the last `classes` values of replay row r are
// the one-hot label r % classes.
import { initParams, paramLayout } from '../../src/mlp/params';
import { seededUniform } from '../../src/rng/random';
import { encodeTrainerCheckpoint, type TrainerSnapshot } from '../../src/trainer/checkpoint';
import { validateTrainerConfig, type TrainerSamplerSpec } from '../../src/trainer/config';

export function sampleSnapshot(sampler: TrainerSamplerSpec, dim = 2, capacity = 10, filled = 7, pos = 3, classes = 0): TrainerSnapshot {
  const config = validateTrainerConfig({
    mode: 'cd', classes, energy: { inputDim: dim, hidden: [8, 8], activation: 'silu' }, batch: 4, chains: 4, sampler,
    replay: { capacity, reuse: 0.95, initBox: [-2, 2] }, optimizerE: { kind: 'sgd', lr: 0.01 },
  });
  const u = seededUniform(9);
  const replay = new Float32Array(capacity * dim);
  // Row r holds r + a small offset in its first value, so tests can tell the rows apart.
  for (let r = 0; r < capacity; r++) for (let k = 0; k < dim - classes; k++) replay[r * dim + k] = k === 0 ? r / 10 : u() - 0.5;
  for (let r = 0; r < capacity && classes > 0; r++) replay[r * dim + dim - classes + (r % classes)] = 1;
  const chains = new Float32Array(4 * dim);
  for (let i = 0; i < 4 && classes > 0; i++) chains[i * dim + dim - classes + (i % classes)] = 1;
  return {
    config, iteration: 17, paramsE: initParams(paramLayout(config.energy), 3), paramsH: null,
    optimizerE: { step: 17, moments: null }, optimizerH: null, chains, samplerSteps: 85, proposed: 0,
    accepted: new Uint32Array(4), replay, replayFilled: filled, replayPos: pos, data: { rows: 10, dim, crc32: 0 },
  };
}

export const sampleCheckpoint = (s: TrainerSnapshot) => encodeTrainerCheckpoint(s);
