// Save and Load through the trainer's checkpoint API: trainer.saveCheckpoint()
// and Trainer.resume(gpu, bytes, data) (the format of src/checkpoint.ts).

import { FebmError, Trainer, type Gpu } from '../src/index';

interface CheckpointApi {
  saveCheckpoint?: () => Promise<Uint8Array>;
}
type Resume = (gpu: Gpu, bytes: Uint8Array, data: Float32Array) => Promise<Trainer>;

const missing = (name: string) => new FebmError(`this build of the library has no ${name}: checkpoints need the trainer's checkpoint API`);

export function saveCheckpoint(trainer: Trainer): Promise<Uint8Array> {
  const save = (trainer as unknown as CheckpointApi).saveCheckpoint;
  if (typeof save !== 'function') throw missing('trainer.saveCheckpoint()');
  return save.call(trainer);
}

export function resumeTrainer(gpu: Gpu, bytes: Uint8Array, data: Float32Array): Promise<Trainer> {
  const resume = (Trainer as unknown as { resume?: Resume }).resume;
  if (typeof resume !== 'function') throw missing('Trainer.resume()');
  return resume.call(Trainer, gpu, bytes, data);
}
