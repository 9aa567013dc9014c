// The device layer in a real browser: each way of not getting a GPU is its own
// clear error, limits are negotiated, and a lost device is a typed error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner } from '../../harness/runner';
import { jobsOn, TEST_JOBS_PAGE, type JobHost } from '../support/gpu';
import { useHarness } from '../support/harness';

// Page-level: these are about acquiring a GPU in a browser page, so they run
// on the Chromium host only (the Node host's acquisition: test/hosts/).
describe('acquiring the GPU', () => {
  const page = useHarness();
  const gpu = jobsOn(page, () => 'chromium');

  it('finds the adapter (and fails loudly where there is none)', async () => {
    const { adapter, limits } = await gpu.device.adapter();
    console.log('adapter:', JSON.stringify(adapter));
    expect(typeof adapter.vendor).toBe('string');
    // Buffer-size limits are raised to what the adapter offers, beyond the spec defaults.
    expect(limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('uses subgroups exactly where the adapter has them with at least 4 invocations, unless told not to', async () => {
    const r = await gpu.device.subgroups();
    console.log('subgroups:', JSON.stringify(r));
    const usable = r.feature && typeof r.minSize === 'number' && r.minSize >= 4;
    expect(r.shared).toBe(usable);
    expect(r.sharedDeviceFeature).toBe(usable);
    expect(r.plain).toBe(false);
    expect(r.plainDeviceFeature).toBe(false);
  });

  it('a page without navigator.gpu is a NoWebGpuError', async () => {
    await expect(gpu.device.withoutNavigatorGpu()).rejects.toMatchObject({
      name: 'NoWebGpuError',
      message: expect.stringContaining('navigator.gpu is missing'),
    });
  });

  it('a limit beyond the adapter is a LimitError naming it, with the needed and available values', async () => {
    const err: any = await gpu.device.acquire({ limits: { maxComputeWorkgroupStorageSize: 1 << 24 } }).catch((e: any) => e);
    expect(err.name).toBe('LimitError');
    expect(err.message).toMatch(/maxComputeWorkgroupStorageSize is \d+, but 16777216 is needed/);
    expect(err.fields).toMatchObject({ limit: 'maxComputeWorkgroupStorageSize', needed: 1 << 24 });
  });

  it('limits within the adapter are granted', async () => {
    const granted = await gpu.device.acquire({ limits: { maxStorageBuffersPerShaderStage: 8 } });
    expect(granted.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
  });

  it('a lost device fails every later operation with DeviceLostError and is reported once', async () => {
    const r = await gpu.device.lose();
    expect(r.lostName).toBe('DeviceLostError');
    expect(r.reason).toBe('destroyed');
    expect(r.isLost).toBe(true);
    expect(r.failures).toEqual({ pendingRead: 'DeviceLostError', read: 'DeviceLostError', kernel: 'DeviceLostError', buffer: 'DeviceLostError', sync: 'DeviceLostError' });
    expect(r.reported).toEqual(['DeviceLostError']);
  });

  it('an uncaptured validation error surfaces as a GpuError', async () => {
    const r = await gpu.device.uncaptured();
    expect(r).toMatchObject({ name: 'GpuError', kind: 'validation' });
  });

  it('a shader that does not compile names the file, line and text', async () => {
    await expect(gpu.device.compileError()).rejects.toMatchObject({
      name: 'ShaderCompileError',
      message: expect.stringMatching(/mlp_forward\.wgsl:\d+:\d+: .*undefined_name/s),
    });
  });

  it('pipelines compile once and bindings come from reflection', async () => {
    const r = await gpu.device.pipelineCache();
    expect(r.same).toBe(true);
    expect(r.bindings).toEqual(['0:mlp:uniform', '1:mlp_theta:read-only-storage', '2:mlp_x:read-only-storage', '3:mlp_scratch:storage', '4:out:storage']);
  });
});

describe('a page that is not a secure context', () => {
  const page = useHarness({ insecure: true });
  const gpu = jobsOn(page, () => 'chromium');

  it('has no navigator.gpu, and requesting the GPU is an InsecureContextError', async () => {
    expect(await page().environment()).toEqual({ secure: false, gpu: false });
    await expect(gpu.device.adapter()).rejects.toMatchObject({ name: 'InsecureContextError' });
  });
});

describe('a browser without WebGPU enabled', () => {
  let runner: Runner;
  let page: JobHost;
  beforeAll(async () => {
    runner = await Runner.start({ webgpu: false, log: (line) => console.log(line), jobsPage: TEST_JOBS_PAGE });
    page = await runner.open();
  });
  afterAll(async () => runner?.close());

  it('gets a null adapter: NoAdapterError, never a skip', async () => {
    await expect(jobsOn(() => page, () => 'chromium').device.adapter()).rejects.toMatchObject({
      name: 'NoAdapterError',
      message: expect.stringContaining('--enable-unsafe-webgpu'),
    });
  });
});
