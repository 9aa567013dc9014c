// The binary checkpoint format (src/checkpoint/format.ts): exact round trips, the
// documented layout, and rejection of every kind of damage.

import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION,
  CheckpointError,
  crc32,
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointState,
} from '../../src/checkpoint/format';
import { ConfigError, FebmError } from '../../src/errors';
import { seededNormal } from '../../src/rng/random';

function randomArray(n: number, seed: number): Float32Array {
  const z = seededNormal(seed);
  return Float32Array.from({ length: n }, () => z());
}

function sampleState(): CheckpointState {
  // Awkward values: signed zero, subnormals, extremes, NaN with a payload.
  const odd = new Float32Array(9);
  new Uint32Array(odd.buffer).set([0x80000000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x7fc00000, 0x7fa12345, 0xffc00001, 0x7f800000]);
  return {
    config: {
      divergence: { name: 'jensen_shannon' },
      energy: { inputDim: 2, hidden: [128, 128], activation: 'silu' },
      optimiser: { name: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 },
      data: { source: '8gaussians', n: 4096 },
      label: 'unicode: \u00e9\u4e2d\ud83d\ude00 "quoted" \\ back',
      nothing: null,
      flags: [true, false],
    },
    iteration: 12345,
    rng: { seed: 2 ** 40 + 7, counter: 987654321 },
    arrays: {
      'E.params': randomArray(1037, 1),
      'H.params': randomArray(1041, 2),
      'E.adam.m': randomArray(1037, 3),
      'E.adam.v': randomArray(1037, 4).map(Math.abs),
      chains: randomArray(2 * 1024, 5),
      empty: new Float32Array(0),
      odd,
    },
    meta: { adamStep: { E: 12345, H: 12345 }, createdAt: '2026-11-25T00:00:00Z' },
  };
}

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

function expectSameState(got: CheckpointState, want: CheckpointState): void {
  expect(got.config).toEqual(want.config);
  expect(got.iteration).toBe(want.iteration);
  expect(got.rng).toEqual(want.rng);
  expect(got.meta).toEqual(want.meta);
  expect(Object.keys(got.arrays)).toEqual(Object.keys(want.arrays));
  for (const [name, a] of Object.entries(want.arrays)) {
    expect(got.arrays[name]).toBeInstanceOf(Float32Array);
    expect(got.arrays[name].length).toBe(a.length);
    // Bit-identical (toEqual would call NaN equal to any NaN).
    const g = bitsOf(got.arrays[name]);
    const w = bitsOf(a);
    let diff = -1;
    for (let i = 0; i < w.length && diff < 0; i++) if (g[i] !== w[i]) diff = i;
    expect(diff).toBe(-1);
  }
}

function checkpointError(f: () => unknown): CheckpointError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e).toBeInstanceOf(FebmError);
    return e as CheckpointError;
  }
  throw new Error('did not throw');
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

