// Checkpoints: the trainer's full state in one binary file.
//
// FORMAT, VERSION 1 (the spec other tools read; all integers little-endian)
//
//   offset      size   content
//   ----------  -----  -------------------------------------------------------
//   0           8      magic: the ASCII bytes "FEBMCKPT"
//   8           4      u32 format version = 1
//   12          4      u32 H = length in bytes of the JSON header
//   16          H      the JSON header, UTF-8, no byte order mark
//   16 + H      P      zero bytes, P = (4 - (16 + H) % 4) % 4, so that
//                      D = 16 + H + P is a multiple of 4
//   D           B      the payload: float32 values, little-endian, IEEE 754,
//                      B = header.payloadBytes (a multiple of 4)
//   D + B              end of file (nothing may follow)
//
// The JSON header is one object whose FIRST member is the checksum, so that it
// begins with exactly these 19 bytes, followed by 8 lowercase hex digits and '"':
//
//   {"checksum":"crc32:XXXXXXXX", ...
//
// The 8 digits (file offsets 35 to 42) are the CRC-32 (IEEE 802.3 / zlib /
// PNG: reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR
// 0xFFFFFFFF) of every byte of the file except those 8 digits, i.e. of bytes
// [0, 35) followed by bytes [43, end): it covers the magic, version, header
// length, every header field, the padding and the payload. In Python:
//   zlib.crc32(b[43:], zlib.crc32(b[:35])) == int(b[35:43], 16)
//
// The other members of the header (written in this order; readers must not
// depend on the order of members other than "checksum"):
//
//   "format"        "febm-gpu checkpoint"
//   "version"       1 (the same as the binary version field)
//   "iteration"     integer >= 0: training iterations completed
//   "rng"           {"seed": integer >= 0, "counter": integer >= 0}: the seed
//                   of the counter-based generator and the next unused counter
//   "config"        the trainer's configuration (any JSON value)
//   "meta"          optional object: further JSON state (e.g. optimiser step
//                   counts, a creation date); left out when empty
//   "payloadBytes"  B, the payload length in bytes
//   "arrays"        [{"name": string, "offset": integer, "length": integer}, ...]:
//                   named float32 arrays (parameters of E and H, optimiser
//                   moments, persistent chains / replay buffer, ...); offset
//                   and length count float32 values from the start of the
//                   payload (byte D + 4 * offset). Names are non-empty and
//                   unique. This encoder lays them out back to back in order.
//
// TRAINER CHECKPOINTS (Trainer.saveCheckpoint / Trainer.resume; written and
// read by src/trainer/checkpoint.ts). A trainer's file is a version-1 file whose
// members hold:
//
//   "iteration"     training iterations completed (< 2^32, the GPU's counter)
//   "rng"           {"seed": config.seed, "counter": iteration}: every Philox
//                   draw of the trainer is keyed by (seed, iteration) (data
//                   batch, restarts) or by (seed, sampler step) (Langevin)
//   "config"        the validated trainer configuration (src/trainer/config.ts)
//                   with every default filled in and replay.initBox resolved
//                   (the data's range when it was not given); a custom
//                   divergence keeps only {"name": "custom", "custom": {"wgsl"}}
//                   and its f, f', f'' must be passed again to resume
//   "meta"          {"trainer": {
//                     "layout": 1,                 the version of this list
//                     "optimizerSteps": {"energy": t_E, "variational": t_H},
//                                                  steps each optimiser took
//                                                  (no "variational" in CD mode)
//                     "sampler": {"steps": s, "proposed": p, "accepted": [...]},
//                                                  Langevin steps taken (the Philox
//                                                  step of the next one); MALA
//                                                  proposals per chain and accepted
//                                                  per chain since the last metrics
//                                                  point (both left out when all zero)
//                     "replay": {"filled": f, "pos": r},  rows of the replay buffer
//                                                  holding samples, next row written
//                     "data": {"rows", "dim", "crc32"},   the training data's size and
//                                                  the CRC-32 of its float32 bytes
//                     "extra": {...}               optional: the caller's own JSON
//                   }}
//   "arrays" (float32; sizes from src/mlp/params.ts's packed layout, P_E and P_H
//   the packed parameter counts of E and H, K = chains, C = replay.capacity,
//   d = energy.inputDim):
//     energy.params       [P_E]      E's parameters
//     variational.params  [P_H]      H's parameters (f-EBM mode only)
//     energy.adam         [2 P_E]    E's Adam moments m then v (Adam only)
//     variational.adam    [2 P_H]    H's Adam moments m then v (f-EBM with Adam only)
//     sampler.chains      [K d]      the chains, row-major [chain][coordinate]
//     replay              [C d]      the replay buffer, row-major (rows >= filled unused)
//   No other array may appear. A checkpoint is taken between iterations, when
//   the parameters equal the last good ones (a pending NaN/inf is refused), so
//   no separate copy of the last good parameters is stored.
//
// A reader rejects, with a CheckpointError: wrong magic, another version, a
// file shorter than its fixed fields, header or payload say (truncated) or
// longer (trailing bytes), a header that is not UTF-8 JSON of the shape above,
// a checksum mismatch, and arrays that fall outside the payload. Arrays come
// back bit-identical (NaN payloads included), the JSON values equal.

