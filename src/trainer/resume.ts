// A trainer's state to and from a checkpoint (src/trainer/checkpoint.ts):
// parameters, optimiser moments and steps, chains, the sampler's and the
// trainer's counters and the replay buffer, so that a resumed run goes on bit
// for bit as the uninterrupted one. Trainer.saveCheckpoint and Trainer.resume
// are the entry points; these functions do the reading and writing.

import type { Gpu } from '../device/device';
import { ConfigError, FebmError } from '../errors';
import { paramLayout } from '../mlp/params';
import { dataFingerprint, type DataFingerprint, type TrainerSnapshot } from './checkpoint';
import type { ValidTrainerConfig } from './config';
import { trainerRows, type TrainerData } from './data';
import { TRAINER_COUNTER, TRAINER_COUNTER_WORDS } from './layout';
import { SAMPLER_COUNTER } from '../sampler/sampler';
import type { TrainerBuffers, TrainerParts } from './resources';

/**
 * The data must fit the checkpoint's configuration (rows of its dimension;
 * labels for a conditional model) and, unless allowOtherData, be the
 * checkpoint's data: the networks' rows, labels included, by count and CRC-32.
 */
export function checkResumeData(s: TrainerSnapshot, data: TrainerData, allowOtherData: boolean): void {
  let rows: Float32Array;
  try {
    rows = trainerRows(data, s.config).rows;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.field, `${e.message.slice(e.field.length + 2)} (the checkpoint's model: energy.inputDim ${s.config.energy.inputDim}, classes ${s.config.classes}; trained on ${s.data.rows} rows)`);
  }
  if (allowOtherData) return;
  const f = dataFingerprint(rows, s.config.energy.inputDim);
  if (f.rows !== s.data.rows || f.crc32 !== s.data.crc32) {
    const hex = (x: number) => x.toString(16).padStart(8, '0');
    throw new ConfigError(
      'data',
      `differs from the checkpoint's data (${s.data.rows} rows of ${s.data.dim}, crc32 ${hex(s.data.crc32)}; ` +
        `given ${f.rows} rows, crc32 ${hex(f.crc32)}): resuming goes on with the same data (options.allowOtherData to change it)`,
    );
  }
}

/** Writes a snapshot's state into a freshly created trainer's buffers and parts (its parameters were given at creation). */
export function restoreSnapshot(gpu: Gpu, s: TrainerSnapshot, b: TrainerBuffers, parts: TrainerParts): void {
  parts.optE.restore(s.optimizerE);
  if (parts.optH && s.optimizerH) parts.optH.restore(s.optimizerH);
  const L = SAMPLER_COUNTER;
  const words = new Uint32Array(L.accepted + s.config.chains);
  words[L.steps] = s.samplerSteps;
  words[L.proposed] = s.proposed;
  words.set(s.accepted, L.accepted);
  parts.sampler.restore(s.chains, words);
  gpu.write(b.replay, s.replay);
  const C = TRAINER_COUNTER;
  const counters = new Uint32Array(TRAINER_COUNTER_WORDS);
  counters[C.iter] = s.iteration;
  counters[C.filled] = s.replayFilled;
  counters[C.pos] = s.replayPos;
  gpu.write(b.counters, counters);
}

/** Reads a trainer's whole state (a few round trips); refuses while a non-finite value is pending. */
export async function readSnapshot(
  gpu: Gpu,
  c: ValidTrainerConfig,
  b: TrainerBuffers,
  parts: TrainerParts,
  data: DataFingerprint,
  extra?: Record<string, unknown>,
): Promise<TrainerSnapshot> {
  const C = TRAINER_COUNTER;
  const L = SAMPLER_COUNTER;
  const words = new Uint32Array(await gpu.read(b.counters, TRAINER_COUNTER_WORDS * 4));
  if (words[C.badIter] !== 0) throw new FebmError('saveCheckpoint: a non-finite value is pending; run() reports and clears it first');
  const paramsE = await gpu.readF32(b.thetaE, paramLayout(c.energy).size);
  const paramsH = c.variational ? await gpu.readF32(b.thetaH, paramLayout(c.variational).size) : null;
  const optimizerE = await parts.optE.readState();
  const optimizerH = parts.optH ? await parts.optH.readState() : null;
  const chains = await parts.sampler.readSamples();
  const sampler = await parts.sampler.readCounters();
  const replay = await gpu.readF32(b.replay, c.replay.capacity * c.energy.inputDim);
  return {
    config: c, iteration: words[C.iter], paramsE, paramsH, optimizerE, optimizerH, chains,
    samplerSteps: sampler[L.steps], proposed: sampler[L.proposed], accepted: sampler.slice(L.accepted),
    replay, replayFilled: words[C.filled], replayPos: words[C.pos], data, ...(extra !== undefined ? { extra } : {}),
  };
}
