// Toy data sets (src/data/toy.ts) and user data parsing (src/data/load.ts).
//
// Statistical checks use fixed seeds and tolerances of 5 standard errors of
// each estimator, so a correct generator passes them with probability ~1 - 6e-7
// each, and the tests are deterministic.

import { describe, expect, it } from 'vitest';
import { ConfigError, FebmError } from '../../src/errors';
import {
  MAX_TOY_SAMPLES,
  RINGS_RADII,
  TOY_DATASETS,
  generateToy,
  mixtureComponents,
  modeMasses,
  toyInfo,
} from '../../src/data/toy';
import { DataError, parseCsv, parseData, parseJson } from '../../src/data/load';

/** 5 standard errors of a proportion p estimated from n samples. */
const propTol = (p: number, n: number) => 5 * Math.sqrt((p * (1 - p)) / n);

function rows(d: Float32Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < d.length; i += 2) out.push([d[i], d[i + 1]]);
  return out;
}

function meanStd(v: number[]): { mean: number; std: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, std };
}

/** Checks that the mean of v is within 5 standard errors (plus `bias`) of `expected`. */
function expectMean(v: number[], expected: number, bias = 0): void {
  const { mean, std } = meanStd(v);
  expect(Math.abs(mean - expected)).toBeLessThan(5 * (std / Math.sqrt(v.length)) + bias);
}

