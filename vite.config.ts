// One config for the pages served from the sources (demo, headless harness)
// and Vitest. The package's build (library, types, prebuilt jobs page,
// command, standalone kernels) is build/build.mjs.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  server: { host: '127.0.0.1' },
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
          // One emulated adapter on two cores: GPU files run one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
