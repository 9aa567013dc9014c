// Data by URL, not by message (harness/host.ts): 60,000 x 784 float32 (188 MB,
// MNIST's training set in size; random values here) offered to the page
// through the runner's server arrive whole, as bytes, in seconds; the job's
// config carries only a reference, and bytes come back the same way.
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/kernels';
import { useGpu } from '../support/gpu';

const gpu = useGpu();

describe('data by URL', () => {
  it('60,000 x 784 float32 reach the page byte for byte in seconds; the config holds a reference only', async () => {
    const rows = 60_000;
    const dim = 784;
    const data = new Float32Array(rows * dim);
    // Cheap distinct values (a linear congruential sequence), not a pattern a transfer could fake.
    let s = 12345;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = s / 2 ** 32;
    }
    const bytes = new Uint8Array(data.buffer);
    const host = gpu.host;
    const t0 = performance.now();
    const ref = await host.offer(bytes);
    const offered = (performance.now() - t0) / 1000;
    const config = { data: ref, backBytes: 4 * dim };
    expect(JSON.stringify(config).length).toBeLessThan(200);
    const r = await gpu.transfer.receive(config);
    const total = (performance.now() - t0) / 1000;
    console.log(`${(bytes.byteLength / 2 ** 20).toFixed(0)} MiB: offered in ${offered.toFixed(2)} s, in the page as floats after ${r.seconds.toFixed(2)} s, ${total.toFixed(2)} s in all (checksum included)`);
    expect(r.bytes).toBe(bytes.byteLength);
    expect(r.crc32).toBe(crc32(bytes));
    expect([r.first, r.last]).toEqual([data[0], data[data.length - 1]]);
    expect(r.seconds).toBeLessThan(20);
    const back = await host.take(r.back);
    expect(Array.from(new Float32Array(back.buffer, back.byteOffset, dim))).toEqual(Array.from(data.subarray(data.length - dim)));
    await host.release(ref);
  }, 120_000);
});