describe('toy data sets', () => {
  it('lists the eight sets', () => {
    expect([...TOY_DATASETS]).toEqual([
      '8gaussians', '25gaussians', 'two_moons', 'rings', 'checkerboard', 'pinwheel', 'swiss_roll', 'two_spirals',
    ]);
  });

  it.each(TOY_DATASETS)('%s is deterministic per seed, differs between seeds, finite, [n][2]', (name) => {
    const a = generateToy(name, 2000, 42);
    const b = generateToy(name, 2000, 42);
    const c = generateToy(name, 2000, 43);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(4000);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
    expect(same).toBeLessThan(a.length / 100);
    expect(a.every(Number.isFinite)).toBe(true);
    // A shorter draw is a prefix of a longer one.
    expect(generateToy(name, 17, 42)).toEqual(a.subarray(0, 34));
    // Within the set's box, widened by 6 noise standard deviations.
    const { box, noiseStd } = toyInfo(name);
    const m = 6 * noiseStd + 1e-6;
    const outside = rows(a).filter(([x, y]) => x < box[0] - m || x > box[1] + m || y < box[2] - m || y > box[3] + m);
    expect(outside).toEqual([]);
  });

  it('8gaussians is the T1 workload data: 8 modes of mass 1/8 on a circle of radius 2, std 0.1', () => {
    const mix = mixtureComponents('8gaussians')!;
    expect(mix.std).toBe(0.1);
    expect(mix.weights).toEqual(new Array(8).fill(1 / 8));
    expect(mix.centres).toHaveLength(8);
    mix.centres.forEach(([x, y], k) => {
      expect(Math.hypot(x, y)).toBeCloseTo(2, 12);
      expect(Math.atan2(y, x)).toBeCloseTo(Math.atan2(Math.sin((2 * Math.PI * k) / 8), Math.cos((2 * Math.PI * k) / 8)), 12);
    });
    const n = 40_000;
    const d = generateToy('8gaussians', n, 1);
    // Every sample within 6 std (in 2-D: P(r > 6 sigma) = e^-18) of a centre.
    const { masses, outliers } = modeMasses(d, mix.centres, 0.6);
    expect(outliers).toBe(0);
    for (const p of masses) expect(Math.abs(p - 1 / 8)).toBeLessThan(propTol(1 / 8, n));
    // Radius ~2 (E|c + sigma z| = 2 + sigma^2 / 4 + ...), residuals N(0, 0.1^2) per coordinate.
    const pts = rows(d);
    expectMean(pts.map(([x, y]) => Math.hypot(x, y)), 2, 0.003);
    const res: number[] = [];
    for (const [x, y] of pts) {
      let best = mix.centres[0];
      for (const c of mix.centres) if ((x - c[0]) ** 2 + (y - c[1]) ** 2 < (x - best[0]) ** 2 + (y - best[1]) ** 2) best = c;
      res.push(x - best[0], y - best[1]);
    }
    const { mean, std } = meanStd(res);
    expect(Math.abs(mean)).toBeLessThan(5 * (0.1 / Math.sqrt(res.length)));
    expect(Math.abs(std - 0.1)).toBeLessThan(5 * (0.1 / Math.sqrt(2 * res.length)));
  });

  it('25gaussians: 25 modes of mass 1/25 on the grid {-2..2}^2', () => {
    const mix = mixtureComponents('25gaussians')!;
    expect(mix.centres).toHaveLength(25);
    expect(new Set(mix.centres.map((c) => c.join(','))).size).toBe(25);
    for (const [x, y] of mix.centres) {
      expect([-2, -1, 0, 1, 2]).toContain(x);
      expect([-2, -1, 0, 1, 2]).toContain(y);
    }
    const n = 50_000;
    const { masses, outliers } = modeMasses(generateToy('25gaussians', n, 2), mix.centres, 0.6);
    expect(outliers).toBe(0);
    for (const p of masses) expect(Math.abs(p - 1 / 25)).toBeLessThan(propTol(1 / 25, n));
  });

  it('only the Gaussian mixtures have components', () => {
    for (const name of TOY_DATASETS) {
      expect(mixtureComponents(name) === null).toBe(!name.includes('gaussians'));
    }
    expect(() => mixtureComponents('nine_gaussians')).toThrow(ConfigError);
  });

  it('two_moons: two half circles of radius 2 around (-1, -0.5) and (1, 0.5), half the mass each, in [-3, 3] x [-1.5, 1.5]', () => {
    const n = 20_000;
    const pts = rows(generateToy('two_moons', n, 3));
    let upper = 0;
    let worst = 0;
    for (const [x, y] of pts) {
      const dUpper = Math.abs(Math.hypot(x + 1, y + 0.5) - 2);
      const dLower = Math.abs(Math.hypot(x - 1, y - 0.5) - 2);
      worst = Math.max(worst, Math.min(dUpper, dLower));
      if (dUpper < dLower) upper++;
    }
    expect(worst).toBeLessThan(0.6);
    expect(Math.max(...pts.map((p) => Math.abs(p[0])))).toBeLessThan(3.6);
    expect(Math.max(...pts.map((p) => Math.abs(p[1])))).toBeLessThan(2.1);
    // The two arcs cross nowhere but near their tips, so nearest-arc
    // assignment is right for nearly every sample.
    expect(Math.abs(upper / n - 0.5)).toBeLessThan(propTol(0.5, n) + 0.01);
    // Mean (0, 0): the upper arc's mean (-1, 4/pi - 0.5) and the lower's (1, 0.5 - 4/pi).
    expectMean(pts.map((p) => p[0]), 0);
    expectMean(pts.map((p) => p[1]), 0);
  });

  it('rings: 4 rings of radii 0.5, 1, 1.5, 2, mass 1/4 each', () => {
    expect([...RINGS_RADII]).toEqual([0.5, 1, 1.5, 2]);
    const n = 20_000;
    const counts = [0, 0, 0, 0];
    let worst = 0;
    for (const [x, y] of rows(generateToy('rings', n, 4))) {
      const r = Math.hypot(x, y);
      const k = RINGS_RADII.map((R) => Math.abs(r - R)).reduce((b, d, i, a) => (d < a[b] ? i : b), 0);
      worst = Math.max(worst, Math.abs(r - RINGS_RADII[k]));
      counts[k]++;
    }
    expect(worst).toBeLessThan(6 * 0.04);
    for (const c of counts) expect(Math.abs(c / n - 0.25)).toBeLessThan(propTol(0.25, n));
  });

  it('checkerboard: uniform on the 8 dark squares of [-2, 2]^2', () => {
    const n = 40_000;
    const counts = new Map<string, number>();
    let light = 0;
    for (const [x, y] of rows(generateToy('checkerboard', n, 5))) {
      let cell = '';
      for (let i = 0; i < 4 && !cell; i++) {
        for (let j = 0; j < 4 && !cell; j++) {
          if ((i + j) % 2 === 0 && x >= -2 + i && x <= -1 + i && y >= -2 + j && y <= -1 + j) cell = `${i},${j}`;
        }
      }
      if (!cell) light++;
      counts.set(cell, (counts.get(cell) ?? 0) + 1);
    }
    expect(light).toBe(0);
    expect(counts.size).toBe(8);
    for (const c of counts.values()) expect(Math.abs(c / n - 1 / 8)).toBeLessThan(propTol(1 / 8, n));
  });

  it('pinwheel: 5-fold rotational symmetry, radius about 2', () => {
    const n = 20_000;
    const pts = rows(generateToy('pinwheel', n, 6));
    const sectors = [0, 0, 0, 0, 0];
    for (const [x, y] of pts) {
      const a = (Math.atan2(y, x) + 2 * Math.PI) % (2 * Math.PI);
      sectors[Math.min(4, Math.floor(a / ((2 * Math.PI) / 5)))]++;
    }
    for (const c of sectors) expect(Math.abs(c / n - 0.2)).toBeLessThan(propTol(0.2, n));
    expectMean(pts.map((p) => p[0]), 0);
    expectMean(pts.map((p) => p[1]), 0);
    // Radius 2 |f|, f = (1 + 0.3 z0, 0.1 z1): E|f| ~ 1 + 0.1^2 / 2 = 1.005.
    expectMean(pts.map(([x, y]) => Math.hypot(x, y)), 2.01, 0.01);
  });

  it('swiss_roll: radius t / 5 with t uniform on [1.5 pi, 4.5 pi]', () => {
    const n = 20_000;
    const r = rows(generateToy('swiss_roll', n, 7)).map(([x, y]) => Math.hypot(x, y));
    expectMean(r, (3 * Math.PI) / 5, 0.01);
    expect(Math.min(...r)).toBeGreaterThan((1.5 * Math.PI) / 5 - 0.6);
    expect(Math.max(...r)).toBeLessThan((4.5 * Math.PI) / 5 + 0.6);
  });

  it('two_spirals: point-symmetric, squared radius uniform times pi^2', () => {
    const n = 20_000;
    const pts = rows(generateToy('two_spirals', n, 8));
    expectMean(pts.map((p) => p[0]), 0);
    expectMean(pts.map((p) => p[1]), 0);
    // r = pi sqrt(u): E r^2 = pi^2 / 2, plus 2 * 0.1^2 from the noise.
    expectMean(pts.map(([x, y]) => x * x + y * y), Math.PI ** 2 / 2 + 0.02);
  });

  it('validates the name, n and seed', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('did not throw');
    };
    const e = err(() => generateToy('9gaussians', 10, 0));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.field).toBe('dataset');
    for (const name of TOY_DATASETS) expect(e.message).toContain(name);
    for (const n of [0, -1, 1.5, NaN, MAX_TOY_SAMPLES + 1, Infinity, '10' as unknown as number]) {
      const x = err(() => generateToy('rings', n, 0));
      expect(x).toBeInstanceOf(ConfigError);
      expect(x.field).toBe('n');
    }
    for (const seed of [-1, 2 ** 32, 0.5, NaN]) {
      const x = err(() => generateToy('rings', 5, seed));
      expect(x).toBeInstanceOf(ConfigError);
      expect(x.field).toBe('seed');
    }
    expect(MAX_TOY_SAMPLES).toBe(2 ** 24);
    expect(generateToy('rings', 1, 0)).toHaveLength(2);
    expect(generateToy('rings', 3, 2 ** 32 - 1)).toHaveLength(6);
    expect(() => toyInfo('moons')).toThrow(/two_moons/);
  });
});

