// The field a ConfigError names, for tests of validation: null when nothing
// was thrown, and a failed expectation when something else was.
import { expect } from 'vitest';
import { ConfigError } from '../../src/errors';

export function fieldOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
  return null;
}