import { ConfigError, FebmError } from '../errors';
import { integer } from '../validate';

export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_MAGIC = 'FEBMCKPT';
export const CHECKPOINT_FORMAT = 'febm-gpu checkpoint';

/** The bytes the JSON header starts with; the 8 checksum digits follow. */
const CHECKSUM_PREFIX = '{"checksum":"crc32:';
const FIXED = 16;
const DIGITS_AT = FIXED + CHECKSUM_PREFIX.length; // 35
const DIGITS_END = DIGITS_AT + 8; // 43

export type CheckpointErrorKind = 'magic' | 'version' | 'truncated' | 'header' | 'checksum' | 'layout';

/** A checkpoint that cannot be read: damaged, not a checkpoint, or another version. */
export class CheckpointError extends FebmError {
  constructor(readonly kind: CheckpointErrorKind, message: string) {
    super(message);
  }
}

export interface CheckpointState<C = unknown> {
  /** The trainer's configuration: any JSON value (no NaN, Infinity, functions...). */
  config: C;
  /** Training iterations completed. */
  iteration: number;
  /** The counter-based generator's seed and next unused counter. */
  rng: { seed: number; counter: number };
  /** Named float32 arrays: parameters, optimiser moments, chains, ... */
  arrays: Record<string, Float32Array>;
  /** Further JSON state (e.g. Adam step counts). */
  meta?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// CRC-32

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (IEEE, as zlib.crc32) of `bytes`; pass a previous result as `crc` to
 * continue over a further piece.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Throws ConfigError unless `v` is written to JSON and read back unchanged. */
function checkJson(v: unknown, path: string, seen: Set<object>): void {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ConfigError(path, `${v} cannot be written in JSON`);
    return;
  }
  if (Array.isArray(v)) {
    if (seen.has(v)) throw new ConfigError(path, 'is a cycle');
    seen.add(v);
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) throw new ConfigError(`${path}[${i}]`, 'undefined cannot be written in JSON');
      checkJson(v[i], `${path}[${i}]`, seen);
    }
    seen.delete(v);
    return;
  }
  if (isPlainObject(v)) {
    if (seen.has(v)) throw new ConfigError(path, 'is a cycle');
    seen.add(v);
    // Undefined members are left out, as JSON.stringify does.
    for (const [k, x] of Object.entries(v)) if (x !== undefined) checkJson(x, `${path}.${k}`, seen);
    seen.delete(v);
    return;
  }
  const what = ArrayBuffer.isView(v) ? 'a typed array (store it under arrays)' : typeof v === 'object' ? 'not a plain object' : `a ${typeof v}`;
  throw new ConfigError(path, `${what} cannot be written in JSON`);
}

function checkCount(field: string, v: unknown): number {
  return integer(field, v, 0, Number.MAX_SAFE_INTEGER, { hiText: '2^53 - 1' });
}