/** The DataError thrown by f. */
function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect(e).toBeInstanceOf(FebmError);
    return e as DataError;
  }
  throw new Error('did not throw');
}

describe('CSV', () => {
  it('reads plain comma-separated rows', () => {
    const r = parseCsv('1,2\n3,4.5\n-6e-1,+.25\n');
    expect(r.rows).toBe(3);
    expect(r.dim).toBe(2);
    expect([...r.data]).toEqual([1, 2, 3, 4.5, Math.fround(-0.6), 0.25]);
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.columns).toBeUndefined();
  });

  it('detects a header, skips comments, blank lines and the trailing newline', () => {
    const text = '# exported by hand\n\nx, y ,z\n1,2,3  # first\n\n   \n4,5,6\r\n# end\n\n';
    const r = parseCsv(text);
    expect(r).toEqual({ data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 2, dim: 3, columns: ['x', 'y', 'z'] });
    expect(parseCsv('"x","y"\n"1",2\n').columns).toEqual(['x', 'y']);
  });

  it('detects ; and tab separators, and blank-separated values', () => {
    expect(parseCsv('a;b\n1;2\n3;4').data).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(parseCsv('1\t2\r\n3\t4\r\n').dim).toBe(2);
    expect(parseCsv('1  2\n3 4\n').data).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(parseCsv('1;2\n3;4', { delimiter: ';' }).rows).toBe(2);
    // Single column.
    expect(parseCsv('v\n1\n2\n3\n')).toMatchObject({ rows: 3, dim: 1 });
    // \r line ends and a byte order mark.
    expect(parseCsv('\uFEFF1,2\r3,4').rows).toBe(2);
  });

  it('header detection can be forced', () => {
    expect(parseCsv('1,2\n3,4', { header: true })).toMatchObject({ rows: 1, columns: ['1', '2'] });
    const e = dataError(() => parseCsv('x,y\n1,2', { header: false }));
    expect(e.message).toBe("line 1, column 1: 'x' is not a number");
  });

  it('names the line of a ragged row', () => {
    const e = dataError(() => parseCsv('1,2\n3,4\n5,6\n# c\n7,8\n\n1,2,3\n'));
    expect(e.message).toBe('line 7: 3 values, expected 2 like line 1');
    expect(e.line).toBe(7);
    expect(e.row).toBeUndefined();
    expect(dataError(() => parseCsv('x,y\n# units\n1,2\n3\n')).message).toBe('line 4: 1 value, expected 2 like line 3');
    expect(dataError(() => parseCsv('x,y\n1,2,3\n')).message).toBe('line 2: 3 values, expected 2 like the header on line 1');
  });

  it('names the line and column of a value that is not a number', () => {
    const e = dataError(() => parseCsv('x,y\n1,2\n3,4\n5,abc\n'));
    expect(e.message).toBe("line 4, column 2: 'abc' is not a number");
    expect([e.line, e.column]).toEqual([4, 2]);
    expect(dataError(() => parseCsv('1,2\n3,\n')).message).toBe('line 2, column 2: empty value');
    expect(dataError(() => parseCsv('1;2\n3,5;4\n')).message).toBe(
      "line 2, column 1: '3,5' is not a number (decimal commas are not supported)",
    );
    expect(dataError(() => parseCsv('1,2\n0x10,1\n')).message).toBe("line 2, column 1: '0x10' is not a number");
  });

  it('rejects NaN, Infinity and values beyond the float32 range', () => {
    expect(dataError(() => parseCsv('1,2\nNaN,1\n')).message).toBe("line 2, column 1: 'NaN' is not a finite number");
    expect(dataError(() => parseCsv('1,2\n1,-inf\n')).message).toBe("line 2, column 2: '-inf' is not a finite number");
    expect(dataError(() => parseCsv('1,2\n1,Infinity\n')).message).toContain("line 2, column 2: 'Infinity' is not a finite number");
    const e = dataError(() => parseCsv('1,2\n1,2\n1e39,0\n'));
    expect(e.message).toMatch(/^line 3, column 1: '1e39' is beyond the float32 range/);
    expect(dataError(() => parseCsv('1,-1e400\n')).message).toMatch(/^line 1, column 2: '-1e400' is beyond the float32 range/);
    // The largest float32 itself is fine.
    expect(parseCsv('3.4028234663852886e38').data[0]).toBe(3.4028234663852886e38);
  });

  it('rejects empty input and input without rows', () => {
    expect(dataError(() => parseCsv('')).message).toBe('no data: the input is empty');
    expect(dataError(() => parseCsv('\n \n')).message).toBe('no data: the input is empty');
    expect(dataError(() => parseCsv('# only\n# comments\n')).message).toBe('no data: the input holds only comments and blank lines');
    const e = dataError(() => parseCsv('# c\nx,y\n'));
    expect(e.message).toBe('no data rows: only a header on line 2');
    expect(e.line).toBe(2);
  });

  it('enforces maxRows and maxBytes before converting values', () => {
    const text = 'x,y\n1,2\n3,4\n5,6\n';
    expect(parseCsv(text, { maxRows: 3, maxBytes: 24 }).rows).toBe(3);
    expect(dataError(() => parseCsv(text, { maxRows: 2 })).message).toBe('3 rows exceed the limit of 2 rows');
    expect(dataError(() => parseCsv(text + '7,oops\n', { maxBytes: 16 })).message).toBe(
      "4 rows x 2 values = 32 bytes exceed the device's maxStorageBufferBindingSize of 16",
    );
  });

  it('parseData picks CSV or JSON from the text', () => {
    expect(parseData('1,2\n3,4').rows).toBe(2);
    expect(parseData('  [[1,2],[3,4],[5,6]]').rows).toBe(3);
    expect(parseData('{"data":[[1]]}').dim).toBe(1);
  });
});

