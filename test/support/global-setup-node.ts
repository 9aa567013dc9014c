// The Node host's GPU tests: no browser; each test file opens Dawn in its
// own worker (test/support/gpu.ts). Says so to the tests.
import type { TestProject } from 'vitest/node';

export function setup(project: TestProject) {
  project.provide('febmHost', 'node');
}