/** Bytes of `a` as little-endian float32s. */
function leBytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < bits.length; i++) dv.setUint32(4 * i, bits[i], true);
  return out;
}

/** Encodes a trainer state as a version-1 checkpoint (see the top of this file). */
export function encodeCheckpoint(state: CheckpointState): Uint8Array {
  if (state === null || typeof state !== 'object') throw new ConfigError('state', 'must be an object');
  checkJson(state.config, 'config', new Set());
  const iteration = checkCount('iteration', state.iteration);
  if (state.rng === null || typeof state.rng !== 'object') throw new ConfigError('rng', 'must be {seed, counter}');
  const seed = checkCount('rng.seed', state.rng.seed);
  const counter = checkCount('rng.counter', state.rng.counter);
  if (state.meta !== undefined) {
    if (!isPlainObject(state.meta)) throw new ConfigError('meta', 'must be a plain object');
    checkJson(state.meta, 'meta', new Set());
  }
  if (!isPlainObject(state.arrays)) throw new ConfigError('arrays', 'must be an object of named Float32Arrays');

  const entries = Object.entries(state.arrays);
  const arrays: { name: string; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, a] of entries) {
    if (name === '') throw new ConfigError('arrays', 'names must be non-empty');
    if (!(a instanceof Float32Array)) throw new ConfigError(`arrays.${name}`, 'must be a Float32Array');
    arrays.push({ name, offset, length: a.length });
    offset += a.length;
  }
  const payloadBytes = offset * 4;

  const header: Record<string, unknown> = {
    checksum: 'crc32:00000000',
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    iteration,
    rng: { seed, counter },
    config: state.config,
  };
  if (state.meta !== undefined && Object.keys(state.meta).length > 0) header.meta = state.meta;
  header.payloadBytes = payloadBytes;
  header.arrays = arrays;
  const json = new TextEncoder().encode(JSON.stringify(header));

  const dataStart = Math.ceil((FIXED + json.length) / 4) * 4;
  const out = new Uint8Array(dataStart + payloadBytes);
  for (let i = 0; i < 8; i++) out[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, FIXED);
  for (const { name, offset: o } of arrays) out.set(leBytes(state.arrays[name]), dataStart + 4 * o);

  const crc = crc32(out.subarray(DIGITS_END), crc32(out.subarray(0, DIGITS_AT)));
  const hex = crc.toString(16).padStart(8, '0');
  for (let i = 0; i < 8; i++) out[DIGITS_AT + i] = hex.charCodeAt(i);
  return out;
}

function fail(kind: CheckpointErrorKind, message: string): never {
  throw new CheckpointError(kind, message);
}