describe('JSON', () => {
  it('reads an array of arrays and the object form', () => {
    const a = parseJson('[[1, 2.5], [-3, 4e-2]]');
    expect(a).toEqual({ data: new Float32Array([1, 2.5, -3, 4e-2]), rows: 2, dim: 2 });
    const b = parseJson('{"name": "demo", "data": [[1, 2, 3]]}');
    expect(b).toEqual({ data: new Float32Array([1, 2, 3]), rows: 1, dim: 3 });
  });

  it('names the row of a ragged row or a bad value', () => {
    const e = dataError(() => parseJson('[[1,2],[3,4],[5]]'));
    expect(e.message).toBe('row 2: 1 value, expected 2 like row 0');
    expect(e.row).toBe(2);
    expect(e.line).toBeUndefined();
    const f = dataError(() => parseJson('{"data": [[1,2],[3,"abc"]]}'));
    expect(f.message).toBe('row 1, value 1: "abc" is not a number');
    expect([f.row, f.column]).toEqual([1, 1]);
    expect(dataError(() => parseJson('[[1,2],[3,null]]')).message).toBe(
      'row 1, value 1: null is not a number (JSON.stringify writes NaN and Infinity as null)',
    );
    expect(dataError(() => parseJson('[[1,2],[true,1]]')).message).toBe('row 1, value 0: a boolean is not a number');
    expect(dataError(() => parseJson('[[1,2],{"x":1}]')).message).toBe('row 1: expected an array of numbers, got an object');
    expect(dataError(() => parseJson('[1,2,3]')).message).toBe(
      'row 0: expected an array of numbers, got a number (write 1-D data as [[1], [2], ...])',
    );
  });

  it('rejects values beyond the float32 range', () => {
    expect(dataError(() => parseJson('[[1],[1e39]]')).message).toMatch(/^row 1, value 0: 1e\+39 is beyond the float32 range/);
    expect(dataError(() => parseJson('[[1],[-1e999]]')).message).toMatch(/^row 1, value 0: -Infinity is beyond the float32 range/);
  });

  it('rejects empty input, bad JSON, the wrong shape and dimension 0', () => {
    expect(dataError(() => parseJson('')).message).toBe('no data: the input is empty');
    expect(dataError(() => parseJson('[[1,2],')).message).toMatch(/^not valid JSON: /);
    expect(dataError(() => parseJson('[]')).message).toBe('no data: the array of rows is empty');
    expect(dataError(() => parseJson('{"data": []}')).message).toBe('no data: the array of rows is empty');
    expect(dataError(() => parseJson('{"rows": [[1]]}')).message).toMatch(/has no "data"/);
    expect(dataError(() => parseJson('{"data": 5}')).message).toBe('"data" must be an array of rows, got a number');
    expect(dataError(() => parseJson('"x"')).message).toMatch(/expected an array of rows.*got a string/);
    const e = dataError(() => parseJson('[[], []]'));
    expect(e.message).toBe('row 0: no values (dimension 0)');
    expect(e.row).toBe(0);
  });

  it('enforces maxRows and maxBytes', () => {
    const text = JSON.stringify({ data: Array.from({ length: 1000 }, (_, i) => [i, i, i]) });
    expect(parseJson(text, { maxBytes: 12_000 }).rows).toBe(1000);
    expect(dataError(() => parseJson(text, { maxBytes: 11_999 })).message).toBe(
      "1000 rows x 3 values = 12000 bytes exceed the device's maxStorageBufferBindingSize of 11999",
    );
    expect(dataError(() => parseJson(text, { maxRows: 999 })).message).toBe('1000 rows exceed the limit of 999 rows');
  });
});
