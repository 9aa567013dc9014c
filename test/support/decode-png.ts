// A PNG decoder for tests of cli/png.ts: 8-bit RGB, filter-0
// images only. Checks the signature and every chunk's CRC (expect), inflates
// IDAT and returns the pixels.
import { inflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { crc32 } from '../../src/checkpoint/format';

/** A PNG decoder for 8-bit RGB, filter-0 images: checks the signature, every chunk's CRC, and inflates IDAT. */
export function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array; chunks: string[] } {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  const chunks: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  while (at < png.length) {
    const length = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    expect(dv.getUint32(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') {
      width = dv.getUint32(at + 8);
      height = dv.getUint32(at + 12);
      expect(Array.from(data.subarray(8))).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((3 * width + 1) * height);
  const rgb = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (3 * width + 1)]).toBe(0);
    rgb.set(raw.subarray(y * (3 * width + 1) + 1, (y + 1) * (3 * width + 1)), 3 * width * y);
  }
  return { width, height, rgb, chunks };
}

