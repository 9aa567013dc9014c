// Dawn, the WebGPU implementation inside Chromium, as a Node addon: the npm
// package `webgpu` (an optional dependency), or a dawn.node file of its own
// (the GPU kit carries one). Installs WebGPU's globals (GPUBufferUsage,
// GPUBuffer, ...) on globalThis, as the library expects them, and returns a
// GPU object for requestGpu({ gpu }).
//
// Backends: Vulkan on Linux (the Vulkan loader libvulkan.so.1 and a driver;
// VK_ICD_FILENAMES picks the driver, e.g. SwiftShader's ICD), Dawn's default
// elsewhere (Metal, D3D12). Dawn's `null` backend computes nothing and is
// never chosen. FEBM_DAWN_FLAGS adds Dawn flags (space-separated, e.g.
// "adapter=NVIDIA H100"); FEBM_DAWN_NODE names a dawn.node to load instead
// of the package's (the GPU kit sets it).

import { createRequire } from 'node:module';

export class DawnNotFoundError extends Error {
  override name = 'DawnNotFoundError';
}

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

export interface DawnOptions {
  /** A dawn.node to load instead of the `webgpu` package's. */
  dawnNode?: string;
  /** Dawn flags beyond the backend's and FEBM_DAWN_FLAGS'. */
  flags?: string[];
}

/** The Dawn flags for this platform: Vulkan on Linux, never the null backend. */
export function dawnFlags(options: DawnOptions = {}, env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = process.platform === 'linux' ? ['backend=vulkan'] : [];
  flags.push(...(env.FEBM_DAWN_FLAGS ?? '').split(/\s+/).filter(Boolean), ...(options.flags ?? []));
  const backend = flags.filter((f) => f.startsWith('backend=')).at(-1);
  if (backend === 'backend=null') throw new DawnNotFoundError("Dawn's null backend computes nothing: it cannot be a host's GPU");
  return flags;
}

async function loadModule(options: DawnOptions): Promise<DawnModule> {
  const file = options.dawnNode ?? process.env.FEBM_DAWN_NODE;
  if (file) return createRequire(import.meta.url)(file) as DawnModule;
  // A variable specifier: the package is optional, and bundlers must leave it to Node.
  const name = 'webgpu';
  try {
    return (await import(/* @vite-ignore */ name)) as DawnModule;
  } catch (e) {
    throw new DawnNotFoundError(
      `the Node host needs Dawn, the npm package webgpu (an optional dependency: npm install webgpu): ${(e as Error).message}`,
    );
  }
}

/** Loads Dawn, installs WebGPU's globals, and returns its GPU object. */
export async function loadDawn(options: DawnOptions = {}): Promise<GPU> {
  const dawn = await loadModule(options);
  Object.assign(globalThis, dawn.globals);
  return dawn.create(dawnFlags(options));
}
