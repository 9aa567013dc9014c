// One config for the pages served from the sources (demo, headless harness)
// and Vitest. The package's build (library, types, prebuilt jobs page,
// command, standalone kernels) is build/build.mjs.
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { mnistDigits } from './demo/digits-plugin.ts';

/**
 * The kernel tests (every kernel against its float64 reference), which run
 * on both hosts: in headless Chromium (project `gpu`) and in Node on Dawn
 * (project `gpu-node`), and in the GPU kit. The rest run only in Chromium:
 * the page-level tests (the device layer in a browser, the demo, the
 * benchmark peers that need a page) and the ones built from these kernels
 * (trainer, 1-D experiment, training quality), whose agreement between the
 * hosts test/hosts/hosts.gpu.test.ts checks bit for bit on a training run.
 */
export const KERNEL_TESTS = [
  'test/bench/r0-kernels.gpu.test.ts',
  'test/divergence/divergence.gpu.test.ts',
  'test/grid/grid.gpu.test.ts',
  'test/mlp/mlp.gpu.test.ts',
  'test/optim/optim.gpu.test.ts',
  'test/rng/philox.gpu.test.ts',
  'test/sampler/sampler.gpu.test.ts',
  'test/trainer/kernels.gpu.test.ts',
];

/**
 * The Vulkan driver of the Node host's tests: VK_ICD_FILENAMES where set,
 * else the SwiftShader that Debian's chromium package installs (the adapter
 * the Chromium host uses here, so both hosts' results can be compared),
 * else whatever the Vulkan loader finds.
 */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const vulkanEnv: Record<string, string> =
  process.env.VK_ICD_FILENAMES || !existsSync(SWIFTSHADER_ICD) ? {} : { VK_ICD_FILENAMES: SWIFTSHADER_ICD };

export default defineConfig({
  server: { host: '127.0.0.1' },
  // The demo's built-in digits (a lazily imported module; demo/digits-plugin.ts).
  plugins: [mnistDigits()],
  // wgsl_reflect's "main" is CommonJS inside a "type": "module" package, which
  // Node refuses; its ES module build works everywhere.
  resolve: { alias: { wgsl_reflect: 'wgsl_reflect/wgsl_reflect.module.js' } },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.gpu.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['test/**/*.gpu.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          env: vulkanEnv,
          // One emulated adapter on two cores: GPU files run one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'gpu-node',
          include: KERNEL_TESTS,
          globalSetup: ['test/support/global-setup-node.ts'],
          env: vulkanEnv,
          // A group of its own, not beside the Chromium pass (both hosts share the same two cores):
          // Vitest runs it before the `gpu` project's files, which run one at a time last.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
