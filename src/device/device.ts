// The device layer: adapter and device acquisition with distinct errors,
// limits negotiation, device loss and uncaptured errors as typed errors, and
// pipelines compiled once, asynchronously, and cached.

import {
  ConfigError, DeviceLostError, FebmError, GpuError, InsecureContextError, LimitError, NoAdapterError, NoWebGpuError, ShaderCompileError,
} from '../errors';
import { composeShader, reflectShader, SHADER_FILES, shaderFilesFor, type BindingInfo, type ShaderInterface } from './shader';
import { chooseMlpVariant, MLP_VARIANTS, type MlpVariant } from '../mlp/variant';

/**
 * Limits this library's kernels need from any device, whatever the problem
 * size, read from the WGSL: the most storage buffers any kernel binds, and
 * the widest workgroup. Buffer sizes depend on the run and are checked where
 * buffers are made.
 */
export function kernelLimits(files: Record<string, string> = SHADER_FILES): Partial<Record<LimitName, number>> {
  let storage = 0;
  let invocations = 1;
  for (const file of Object.keys(files)) {
    if (!/@compute/.test(files[file])) continue;
    const iface = reflectShader(composeShader(file, files));
    storage = Math.max(storage, iface.bindings.filter((b) => b.kind !== 'uniform').length);
    for (const e of iface.entryPoints) invocations = Math.max(invocations, e.workgroupSize[0] * e.workgroupSize[1] * e.workgroupSize[2]);
  }
  return { maxStorageBuffersPerShaderStage: storage, maxComputeInvocationsPerWorkgroup: invocations };
}

export type LimitName = keyof GPUSupportedLimits & string;

export interface GpuOptions {
  /** Limits needed beyond kernelLimits() (e.g. buffer sizes of a large run). */
  limits?: Partial<Record<LimitName, number>>;
  powerPreference?: GPUPowerPreference;
  /** Called once per uncaptured GPU error and once when the device is lost. */
  onError?: (error: FebmError) => void;
  /**
   * The GPU object to acquire from instead of the page's navigator.gpu: e.g.
   * Dawn's in Node (`create([...])` of the npm package `webgpu`, whose
   * `globals` must be on globalThis first: `Object.assign(globalThis, globals)`).
   */
  gpu?: GPU;
  /** For tests: the navigator.gpu and secure-context flag a page would have. */
  environment?: { gpu: GPU | undefined; isSecureContext: boolean };
  /**
   * Use the `subgroups` feature where the adapter has it with subgroups of at
   * least 4 invocations (default true): the MLP kernels then share weight
   * loads across a subgroup (shaders/mlp_weights_subgroup.wgsl). false keeps
   * the plain loads (shaders/mlp_weights.wgsl) on any adapter.
   */
  subgroups?: boolean;
  /**
   * The MLP kernels' variant for every program, sampler and trainer on this
   * device (default: chosen from the adapter by src/mlp/variant.ts
   * chooseMlpVariant: 'lanes' on CPU-emulated adapters, 'tiled' on GPUs).
   */
  mlpVariant?: MlpVariant;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface KernelOptions {
  /** User WGSL composed in just before the kernel's own file (e.g. a custom divergence's functions). */
  extra?: string;
  /** Values of the kernel's `override` constants. */
  constants?: Record<string, number>;
  /** The caller's own shader files, by name, composed like the library's (see Gpu.kernel). */
  files?: Record<string, string>;
}

/** A compiled compute pipeline with the bind group layout reflected from its WGSL. */
export interface Kernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  iface: ShaderInterface;
  entryPoint: string;
  workgroupSize: [number, number, number];
  /** Binds buffers by their WGSL variable names; every binding must be given. */
  bind(buffers: Record<string, GPUBuffer | GPUBufferBinding>): GPUBindGroup;
}

