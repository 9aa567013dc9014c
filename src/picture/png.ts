// A picture as a PNG file, in any JavaScript host (a page, Node): the npm
// package fast-png (pure JavaScript, deflate by fflate) writes it, so no
// canvas and no Node module is needed.

import { encode } from 'fast-png';
import type { Picture } from './raster';

/** The picture as an 8-bit RGB PNG (the pictures are opaque: alpha is dropped). */
export function encodePng(p: Picture): Uint8Array {
  const rgb = new Uint8Array(p.width * p.height * 3);
  for (let i = 0, j = 0; i < p.rgba.length; i += 4, j += 3) {
    rgb[j] = p.rgba[i];
    rgb[j + 1] = p.rgba[i + 1];
    rgb[j + 2] = p.rgba[i + 2];
  }
  return encode({ width: p.width, height: p.height, data: rgb, channels: 3, depth: 8 });
}
