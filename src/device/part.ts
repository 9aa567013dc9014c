// What every piece of the library that holds GPU memory has in common: the
// bytes it holds and destroy() to release them. A composite (a trainer, a
// sampler with its MLP program) reports the sum of its parts and destroys
// them, never reaching into their buffers.

/** A holder of GPU memory: `bytes` it holds, `destroy()` to release them. */
export interface GpuPart {
  readonly bytes: number;
  destroy(): void;
}

/** Bytes held by all of `parts` (null entries: parts a configuration does without). */
export function bytesOf(parts: readonly (GpuPart | null | undefined)[]): number {
  let total = 0;
  for (const p of parts) if (p) total += p.bytes;
  return total;
}

/** Destroys every part (null entries skipped). */
export function destroyAll(parts: readonly (GpuPart | null | undefined)[]): void {
  for (const p of parts) p?.destroy();
}

/**
 * Buffers owned by one part: `own(buffer)` adds one, `bytes` sums their
 * allocated sizes, `destroy()` releases them all.
 */
export class OwnedBuffers implements GpuPart {
  private readonly list: GPUBuffer[] = [];

  own(buffer: GPUBuffer): GPUBuffer {
    this.list.push(buffer);
    return buffer;
  }

  get bytes(): number {
    let total = 0;
    for (const b of this.list) total += b.size;
    return total;
  }

  destroy(): void {
    for (const b of this.list) b.destroy();
    this.list.length = 0;
  }
}

/** createParts for a list: the parts in order, or none left allocated. */
export async function createPartList<T extends GpuPart | null>(pending: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const r of settled) if (r.status === 'fulfilled') r.value?.destroy();
    throw failed.reason;
  }
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Awaits several parts made concurrently; when any fails, destroys the ones
 * that were made and throws the first failure, so nothing is left allocated.
 */
export async function createParts<T extends Record<string, Promise<GpuPart | null>>>(
  pending: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const keys = Object.keys(pending) as (keyof T)[];
  const settled = await Promise.allSettled(keys.map((k) => pending[k]));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const r of settled) if (r.status === 'fulfilled') r.value?.destroy();
    throw failed.reason;
  }
  const out = {} as { [K in keyof T]: Awaited<T[K]> };
  keys.forEach((k, i) => {
    out[k] = (settled[i] as PromiseFulfilledResult<Awaited<T[typeof k]>>).value;
  });
  return out;
}