describe('checkpoint format', () => {
  it('CRC-32 is the IEEE / zlib one', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(crc32(b)).toBe(zlibCrc32(b));
    expect(crc32(b.subarray(300), crc32(b.subarray(0, 300)))).toBe(zlibCrc32(b));
  });

  it('round-trips exactly: bit-identical arrays, equal JSON', () => {
    const state = sampleState();
    const bytes = encodeCheckpoint(state);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expectSameState(decodeCheckpoint(bytes), state);
    // From an ArrayBuffer, and from a view at an odd offset.
    expectSameState(decodeCheckpoint(bytes.slice().buffer), state);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expectSameState(decodeCheckpoint(shifted.subarray(3)), state);
    // Encoding is deterministic, and re-encoding the decoded state gives the same bytes.
    expect(Buffer.from(encodeCheckpoint(state)).equals(bytes)).toBe(true);
    expect(Buffer.from(encodeCheckpoint(decodeCheckpoint(bytes))).equals(bytes)).toBe(true);
  });

  it('round-trips a minimal state, and arrays from views of larger buffers', () => {
    const big = randomArray(100, 9);
    const state: CheckpointState = { config: 'plain', iteration: 0, rng: { seed: 0, counter: 0 }, arrays: { w: big.subarray(3, 10) } };
    const got = decodeCheckpoint(encodeCheckpoint(state));
    expectSameState(got, state);
    expect(got.meta).toBeUndefined();
    expect(got.arrays.w.buffer.byteLength).toBe(28);
    expectSameState(decodeCheckpoint(encodeCheckpoint({ ...state, arrays: {} })), { ...state, arrays: {} });
  });

  it('follows the documented layout', () => {
    const state = sampleState();
    const b = encodeCheckpoint(state);
    expect(new TextDecoder().decode(b.subarray(0, 8))).toBe('FEBMCKPT');
    expect(u32(b, 8)).toBe(CHECKPOINT_VERSION);
    expect(CHECKPOINT_VERSION).toBe(1);
    const H = u32(b, 12);
    const text = new TextDecoder().decode(b.subarray(16, 16 + H));
    expect(text.startsWith('{"checksum":"crc32:')).toBe(true);
    const header = JSON.parse(text);
    expect(header.format).toBe('febm-gpu checkpoint');
    expect(header.version).toBe(1);
    expect(header.iteration).toBe(12345);
    expect(header.rng).toEqual(state.rng);
    expect(header.config).toEqual(state.config);
    const D = Math.ceil((16 + H) / 4) * 4;
    for (let i = 16 + H; i < D; i++) expect(b[i]).toBe(0);
    expect(b.length).toBe(D + header.payloadBytes);
    // Checksum: zlib's CRC-32 of the file without the 8 digits at 35..42.
    expect(header.checksum).toBe(`crc32:${zlibCrc32(b.subarray(43), zlibCrc32(b.subarray(0, 35))).toString(16).padStart(8, '0')}`);
    // Arrays: back to back, offsets and lengths in float32 values, little-endian.
    let offset = 0;
    const dv = new DataView(b.buffer, b.byteOffset);
    for (const e of header.arrays) {
      expect(e.offset).toBe(offset);
      const a = state.arrays[e.name];
      expect(e.length).toBe(a.length);
      for (let k = 0; k < a.length; k += 97) expect(dv.getUint32(D + 4 * (offset + k), true)).toBe(bitsOf(a)[k]);
      offset += e.length;
    }
    expect(header.payloadBytes).toBe(4 * offset);
  });

  it('rejects a flipped bit anywhere in the file', () => {
    const state: CheckpointState = {
      config: { divergence: 'kl', lr: 1e-3 },
      iteration: 10,
      rng: { seed: 1, counter: 20 },
      arrays: { a: randomArray(10, 1), b: randomArray(3, 2) },
      meta: { step: 10 },
    };
    const good = encodeCheckpoint(state);
    expect(decodeCheckpoint(good).iteration).toBe(10);
    const kinds = new Set<string>();
    for (let i = 0; i < good.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = good.slice();
        bad[i] ^= 1 << bit;
        kinds.add(checkpointError(() => decodeCheckpoint(bad)).kind);
      }
    }
    // 'layout': a flipped digit of payloadBytes leaves bytes after the payload.
    expect([...kinds].sort()).toEqual(['checksum', 'header', 'layout', 'magic', 'truncated', 'version']);
  });

  it('rejects one flipped payload byte as a checksum mismatch', () => {
    const good = encodeCheckpoint(sampleState());
    const bad = good.slice();
    bad[bad.length - 100] ^= 0x40;
    const e = checkpointError(() => decodeCheckpoint(bad));
    expect(e.kind).toBe('checksum');
    expect(e.message).toMatch(/^damaged checkpoint: checksum mismatch \(stored crc32 [0-9a-f]{8}, computed [0-9a-f]{8}\)$/);
  });

  it('rejects a changed config value, even as valid JSON', () => {
    const good = encodeCheckpoint(sampleState());
    const text = new TextDecoder().decode(good);
    const at = text.indexOf('"lr":0.001') + 9;
    const bad = good.slice();
    bad[at] = '2'.charCodeAt(0);
    expect(checkpointError(() => decodeCheckpoint(bad)).kind).toBe('checksum');
  });

  it('rejects every truncation, and trailing bytes', () => {
    const good = encodeCheckpoint({ config: {}, iteration: 1, rng: { seed: 1, counter: 2 }, arrays: { w: randomArray(20, 1) } });
    for (let n = 0; n < good.length; n++) {
      const e = checkpointError(() => decodeCheckpoint(good.subarray(0, n)));
      expect(e.kind).toBe('truncated');
      expect(e.message).toMatch(/^truncated checkpoint: \d+ bytes/);
    }
    expect(checkpointError(() => decodeCheckpoint(good.subarray(0, good.length - 4))).message).toBe(
      `truncated checkpoint: ${good.length - 4} bytes, the header declares ${good.length}`,
    );
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(checkpointError(() => decodeCheckpoint(longer)).message).toBe('damaged checkpoint: 4 unexpected bytes after the payload');
  });

  it('rejects wrong magic', () => {
    const good = encodeCheckpoint(sampleState());
    const bad = good.slice();
    bad.set(new TextEncoder().encode('PK\x03\x04'), 0);
    const e = checkpointError(() => decodeCheckpoint(bad));
    expect(e.kind).toBe('magic');
    expect(e.message).toBe("not a febm-gpu checkpoint: the file does not start with 'FEBMCKPT'");
    expect(checkpointError(() => decodeCheckpoint(new TextEncoder().encode('{"config": 1}'))).kind).toBe('magic');
    expect(checkpointError(() => decodeCheckpoint(new Uint8Array(0))).kind).toBe('truncated');
  });

  it('rejects another version before reading anything else', () => {
    const bad = encodeCheckpoint(sampleState()).slice();
    new DataView(bad.buffer).setUint32(8, 2, true);
    const e = checkpointError(() => decodeCheckpoint(bad));
    expect(e.kind).toBe('version');
    expect(e.message).toBe('checkpoint format version 2 is not supported by this build (version 1)');
    // Even if the rest would not parse as version 1.
    const v2 = new Uint8Array(20);
    v2.set(new TextEncoder().encode('FEBMCKPT'));
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(checkpointError(() => decodeCheckpoint(v2)).kind).toBe('version');
  });

  it('rejects a header that is not JSON, and bad arrays in a well-checksummed file', () => {
    const good = encodeCheckpoint(sampleState());
    const bad = good.slice();
    bad[16] = '['.charCodeAt(0);
    expect(checkpointError(() => decodeCheckpoint(bad)).message).toMatch(/^damaged checkpoint: the header is not valid JSON/);

    // Hand-made files with a correct checksum but an impossible layout.
    const forge = (edit: (h: Record<string, unknown>) => void): Uint8Array => {
      const H = u32(good, 12);
      const header = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + H)));
      edit(header);
      const json = new TextEncoder().encode(JSON.stringify(header));
      const D = Math.ceil((16 + json.length) / 4) * 4;
      const payload = good.subarray(Math.ceil((16 + H) / 4) * 4);
      const out = new Uint8Array(D + payload.length);
      out.set(good.subarray(0, 12));
      new DataView(out.buffer).setUint32(12, json.length, true);
      out.set(json, 16);
      out.set(payload, D);
      const crc = zlibCrc32(out.subarray(43), zlibCrc32(out.subarray(0, 35)));
      out.set(new TextEncoder().encode(crc.toString(16).padStart(8, '0')), 35);
      return out;
    };
    expectSameState(decodeCheckpoint(forge(() => {})), sampleState());
    const arraysOf = (h: Record<string, unknown>) => h.arrays as { name: string; offset: number; length: number }[];
    expect(checkpointError(() => decodeCheckpoint(forge((h) => (arraysOf(h)[0].length = 1e9)))).kind).toBe('layout');
    expect(checkpointError(() => decodeCheckpoint(forge((h) => (arraysOf(h)[1].name = 'E.params')))).message).toBe(
      'damaged header: two arrays are named "E.params"',
    );
    expect(checkpointError(() => decodeCheckpoint(forge((h) => (arraysOf(h)[0].offset = -1)))).kind).toBe('header');
    expect(checkpointError(() => decodeCheckpoint(forge((h) => (h.iteration = 'ten')))).kind).toBe('header');
    expect(checkpointError(() => decodeCheckpoint(forge((h) => (h.version = 2)))).kind).toBe('header');
    expect(checkpointError(() => decodeCheckpoint(forge((h) => delete h.config))).kind).toBe('header');
    expect(checkpointError(() => decodeCheckpoint(forge((h) => (h.payloadBytes = 6)))).kind).toBe('header');
  });

  it('refuses to encode state that would not round-trip', () => {
    const base = sampleState();
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      throw new Error('did not throw');
    };
    expect(field(() => encodeCheckpoint({ ...base, config: { lr: NaN } }))).toBe('config.lr');
    expect(field(() => encodeCheckpoint({ ...base, config: { w: new Float32Array(2) } }))).toBe('config.w');
    expect(field(() => encodeCheckpoint({ ...base, config: { f: () => 1 } }))).toBe('config.f');
    expect(field(() => encodeCheckpoint({ ...base, config: { a: [1, undefined] } }))).toBe('config.a[1]');
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(field(() => encodeCheckpoint({ ...base, config: cyc }))).toBe('config.self');
    expect(field(() => encodeCheckpoint({ ...base, iteration: -1 }))).toBe('iteration');
    expect(field(() => encodeCheckpoint({ ...base, rng: { seed: 1.5, counter: 0 } }))).toBe('rng.seed');
    expect(field(() => encodeCheckpoint({ ...base, arrays: { x: [1, 2] as unknown as Float32Array } }))).toBe('arrays.x');
    expect(field(() => encodeCheckpoint({ ...base, arrays: { '': new Float32Array(1) } }))).toBe('arrays');
    // Undefined members are dropped, as JSON.stringify does.
    expect(decodeCheckpoint(encodeCheckpoint({ ...base, config: { a: 1, b: undefined } })).config).toEqual({ a: 1 });
  });
});
