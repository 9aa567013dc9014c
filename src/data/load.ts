// User data from CSV or JSON text: N rows of d numbers, as row-major float32.
//
// CSV (parseCsv):
//   - one row per line; "\n", "\r\n" and "\r" all end a line; a UTF-8 byte
//     order mark is skipped;
//   - separator: ',' by default; when the first content line holds a tab the
//     separator is a tab, else when it holds ';' it is ';', else when it holds
//     no ',' but has values separated by blanks, runs of blanks separate
//     (options.delimiter overrides the detection);
//   - '#' starts a comment that runs to the end of the line; lines that are
//     blank once the comment is removed are skipped (a trailing newline too);
//   - an optional header: the first content line is a header when none of its
//     fields is a number (options.header: true / false forces it); header
//     names may be quoted ("x"), so may values (quotes are removed; a quoted
//     field may not hold the separator);
//   - every value is a decimal number (123, -1.5, .5, 1e-3, +2); NaN, Infinity,
//     empty fields and values beyond the float32 range are errors.
// JSON (parseJson): an array of rows, each an array of numbers
// ([[1, 2], [3, 4]]), or an object with such an array under "data"
// ({"data": [[1, 2], [3, 4]]}); other keys are ignored.
//
// Errors are DataError, naming the place: for CSV the 1-based line of the
// text ("line 7: 3 values, expected 2 like line 1") and the 1-based column
// ("line 4, column 2: 'abc' is not a number"); for JSON the 0-based row index
// and value index ("row 3, value 1: "abc" is not a number").
//
// Size limits: options.maxRows, and options.maxBytes (the trainer passes the
// device's maxStorageBufferBindingSize) on rows x d x 4 bytes; both are
// checked before any value is converted.

import { FebmError } from '../errors';

/**
 * Malformed or oversized user data; `line` (CSV, 1-based) or `row` (JSON,
 * 0-based) says where in text, `offset` (0-based byte) where in a binary file
 * (IDX, .npy; src/data/idx.ts, src/data/npy.ts), and `file` which file when
 * the caller named it.
 */
export class DataError extends FebmError {
  readonly line: number | undefined;
  readonly row: number | undefined;
  readonly column: number | undefined;
  readonly offset: number | undefined;
  readonly file: string | undefined;
  constructor(message: string, where: { line?: number; row?: number; column?: number; offset?: number; file?: string } = {}) {
    super(message);
    this.line = where.line;
    this.row = where.row;
    this.column = where.column;
    this.offset = where.offset;
    this.file = where.file;
  }
}

export interface ParsedData {
  /** Row-major [rows][dim] values. */
  data: Float32Array;
  rows: number;
  dim: number;
  /** Column names from a CSV header line, when there was one. */
  columns?: string[];
}

export interface LoadLimits {
  /** Largest rows x dim x 4 accepted (e.g. the device's maxStorageBufferBindingSize). */
  maxBytes?: number;
  /** Largest number of rows accepted. */
  maxRows?: number;
  /** What maxBytes is, for the message; default "the device's maxStorageBufferBindingSize". */
  maxBytesName?: string;
}

export interface CsvOptions extends LoadLimits {
  /** The separator; detected from the first content line when left out. */
  delimiter?: ',' | ';' | '\t' | 'whitespace';
  /** Whether the first content line is a header; detected when left out. */
  header?: boolean;
}

/** The largest finite float32 (values that round to it in f32 are accepted, larger ones are not). */
export const F32_MAX = 3.4028234663852886e38;

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;

/** Refuses rows x dim beyond the limits (before any value is converted). */
export function checkLimits(rows: number, dim: number, limits: LoadLimits): void {
  if (limits.maxRows !== undefined && rows > limits.maxRows) {
    throw new DataError(`${rows} rows exceed the limit of ${limits.maxRows} rows`);
  }
  if (limits.maxBytes !== undefined) {
    const bytes = rows * dim * 4;
    if (bytes > limits.maxBytes) {
      const name = limits.maxBytesName ?? "the device's maxStorageBufferBindingSize";
      throw new DataError(`${rows} rows x ${dim} values = ${bytes} bytes exceed ${name} of ${limits.maxBytes}`);
    }
  }
}

/** Why a CSV field is not an acceptable value, or null when it is; stores the value in out[0]. */
function csvValue(field: string, out: Float64Array): string | null {
  if (field === '') return 'empty value';
  if (NUMBER_RE.test(field)) {
    const v = Number(field);
    if (!Number.isFinite(Math.fround(v))) {
      return `'${field}' is beyond the float32 range (magnitude at most ${F32_MAX.toPrecision(8)})`;
    }
    out[0] = v;
    return null;
  }
  if (NON_FINITE_RE.test(field)) return `'${field}' is not a finite number`;
  if (/^[+-]?\d+,\d+$/.test(field)) return `'${field}' is not a number (decimal commas are not supported)`;
  return `'${field}' is not a number`;
}

function unquote(field: string): string {
  const f = field.trim();
  if (f.length >= 2 && ((f[0] === '"' && f[f.length - 1] === '"') || (f[0] === "'" && f[f.length - 1] === "'"))) {
    return f.slice(1, -1).trim();
  }
  return f;
}

type Delim = NonNullable<CsvOptions['delimiter']>;

function detectDelimiter(line: string): Delim {
  if (line.includes('\t')) return '\t';
  if (line.includes(';')) return ';';
  if (line.includes(',')) return ',';
  if (/\S\s+\S/.test(line)) return 'whitespace';
  return ',';
}

