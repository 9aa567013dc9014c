// Binary data across the page boundary (puppeteer passes JSON): base64 of the
// bytes, in the page (btoa/atob) and in Node alike. Float32Arrays travel as
// their little-endian bytes, bit for bit.

const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function f32ToBase64(a: Float32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

export function base64ToF32(text: string): Float32Array {
  const bytes = base64ToBytes(text);
  if (bytes.length % 4 !== 0) throw new Error(`base64 float32 data of ${bytes.length} bytes (not a multiple of 4)`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}
