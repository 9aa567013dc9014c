// Page side of the data-by-URL test: reads bytes the caller offered (one
// binary fetch from the runner's server), checks them, and hands a copy back.
import type { BlobRef } from '../../harness/host';
import type { JobContext } from '../../harness/job';
import { crc32 } from '../../src/kernels';

export interface ReceiveResult {
  bytes: number;
  crc32: number;
  /** Seconds from the job's start until the bytes were a Float32Array in the page. */
  seconds: number;
  /** The first and last floats, to check the view. */
  first: number;
  last: number;
  /** A slice of the data handed back with ctx.output. */
  back: BlobRef;
}

export async function receive(ctx: JobContext, c: { data: BlobRef; backBytes: number }): Promise<ReceiveResult> {
  const t0 = performance.now();
  const bytes = await ctx.input(c.data);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const seconds = (performance.now() - t0) / 1000;
  const back = await ctx.output(bytes.subarray(bytes.byteLength - c.backBytes));
  return { bytes: bytes.byteLength, crc32: crc32(bytes), seconds, first: data[0], last: data[data.length - 1], back };
}