function headerCount(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fail('header', `damaged header: ${field} must be an integer >= 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Decodes a checkpoint, checking everything the format allows (see the top of this file). */
export function decodeCheckpoint<C = unknown>(input: Uint8Array | ArrayBuffer): CheckpointState<C> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const len = bytes.length;
  for (let i = 0; i < Math.min(8, len); i++) {
    if (bytes[i] !== CHECKPOINT_MAGIC.charCodeAt(i)) {
      fail('magic', `not a febm-gpu checkpoint: the file does not start with '${CHECKPOINT_MAGIC}'`);
    }
  }
  if (len < FIXED) fail('truncated', `truncated checkpoint: ${len} bytes, the fixed fields alone take ${FIXED}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) {
    fail('version', `checkpoint format version ${version} is not supported by this build (version ${CHECKPOINT_VERSION})`);
  }
  const headerLength = dv.getUint32(12, true);
  if (FIXED + headerLength > len) {
    fail('truncated', `truncated checkpoint: ${len} bytes, the ${headerLength}-byte header alone needs ${FIXED + headerLength}`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(FIXED, FIXED + headerLength));
  } catch {
    fail('header', 'damaged checkpoint: the header is not valid UTF-8');
  }
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch (e) {
    fail('header', `damaged checkpoint: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(h)) fail('header', 'damaged checkpoint: the header is not a JSON object');
  if (!text.startsWith(CHECKSUM_PREFIX) || !/^crc32:[0-9a-f]{8}$/.test(String(h.checksum)) || text[DIGITS_END - FIXED] !== '"') {
    fail('header', `damaged checkpoint: the header does not start with ${CHECKSUM_PREFIX} and 8 lowercase hex digits`);
  }
  const payloadBytes = headerCount('payloadBytes', h.payloadBytes);
  if (payloadBytes % 4 !== 0) fail('header', `damaged header: payloadBytes ${payloadBytes} is not a multiple of 4`);
  const dataStart = Math.ceil((FIXED + headerLength) / 4) * 4;
  if (len < dataStart + payloadBytes) {
    fail('truncated', `truncated checkpoint: ${len} bytes, the header declares ${dataStart + payloadBytes}`);
  }
  if (len > dataStart + payloadBytes) {
    fail('layout', `damaged checkpoint: ${len - dataStart - payloadBytes} unexpected bytes after the payload`);
  }

  const stored = parseInt(text.slice(DIGITS_AT - FIXED, DIGITS_END - FIXED), 16) >>> 0;
  const computed = crc32(bytes.subarray(DIGITS_END), crc32(bytes.subarray(0, DIGITS_AT)));
  if (stored !== computed) {
    const hex = (x: number) => x.toString(16).padStart(8, '0');
    fail('checksum', `damaged checkpoint: checksum mismatch (stored crc32 ${hex(stored)}, computed ${hex(computed)})`);
  }

  // The checksum holds: the rest is checked against hand-made or foreign files.
  if (h.format !== CHECKPOINT_FORMAT) fail('header', `damaged header: format must be "${CHECKPOINT_FORMAT}", got ${JSON.stringify(h.format)}`);
  if (h.version !== CHECKPOINT_VERSION) {
    fail('header', `damaged header: version ${JSON.stringify(h.version)} differs from the binary version ${CHECKPOINT_VERSION}`);
  }
  const iteration = headerCount('iteration', h.iteration);
  const rng = h.rng;
  if (!isPlainObject(rng)) fail('header', 'damaged header: rng must be {"seed", "counter"}');
  const seed = headerCount('rng.seed', rng.seed);
  const counter = headerCount('rng.counter', rng.counter);
  if (!('config' in h)) fail('header', 'damaged header: no config');
  if (h.meta !== undefined && !isPlainObject(h.meta)) fail('header', 'damaged header: meta must be an object');
  if (!Array.isArray(h.arrays)) fail('header', 'damaged header: arrays must be a list');

  const values = payloadBytes / 4;
  const arrays: Record<string, Float32Array> = {};
  const names = new Set<string>();
  for (let i = 0; i < h.arrays.length; i++) {
    const e: unknown = h.arrays[i];
    if (!isPlainObject(e) || typeof e.name !== 'string' || e.name === '') {
      fail('header', `damaged header: arrays[${i}] must be {"name", "offset", "length"} with a non-empty name`);
    }
    if (names.has(e.name)) fail('header', `damaged header: two arrays are named ${JSON.stringify(e.name)}`);
    names.add(e.name);
    const offset = headerCount(`arrays[${i}].offset`, e.offset);
    const length = headerCount(`arrays[${i}].length`, e.length);
    if (offset + length > values) {
      fail('layout', `damaged checkpoint: array ${JSON.stringify(e.name)} (values ${offset} to ${offset + length}) runs past the payload of ${values} values`);
    }
    const a = new Float32Array(length);
    const src = bytes.subarray(dataStart + 4 * offset, dataStart + 4 * (offset + length));
    if (LITTLE_ENDIAN) {
      new Uint8Array(a.buffer).set(src);
    } else {
      const bits = new Uint32Array(a.buffer);
      for (let k = 0; k < length; k++) bits[k] = dv.getUint32(dataStart + 4 * (offset + k), true);
    }
    Object.defineProperty(arrays, e.name, { value: a, enumerable: true, writable: true, configurable: true });
  }

  const state: CheckpointState<C> = { config: h.config as C, iteration, rng: { seed, counter }, arrays };
  if (h.meta !== undefined) state.meta = h.meta as Record<string, unknown>;
  return state;
}
