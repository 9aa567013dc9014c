// The typed job calls of the GPU tests (test/support/gpu.ts, JOB_FILES): each
// entry's job name must find, by the hosts' rule (harness/jobs.ts), the very
// file whose type the entry carries; otherwise a test would be typed by one
// file and run another.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jobFilePath } from '../../harness/jobs';
import { JOB_FILES } from '../support/gpu';
import { TEST_JOB_MODULES } from '../support/job-modules';

const source = readFileSync(new URL('../support/gpu.ts', import.meta.url), 'utf8');
const entries = [...source.matchAll(/(\w+): jobFile<typeof import\('([^']+)'\)>\('([^']+)'\)/g)].map((m) => ({ key: m[1], path: m[2], name: m[3] }));

describe('JOB_FILES of the GPU tests', () => {
  it('lists every entry in the form the check reads', () => {
    expect(entries.map((e) => e.key).sort()).toEqual(Object.keys(JOB_FILES).sort());
  });

  for (const e of entries) {
    it(`${e.key}: job name "${e.name}" finds ${e.path}.ts`, () => {
      expect(JOB_FILES[e.key as keyof typeof JOB_FILES].name).toBe(e.name);
      // Glob keys are relative to test/support/, as the import paths are.
      expect(jobFilePath(TEST_JOB_MODULES, e.name)).toBe(`${e.path}.ts`);
    });
  }
});
