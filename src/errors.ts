// Typed errors: every failure a caller can act on has its own class and says
// which field, limit or step was wrong.

export class FebmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A configuration value outside its allowed range. */
export class ConfigError extends FebmError {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** The page has no `navigator.gpu` (browser without WebGPU, or WebGPU disabled). */
export class NoWebGpuError extends FebmError {}

/** `navigator.gpu` is hidden because the page is not a secure context. */
export class InsecureContextError extends FebmError {}

/** `requestAdapter()` returned null. */
export class NoAdapterError extends FebmError {}

/** The adapter offers less of a limit than the kernels need. */
export class LimitError extends FebmError {
  constructor(readonly limit: string, readonly needed: number, readonly available: number) {
    super(`the adapter's ${limit} is ${available}, but ${needed} is needed`);
  }
}

/**
 * The device was lost (driver reset, `destroy()`, tab in background too long...).
 * From a training run, `lastGoodIteration` names the iteration whose
 * parameters the trainer kept on the host (trainer.lastGoodParams).
 */
export class DeviceLostError extends FebmError {
  constructor(readonly reason: string, readonly detail: string, readonly lastGoodIteration: number | null = null) {
    super(`the GPU device was lost (${reason})${detail ? `: ${detail}` : ''}`);
  }
}

/** A WebGPU validation, out-of-memory or internal error reported by the device. */
export class GpuError extends FebmError {
  constructor(readonly kind: 'validation' | 'out-of-memory' | 'internal', message: string) {
    super(`GPU ${kind} error: ${message}`);
  }
}

/** A shader failed to compile, with the compiler's messages. */
export class ShaderCompileError extends FebmError {}
