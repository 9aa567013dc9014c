// Host-side parts of the device layer and the runner that need no browser.
import { describe, expect, it } from 'vitest';
import { dispatchSize, kernelLimits, negotiateLimits, requestGpu } from '../../src/device/device';
import { resolveBrowser } from '../../harness/browser';

const adapterLimits = {
  maxComputeWorkgroupStorageSize: 32768,
  maxStorageBuffersPerShaderStage: 10,
  maxStorageBufferBindingSize: 1 << 30,
  maxBufferSize: 1 << 30,
  minUniformBufferOffsetAlignment: 256,
} as unknown as GPUSupportedLimits;

describe('limits negotiation', () => {
  it('asks for what is needed and for the adapter\'s buffer sizes', () => {
    const r = negotiateLimits(adapterLimits, { maxStorageBuffersPerShaderStage: 8 });
    expect(r).toEqual({ maxStorageBuffersPerShaderStage: 8, maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 });
  });

  it('names the limit, the value needed and the value available', () => {
    expect(() => negotiateLimits(adapterLimits, { maxComputeWorkgroupStorageSize: 65536 })).toThrow(
      "the adapter's maxComputeWorkgroupStorageSize is 32768, but 65536 is needed",
    );
  });

  it('treats alignments as upper bounds', () => {
    expect(() => negotiateLimits(adapterLimits, { minUniformBufferOffsetAlignment: 64 })).toThrow(/minUniformBufferOffsetAlignment is 256, but 64/);
    expect(negotiateLimits(adapterLimits, { minUniformBufferOffsetAlignment: 512 }).minUniformBufferOffsetAlignment).toBe(512);
  });

  it('rejects unknown limit names', () => {
    expect(() => negotiateLimits(adapterLimits, { maxWarpDrive: 1 } as never)).toThrow(/unknown WebGPU limit maxWarpDrive/);
  });
});

describe('the limits the kernels need', () => {
  it('are read from the WGSL and fit the WebGPU defaults, so any device can run them', () => {
    const needed = kernelLimits();
    // mlp_param_grad.wgsl binds five storage buffers.
    expect(needed.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(5);
    expect(needed.maxStorageBuffersPerShaderStage).toBeLessThanOrEqual(8);
    expect(needed.maxComputeInvocationsPerWorkgroup).toBeLessThanOrEqual(256);
  });

  it('count the storage bindings of the hungriest kernel', () => {
    const files = {
      'a.wgsl': '@group(0) @binding(0) var<storage, read_write> a: array<f32>;\n@group(0) @binding(1) var<uniform> u: vec4<f32>;\n@compute @workgroup_size(8, 2) fn main() { a[0] = u.x; }',
      'lib.wgsl': 'fn f() {}',
    };
    expect(kernelLimits(files)).toEqual({ maxStorageBuffersPerShaderStage: 1, maxComputeInvocationsPerWorkgroup: 16 });
  });
});

describe('acquisition errors without a browser', () => {
  it('no navigator.gpu in a secure context', async () => {
    await expect(requestGpu({ environment: { gpu: undefined, isSecureContext: true } })).rejects.toMatchObject({ name: 'NoWebGpuError' });
  });
  it('no navigator.gpu in an insecure context', async () => {
    await expect(requestGpu({ environment: { gpu: undefined, isSecureContext: false } })).rejects.toMatchObject({ name: 'InsecureContextError' });
  });
  it('a null adapter', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    await expect(requestGpu({ environment: { gpu, isSecureContext: true } })).rejects.toMatchObject({ name: 'NoAdapterError' });
  });
});

describe('dispatch folding', () => {
  it('stays 1-D up to the per-dimension limit and folds beyond', () => {
    expect(dispatchSize(64 * 65535, 64)).toEqual([65535, 1]);
    expect(dispatchSize(64 * 65535 + 1, 64)).toEqual([65535, 2]);
    const [x, y] = dispatchSize(1_048_576 * 64, 64);
    expect(x * y).toBeGreaterThanOrEqual(1_048_576);
    expect(dispatchSize(0, 64)).toEqual([1, 1]);
  });
});

describe('browser resolution', () => {
  it('FEBM_CHROME wins, and a missing file is an error naming it', async () => {
    expect(await resolveBrowser({ FEBM_CHROME: process.execPath })).toEqual({ path: process.execPath, source: 'FEBM_CHROME' });
    await expect(resolveBrowser({ FEBM_CHROME: '/nonexistent/chrome' })).rejects.toThrow(/FEBM_CHROME names \/nonexistent\/chrome/);
  });

  it('without any browser, says how to install one', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      let message = '';
      try {
        const found = await resolveBrowser({});
        // Puppeteer's own download may exist on a developer machine; then it is used.
        expect(found.source).toBe('puppeteer');
        return;
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/apt-get install chromium/);
      expect(message).toMatch(/FEBM_CHROME/);
    } finally {
      process.env.PATH = path;
    }
  });
});
