// A minimal PNG writer for the headless commands' pictures: 8-bit RGB,
// no interlace, every scanline with filter type 0 (none), the image data
// deflated by node:zlib, each chunk closed by its CRC-32 (the same CRC as the
// checkpoint format's, src/checkpoint/format.ts). PNG spec: ISO/IEC 15948.

import { deflateSync } from 'node:zlib';
import { crc32 } from '../src/kernels';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An RGB image: width x height pixels, 3 bytes each, rows from the top. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export function encodePng(image: RgbImage): Uint8Array {
  const { width, height, rgb } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width >= 2 ** 31 || height >= 2 ** 31) {
    throw new RangeError(`PNG size must be positive integers below 2^31, got ${width} x ${height}`);
  }
  if (rgb.length !== width * height * 3) throw new RangeError(`RGB data must hold ${width * height * 3} bytes, got ${rgb.length}`);
  const header = new Uint8Array(13);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  // compression 0 (deflate), filter method 0, interlace 0: already zero.
  const stride = 3 * width;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