function gpuFromEnvironment(options: GpuOptions): GPU {
  if (options.gpu) {
    // The library uses WebGPU's constants and classes (GPUBufferUsage, GPUBuffer, ...) as globals, as in a page.
    const missing = ['GPUBufferUsage', 'GPUShaderStage', 'GPUMapMode', 'GPUBuffer', 'GPUValidationError'].filter((k) => !(k in globalThis));
    if (missing.length > 0) {
      throw new NoWebGpuError(
        `options.gpu is given but WebGPU's globals are not (${missing.join(', ')} missing): ` +
          "in Node, Object.assign(globalThis, globals) with `globals` from the package that gave the GPU object (e.g. `webgpu`)",
      );
    }
    return options.gpu;
  }
  const env = options.environment ?? {
    gpu: typeof navigator !== 'undefined' ? navigator.gpu : undefined,
    isSecureContext: typeof isSecureContext !== 'undefined' ? isSecureContext : true,
  };
  if (!env.gpu) {
    if (!env.isSecureContext) {
      throw new InsecureContextError(
        'WebGPU is only available in a secure context: serve the page over https, or from http://localhost or http://127.0.0.1',
      );
    }
    throw new NoWebGpuError(
      'this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome or Edge, or enable WebGPU in your browser',
    );
  }
  return env.gpu;
}

function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
  };
}

/** Checks `needed` against the adapter and returns the requiredLimits to ask for. */
export function negotiateLimits(
  available: GPUSupportedLimits,
  needed: Partial<Record<LimitName, number>>,
): Record<string, number> {
  const required: Record<string, number> = {};
  for (const [name, value] of Object.entries(needed)) {
    const have = (available as unknown as Record<string, number>)[name];
    if (typeof have !== 'number') throw new FebmError(`unknown WebGPU limit ${name}`);
    // Alignment limits are "at most", every other limit "at least".
    const isAlignment = name.endsWith('Alignment');
    if (isAlignment ? value < have : value > have) throw new LimitError(name, value, have);
    required[name] = value;
  }
  // Buffer sizes: ask for all the adapter has, so runs are limited by the
  // adapter, not by the spec's defaults (a device gets defaults otherwise).
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize'] as const) {
    required[name] = Math.max(required[name] ?? 0, available[name]);
  }
  return required;
}

export class Gpu {
  readonly limits: GPUSupportedLimits;
  /** Resolves when the device is lost; never rejects. */
  readonly lost: Promise<DeviceLostError>;
  private lostError: DeviceLostError | null = null;
  private readonly errors: GpuError[] = [];
  private readonly kernels = new Map<string, Promise<Kernel>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();

  private readonly files: Record<string, string>;

