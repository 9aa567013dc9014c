// Reading GPU structs back on the host by reflection (the counterpart of
// packStruct in src/device/shader.ts): member offsets and scalar types come from the
// WGSL, never from hand-kept tables.

import type { StructLayout } from './shader';

/** The scalar members of a struct (arrays and nested structs skipped), read from its bytes at `base`. */
export function unpackStruct(layout: StructLayout, bytes: ArrayBuffer, base = 0): Record<string, number> {
  const view = new DataView(bytes);
  const out: Record<string, number> = {};
  for (const [name, m] of Object.entries(layout.members)) {
    if (m.count !== undefined || m.element) continue;
    const at = base + m.offset;
    out[name] = m.scalar === 'u32' ? view.getUint32(at, true) : m.scalar === 'i32' ? view.getInt32(at, true) : view.getFloat32(at, true);
  }
  return out;
}
