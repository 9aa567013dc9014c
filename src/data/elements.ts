// Typed elements of binary array files (IDX, .npy) turned into what the
// library trains on: float32 rows, or integer labels. Shared by
// src/data/idx.ts and src/data/npy.ts, which read the headers and say where
// the elements start; every refusal is a DataError with the byte offset of
// the element at fault.
//
// Conversions:
//   rows    unsigned bytes (u8) are pixel intensities, scaled to [0, 1] by
//           1/255; every other type is taken as it is. Floats must be finite
//           and within the float32 range (a float64 beyond it would become
//           infinite); integers are exact in float32 up to 2^24 and rounded
//           beyond, as any float32 conversion does.
//   labels  integer types only (a float label is refused: save labels as
//           integers); every label in [0, 2^31 - 1].

import { DataError, F32_MAX } from './load';

export type ElementType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f32' | 'f64';

export interface ElementLayout {
  type: ElementType;
  littleEndian: boolean;
}

export const ELEMENT_BYTES: Record<ElementType, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f32: 4, f64: 8 };

const INTEGER_TYPES: readonly ElementType[] = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'u64', 'i64'];

/** Where the elements are: `bytes` from `offset`, `count` of them; `file` names the file in messages. */
export interface ElementSource {
  bytes: Uint8Array;
  offset: number;
  count: number;
  layout: ElementLayout;
  file?: string;
}

function reader(src: ElementSource): (i: number) => number {
  const { bytes, offset, layout } = src;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = layout.littleEndian;
  const size = ELEMENT_BYTES[layout.type];
  const at = (i: number) => offset + i * size;
  switch (layout.type) {
    case 'u8': return (i) => bytes[offset + i];
    case 'i8': return (i) => view.getInt8(offset + i);
    case 'u16': return (i) => view.getUint16(at(i), le);
    case 'i16': return (i) => view.getInt16(at(i), le);
    case 'u32': return (i) => view.getUint32(at(i), le);
    case 'i32': return (i) => view.getInt32(at(i), le);
    // Beyond 2^53 a 64-bit integer is no longer exact as a number; such a value is out of every range below anyway.
    case 'u64': return (i) => Number(view.getBigUint64(at(i), le));
    case 'i64': return (i) => Number(view.getBigInt64(at(i), le));
    case 'f32': return (i) => view.getFloat32(at(i), le);
    case 'f64': return (i) => view.getFloat64(at(i), le);
  }
}

/** How to name element i in a message: e.g. "image 3, value 17". */
export type Namer = (i: number) => string;

/** The elements as float32 values (the conversions at the top of this file). */
export function toFloat32(src: ElementSource, name: Namer): Float32Array {
  const { bytes, offset, count, layout, file } = src;
  const out = new Float32Array(count);
  if (layout.type === 'u8') {
    for (let i = 0; i < count; i++) out[i] = bytes[offset + i] / 255;
    return out;
  }
  const size = ELEMENT_BYTES[layout.type];
  const isFloat = layout.type === 'f32' || layout.type === 'f64';
  // Fast path: little-endian float32 at an aligned offset is already the answer, once checked.
  const direct = layout.type === 'f32' && layout.littleEndian && (bytes.byteOffset + offset) % 4 === 0;
  const get = reader(src);
  const values = direct ? new Float32Array(bytes.buffer, bytes.byteOffset + offset, count) : null;
  for (let i = 0; i < count; i++) {
    const v = values ? values[i] : get(i);
    if (isFloat && !(Math.abs(v) <= F32_MAX)) {
      const why = Number.isFinite(v) ? `${v} is beyond the float32 range (magnitude at most ${F32_MAX.toPrecision(8)})` : `${v} is not a finite number`;
      throw new DataError(`${file ? `${file}: ` : ''}${name(i)} at byte ${offset + i * size}: ${why}`, {
        offset: offset + i * size,
        file,
      });
    }
    out[i] = v;
  }
  return out;
}

/** The elements as labels (integer types only, each in [0, 2^31 - 1]); `typeOffset` is where the file states the type. */
export function toLabels(src: ElementSource, name: Namer, typeName: string, typeOffset: number): Int32Array {
  const { offset, count, layout, file } = src;
  const pre = file ? `${file}: ` : '';
  if (!INTEGER_TYPES.includes(layout.type)) {
    throw new DataError(`${pre}labels must be integers, but the elements are ${typeName} (save the labels as an integer array)`, { offset: typeOffset, file });
  }
  const size = ELEMENT_BYTES[layout.type];
  const get = reader(src);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = get(i);
    if (v < 0 || v > 0x7fffffff) {
      throw new DataError(`${pre}${name(i)} at byte ${offset + i * size}: ${v} is not a label (labels are integers in [0, 2147483647])`, {
        offset: offset + i * size,
        file,
      });
    }
    out[i] = v;
  }
  return out;
}
