// Starts one Vite server and one headless Chromium for all GPU test files;
// tests connect to the browser and open harness pages (test/support/gpu.ts,
// test/support/harness.ts).
import type { TestProject } from 'vitest/node';
import { Runner } from '../../harness/runner';

declare module 'vitest' {
  export interface ProvidedContext {
    febmBrowser: string;
    febmOrigin: string;
    febmInsecureOrigin: string;
  }
}

let runner: Runner | undefined;

export async function setup(project: TestProject) {
  runner = await Runner.start();
  project.provide('febmHost', 'chromium');
  project.provide('febmBrowser', runner.browser.wsEndpoint());
  project.provide('febmOrigin', runner.origin);
  project.provide('febmInsecureOrigin', runner.insecureOrigin);
}

export async function teardown() {
  await runner?.close();
}
