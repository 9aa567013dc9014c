// The GPU kit runs the kernel tests without Vitest (too large to carry): its
// build (kit/build.ts) points the tests' `vitest` imports here. describe, it
// and the hooks are Node's own test runner (node:test); expect is Vitest's
// (@vitest/expect, the same matchers on chai); inject answers what the
// Vitest projects provide: the host, which in the kit is always Node.
import { after, before, describe as nodeDescribe, it as nodeIt } from 'node:test';
import {
  ASYMMETRIC_MATCHERS_OBJECT, chai, GLOBAL_EXPECT, JestAsymmetricMatchers, JestChaiExpect, JestExtend, setState, type ExpectStatic,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/** Per test: generous, as in the Vitest config (an emulated adapter is slow; a real GPU is not). */
const TIMEOUT_MS = 600_000;

const expectFn = ((value: unknown, message?: string) => chai.expect(value, message)) as unknown as ExpectStatic;
Object.assign(expectFn, chai.expect);
Object.assign(expectFn, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT as unknown as symbol]);
setState({ assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null, currentTestName: '' } as never, expectFn);
(globalThis as Record<symbol, unknown>)[GLOBAL_EXPECT as unknown as symbol] = expectFn;

export const expect = expectFn;

type Body = () => unknown;

export function describe(name: string, fn: Body): void {
  nodeDescribe(name, { timeout: TIMEOUT_MS }, async () => {
    await fn();
  });
}

export function it(name: string, fn: Body, timeout?: number): void {
  nodeIt(name, { timeout: timeout ?? TIMEOUT_MS }, async () => {
    await fn();
  });
}
export const test = it;

export function beforeAll(fn: Body): void {
  before(async () => {
    await fn();
  }, { timeout: TIMEOUT_MS });
}

export function afterAll(fn: Body): void {
  after(async () => {
    await fn();
  }, { timeout: TIMEOUT_MS });
}

const PROVIDED: Record<string, unknown> = { febmHost: 'node' };

export function inject(key: string): never {
  if (!(key in PROVIDED)) throw new Error(`the GPU kit provides no ${key} (only ${Object.keys(PROVIDED).join(', ')})`);
  return PROVIDED[key] as never;
}