function splitFields(line: string, delim: Delim): string[] {
  if (delim === 'whitespace') return line.trim().split(/\s+/).map(unquote);
  return line.split(delim).map(unquote);
}

/** Parses CSV text (see the top of this file) into N rows of d numbers. */
export function parseCsv(text: string, options: CsvOptions = {}): ParsedData {
  if (typeof text !== 'string') throw new DataError('the input is not text');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DataError('no data: the input is empty');
  const rawLines = text.split(/\r\n|\n|\r/);
  // Content lines: comment removed, not blank; with their 1-based line numbers.
  const content: { line: number; text: string }[] = [];
  for (let i = 0; i < rawLines.length; i++) {
    let t = rawLines[i];
    const hash = t.indexOf('#');
    if (hash >= 0) t = t.slice(0, hash);
    if (t.trim() !== '') content.push({ line: i + 1, text: t });
  }
  if (content.length === 0) throw new DataError('no data: the input holds only comments and blank lines');

  const delim = options.delimiter ?? detectDelimiter(content[0].text);
  const scratch = new Float64Array(1);
  let start = 0;
  let columns: string[] | undefined;
  const first = splitFields(content[0].text, delim);
  const isHeader = options.header ?? first.every((f) => csvValue(f, scratch) !== null);
  if (isHeader) {
    columns = first;
    start = 1;
  }
  const rows = content.length - start;
  if (rows === 0) {
    throw new DataError(`no data rows: only a header on line ${content[0].line}`, { line: content[0].line });
  }
  const dimLine = content[start];
  const dim = splitFields(dimLine.text, delim).length;
  if (columns && columns.length !== dim) {
    throw new DataError(
      `line ${dimLine.line}: ${dim} value${dim === 1 ? '' : 's'}, expected ${columns.length} like the header on line ${content[0].line}`,
      { line: dimLine.line },
    );
  }
  checkLimits(rows, dim, options);

  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const { line, text: t } = content[start + r];
    const fields = splitFields(t, delim);
    if (fields.length !== dim) {
      throw new DataError(
        `line ${line}: ${fields.length} value${fields.length === 1 ? '' : 's'}, expected ${dim} like line ${dimLine.line}`,
        { line },
      );
    }
    for (let c = 0; c < dim; c++) {
      const why = csvValue(fields[c], scratch);
      if (why !== null) throw new DataError(`line ${line}, column ${c + 1}: ${why}`, { line, column: c + 1 });
      data[r * dim + c] = scratch[0];
    }
  }
  return columns ? { data, rows, dim, columns } : { data, rows, dim };
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Parses JSON text: [[...], ...] or {"data": [[...], ...]} (see the top of this file). */
export function parseJson(text: string, limits: LoadLimits = {}): ParsedData {
  if (typeof text !== 'string') throw new DataError('the input is not text');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DataError('no data: the input is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DataError(`not valid JSON: ${(e as Error).message}`);
  }
  let rowsIn: unknown = doc;
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    if (!('data' in doc)) {
      throw new DataError('expected an array of rows, or an object with the rows under "data"; the object has no "data"');
    }
    rowsIn = (doc as { data: unknown }).data;
    if (!Array.isArray(rowsIn)) throw new DataError(`"data" must be an array of rows, got ${describeJson(rowsIn)}`);
  }
  if (!Array.isArray(rowsIn)) {
    throw new DataError(`expected an array of rows, or an object with the rows under "data", got ${describeJson(rowsIn)}`);
  }
  const rows = rowsIn.length;
  if (rows === 0) throw new DataError('no data: the array of rows is empty');
  const rowAt = (r: number): unknown[] => {
    const row: unknown = rowsIn[r];
    if (!Array.isArray(row)) {
      const hint = typeof row === 'number' ? ' (write 1-D data as [[1], [2], ...])' : '';
      throw new DataError(`row ${r}: expected an array of numbers, got ${describeJson(row)}${hint}`, { row: r });
    }
    return row;
  };
  const dim = rowAt(0).length;
  if (dim === 0) throw new DataError('row 0: no values (dimension 0)', { row: 0 });
  checkLimits(rows, dim, limits);

  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const row = rowAt(r);
    if (row.length !== dim) {
      throw new DataError(`row ${r}: ${row.length} value${row.length === 1 ? '' : 's'}, expected ${dim} like row 0`, { row: r });
    }
    for (let c = 0; c < dim; c++) {
      const v = row[c];
      const at = `row ${r}, value ${c}`;
      if (typeof v !== 'number') {
        const shown = typeof v === 'string' ? JSON.stringify(v) : describeJson(v);
        const hint = v === null ? ' (JSON.stringify writes NaN and Infinity as null)' : '';
        throw new DataError(`${at}: ${shown} is not a number${hint}`, { row: r, column: c });
      }
      if (!Number.isFinite(Math.fround(v))) {
        throw new DataError(`${at}: ${v} is beyond the float32 range (magnitude at most ${F32_MAX.toPrecision(8)})`, {
          row: r,
          column: c,
        });
      }
      data[r * dim + c] = v;
    }
  }
  return { data, rows, dim };
}

/** JSON when the text starts with '[' or '{' (after blanks), CSV otherwise. */
export function parseData(text: string, options: CsvOptions = {}): ParsedData {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('[') || head.startsWith('{') ? parseJson(text, options) : parseCsv(text, options);
}
