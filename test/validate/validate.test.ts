// The validation module (src/validate.ts): every failure is a ConfigError
// naming the field, the allowed range and the value given.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors';
import { integer, interval, knownKeys, oneOf, real, show, vector } from '../../src/validate';

function fails(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError thrown');
}

describe('validation', () => {
  it('integer: range, fallback, open upper end, the value shown', () => {
    expect(integer('batch', 5, 1, 10)).toBe(5);
    expect(integer('batch', undefined, 1, 10, { fallback: 3 })).toBe(3);
    expect(fails(() => integer('batch', 0, 1, 65536))).toMatchObject({ field: 'batch', message: 'batch: must be an integer in [1, 65536], got 0' });
    expect(fails(() => integer('seed', 2 ** 53, 0, Number.MAX_SAFE_INTEGER, { hiText: '2^53 - 1' })).message).toBe(
      `seed: must be an integer in [0, 2^53 - 1], got ${2 ** 53}`,
    );
    expect(fails(() => integer('count', 1.5, 1)).message).toBe('count: must be an integer >= 1, got 1.5');
    expect(fails(() => integer('count', '3', 1)).message).toBe('count: must be an integer >= 1, got "3"');
    expect(fails(() => integer('count', NaN, 1)).message).toBe('count: must be an integer >= 1, got NaN');
    expect(fails(() => integer('count', undefined, 1)).message).toBe('count: must be an integer >= 1, got undefined');
  });

  it('real: finite, the predicate, fallback', () => {
    expect(real('eta', 0.5, 'in (0, inf)', (x) => x > 0)).toBe(0.5);
    expect(real('eta', undefined, 'in (0, inf)', (x) => x > 0, 2)).toBe(2);
    expect(fails(() => real('eta', -1, 'in (0, inf)', (x) => x > 0)).message).toBe('eta: must be a finite number in (0, inf), got -1');
    expect(fails(() => real('eta', Infinity, 'in (0, inf)', (x) => x > 0)).message).toBe('eta: must be a finite number in (0, inf), got Infinity');
  });

  it('interval, vector, oneOf, knownKeys', () => {
    expect(interval('box', [-1, 2])).toEqual([-1, 2]);
    expect(fails(() => interval('box', [1, 1]))).toMatchObject({ field: 'box[1]', message: 'box[1]: must be a finite number in (1, inf) (above box[0]), got 1' });
    expect(fails(() => interval('box', 3)).field).toBe('box');
    expect(vector('mean', [1, 2], 2)).toEqual([1, 2]);
    expect(fails(() => vector('mean', [1, NaN], 2)).field).toBe('mean[1]');
    expect(fails(() => vector('mean', [1], 2)).message).toBe('mean: must be an array of 2 numbers, got length 1');
    expect(oneOf('kind', 'sgd', ['sgd', 'adam'])).toBe('sgd');
    expect(fails(() => oneOf('kind', 'rmsprop', ['sgd', 'adam'])).message).toBe(`kind: must be one of 'sgd', 'adam', got "rmsprop"`);
    expect(() => knownKeys('replay', { capacity: 1 }, ['capacity', 'reuse'])).not.toThrow();
    expect(fails(() => knownKeys('replay', { size: 1 }, ['capacity', 'reuse']))).toMatchObject({ field: 'replay.size', message: 'replay.size: is not an option (options: capacity, reuse)' });
    expect(fails(() => knownKeys('', { bach: 1 }, ['batch'])).field).toBe('bach');
    expect(show(() => 1)).toBe('a function');
    expect(show({ a: [1] })).toBe('{"a":[1]}');
  });
});