  /**
   * `subgroups`: whether the device was created with the `subgroups` feature
   * and the kernels may use it (subgroups of at least 4 invocations).
   * `mlpVariant`: the variant of the MLP kernels every program, sampler and
   * trainer on this device uses (GpuOptions.mlpVariant, by default
   * chooseMlpVariant of the adapter, src/mlp/variant.ts).
   */
  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
    private readonly onError?: (error: FebmError) => void,
    readonly subgroups = false,
    readonly mlpVariant: MlpVariant = chooseMlpVariant(adapter),
  ) {
    this.files = shaderFilesFor(subgroups);
    this.limits = device.limits;
    this.lost = device.lost.then((info) => {
      this.lostError = new DeviceLostError(info.reason ?? 'unknown', info.message);
      this.onError?.(this.lostError);
      return this.lostError;
    });
    device.addEventListener('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      const kind = e instanceof GPUOutOfMemoryError ? 'out-of-memory' : e instanceof GPUValidationError ? 'validation' : 'internal';
      const err = new GpuError(kind, e.message);
      this.errors.push(err);
      this.onError?.(err);
    });
  }

  get isLost(): boolean {
    return this.lostError !== null;
  }

  /** Throws the DeviceLostError if the device is gone, or the first uncaptured GPU error. */
  check(): void {
    if (this.lostError) throw this.lostError;
    const e = this.errors.shift();
    if (e) throw e;
  }

  /**
   * Compiles (once) the kernel for an entry point of a shader file, with its
   * requirements composed in. `files`: shader files of the caller's own (an
   * application's or a test's kernels, by file name) that may require the
   * library's; they cannot replace a library file.
   */
  kernel(file: string, entryPoint: string, options: KernelOptions = {}): Promise<Kernel> {
    this.check();
    const own = options.files ?? {};
    const key = JSON.stringify([file, entryPoint, options.extra ?? '', options.constants ?? {}, Object.entries(own)]);
    let k = this.kernels.get(key);
    if (!k) {
      for (const name of Object.keys(own)) {
        if (name in this.files) return Promise.reject(new FebmError(`shader file ${name} is the library's: give your own file another name`));
      }
      const files = options.files ? { ...this.files, ...own } : this.files;
      k = this.compile(composeShader(file, files, options.extra), file, entryPoint, options.constants);
      this.kernels.set(key, k);
      k.catch(() => this.kernels.delete(key));
    }
    return k;
  }

  private bindGroupLayout(bindings: readonly BindingInfo[]): GPUBindGroupLayout {
    const entries: GPUBindGroupLayoutEntry[] = bindings.map((b) => ({
      binding: b.binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: b.kind },
    }));
    const key = JSON.stringify(entries);
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private async compile(code: string, file: string, entryPoint: string, constants?: Record<string, number>): Promise<Kernel> {
    const iface = reflectShader(code);
    const entry = iface.entryPoints.find((e) => e.name === entryPoint);
    if (!entry) throw new FebmError(`${file} has no compute entry point ${entryPoint}`);
    const groups = new Set(iface.bindings.map((b) => b.group));
    if (groups.size > 1 || (groups.size === 1 && !groups.has(0))) {
      throw new FebmError(`${file}: kernels must bind everything in group 0`);
    }
    // Compile errors are reported here, with the source line, not as uncaptured errors.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label: file });
    const info = await module.getCompilationInfo();
    const scoped = await this.device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const lines = code.split('\n');
      const text = errors.map((m) => `${file}:${m.lineNum}:${m.linePos}: ${m.message}\n    ${lines[m.lineNum - 1] ?? ''}`).join('\n');
      throw new ShaderCompileError(`${file} does not compile:\n${text}`);
    }
    if (scoped) throw new ShaderCompileError(`${file}: ${scoped.message}`);
    const layout = this.bindGroupLayout(iface.bindings);
    const pipeline = await this.device.createComputePipelineAsync({
      label: `${file}:${entryPoint}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint, constants },
    });
    const device = this.device;
    return {
      pipeline, layout, iface, entryPoint, workgroupSize: entry.workgroupSize,
      bind(buffers) {
        const names = new Set(Object.keys(buffers));
        const entries = iface.bindings.map((b) => {
          const r = buffers[b.name];
          if (!r) throw new FebmError(`${file}: no buffer given for binding ${b.name}`);
          names.delete(b.name);
          return { binding: b.binding, resource: r instanceof GPUBuffer ? { buffer: r } : r };
        });
        if (names.size > 0) throw new FebmError(`${file} has no binding named ${[...names].join(', ')}`);
        return device.createBindGroup({ label: file, layout, entries });
      },
    };
  }

  /** Creates a buffer; storage buffers are also copy source and destination. */
  buffer(label: string, size: number, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST): GPUBuffer {
    this.check();
    const max = usage & GPUBufferUsage.STORAGE ? this.limits.maxStorageBufferBindingSize : this.limits.maxBufferSize;
    if (size > max) throw new LimitError(usage & GPUBufferUsage.STORAGE ? 'maxStorageBufferBindingSize' : 'maxBufferSize', size, max);
    return this.device.createBuffer({ label, size: allocatedSize(size), usage });
  }

  /** Creates a storage buffer holding `data`. */
  bufferFrom(label: string, data: ArrayBufferView | ArrayBuffer, usage?: number): GPUBuffer {
    const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const buf = this.buffer(label, view.byteLength, usage);
    this.device.queue.writeBuffer(buf, 0, view as Uint8Array<ArrayBuffer>);
    return buf;
  }

  /** queue.writeBuffer of any typed array or ArrayBuffer at a byte offset (effective before the next submit). */
  write(target: GPUBuffer, data: ArrayBufferView | ArrayBuffer, offset = 0): void {
    const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.device.queue.writeBuffer(target, offset, view as Uint8Array<ArrayBuffer>);
  }

  /** Copies `size` bytes of a buffer back to the host (one round trip). */
  async read(source: GPUBuffer, size = source.size, offset = 0): Promise<ArrayBuffer> {
    this.check();
    const staging = this.device.createBuffer({ size: Math.ceil(size / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, offset, staging, 0, staging.size);
    this.device.queue.submit([encoder.finish()]);
    await this.untilLost(staging.mapAsync(GPUMapMode.READ));
    const out = staging.getMappedRange().slice(0, size);
    staging.destroy();
    this.check();
    return out;
  }

  /**
   * Maps a MAP_READ buffer the caller owns (filled by copies already
   * submitted), copies `size` bytes out and unmaps it, so that one staging
   * buffer made once serves every readback of a loop. DeviceLostError if the
   * device is lost first.
   */
  async mapRead(staging: GPUBuffer, size = staging.size): Promise<ArrayBuffer> {
    this.check();
    await this.untilLost(staging.mapAsync(GPUMapMode.READ, 0, Math.ceil(size / 4) * 4));
    const out = staging.getMappedRange(0, Math.ceil(size / 4) * 4).slice(0, size);
    staging.unmap();
    this.check();
    return out;
  }

  async readF32(source: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(source, count * 4, offset * 4));
  }

  /** Waits until all submitted work is done; throws if the device was lost or an error was reported. */
  async sync(): Promise<void> {
    this.check();
    await this.untilLost(this.device.queue.onSubmittedWorkDone());
    this.check();
  }

  /**
   * Waits for a GPU promise, or throws DeviceLostError when the device is lost
   * first. A promise the loss rejects (mapAsync gives AbortError) also becomes
   * DeviceLostError: the lost promise can settle a moment after it.
   */
  private async untilLost<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const first = await Promise.race([settled, this.lost.then(() => null)]);
    if (first === null) throw this.lostError!;
    if ('error' in first) {
      await Promise.race([this.lost, new Promise((r) => setTimeout(r, 100))]);
      throw this.lostError ?? first.error;
    }
    return first.value;
  }

  destroy(): void {
    this.device.destroy();
  }
}

/**
 * Acquires an adapter and a device with the limits the kernels need plus
 * `options.limits`. Errors: NoWebGpuError, InsecureContextError,
 * NoAdapterError, LimitError (naming the limit, needed and available values).
 */
export async function requestGpu(options: GpuOptions = {}): Promise<Gpu> {
  if (options.mlpVariant !== undefined && !MLP_VARIANTS.includes(options.mlpVariant)) {
    throw new ConfigError('mlpVariant', `must be one of ${MLP_VARIANTS.join(', ')} (or left out: chosen from the adapter), got ${JSON.stringify(options.mlpVariant)}`);
  }
  const gpu = gpuFromEnvironment(options);
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) {
    throw new NoAdapterError(
      options.gpu
        ? 'no WebGPU adapter is available (requestAdapter() returned null on the given GPU object): with Dawn on Linux ' +
            'this needs the Vulkan loader (libvulkan.so.1, Debian: apt-get install libvulkan1) and a Vulkan driver; ' +
            'VK_ICD_FILENAMES names the driver to use (e.g. the SwiftShader ICD of a Chromium install)'
        : 'no WebGPU adapter is available (requestAdapter() returned null): the GPU may be blocklisted or disabled; ' +
            'in headless Chromium start it with --enable-unsafe-webgpu',
    );
  }
  const needed: Partial<Record<LimitName, number>> = { ...kernelLimits() };
  for (const [name, value] of Object.entries(options.limits ?? {})) {
    needed[name as LimitName] = Math.max(value, needed[name as LimitName] ?? 0);
  }
  const requiredLimits = negotiateLimits(adapter.limits, needed);
  const subgroups = (options.subgroups ?? true) && subgroupsUsable(adapter);
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: subgroups ? ['subgroups' as GPUFeatureName] : [] });
  return new Gpu(device, describeAdapter(adapter), options.onError, subgroups, options.mlpVariant);
}

/** The adapter has the `subgroups` feature and every subgroup it makes has at least 4 invocations. */
function subgroupsUsable(adapter: GPUAdapter): boolean {
  const min = (adapter.info as { subgroupMinSize?: number }).subgroupMinSize;
  return adapter.features.has('subgroups') && typeof min === 'number' && min >= 4;
}

/**
 * The bytes Gpu.buffer allocates for a request of `size`: WebGPU needs sizes
 * that are multiples of 4 (and non-zero for storage bindings); 16 keeps vec4
 * arrays whole.
 */
export function allocatedSize(size: number): number {
  return Math.max(16, Math.ceil(size / 16) * 16);
}

/** Workgroup counts for `invocations` threads in groups of `size`, folded into 2-D past the per-dimension limit. */
export function dispatchSize(invocations: number, size: number, maxPerDim = 65535): [number, number] {
  const groups = Math.max(1, Math.ceil(invocations / size));
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  if (y > maxPerDim) throw new LimitError('maxComputeWorkgroupsPerDimension', y, maxPerDim);
  return [maxPerDim, y];
}
