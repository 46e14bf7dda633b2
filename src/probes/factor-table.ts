/**
 * The factors of someone's embeddings, from a table (docs/evaluation.md#your-own-embeddings):
 * a CSV with a header (parsed with csv-parse), or numeric columns with names
 * (a .npy). Which columns are what:
 *
 *   discrete     integer or text columns (class codes 0..C−1 in sorted order of the values)
 *   continuous   columns with any non-integer number
 *   overrides    `discrete` and `continuous` name columns to treat the other way
 *   groups       `name=a,b,c`: continuous columns probed together as one factor (e.g. m_x)
 *   split        a column of fit/score (or train/test, 0/1): the probes' sets
 *
 * Bad tables get one line naming the column and the first bad row: an empty
 * or non-numeric value in a continuous column, a constant column, an unknown
 * column in an override, group or split.
 */
import { parse } from 'csv-parse/browser/esm/sync';
import { MisalignError } from '../common/errors.js';
import type { FactorSpec } from './embeddings.js';

export interface FactorTableOptions {
  discrete?: readonly string[];
  continuous?: readonly string[];
  /** Continuous factors made of several columns: name → columns. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** The column that says which rows fit the probes and which score them. */
  split?: string;
  /** Columns to leave out (e.g. an id). */
  ignore?: readonly string[];
  /** Factors probed only from the text embeddings (text-specific ones, such as a caption's phrasing). */
  textOnly?: readonly string[];
  /** Discrete columns of class codes 0..C−1 with a known C (a class may be absent from the rows). */
  classes?: Readonly<Record<string, number>>;
}

export interface FactorTable {
  rows: number;
  factors: FactorSpec[];
  /** Per row: 0 fitting, 1 scoring, when a split column was named. */
  split?: Uint8Array;
}

const SPLIT_WORDS: Record<string, number> = { fit: 0, train: 0, '0': 0, score: 1, test: 1, '1': 1 };

/**
 * A table from column names and per-column text values (row order). When the
 * values are a subset of a file's rows, `rowIds` gives each one's row in the
 * file (0-based), so that errors name the file's row.
 */
export function factorTable(
  names: readonly string[],
  columns: readonly (readonly string[])[],
  options: FactorTableOptions = {},
  rowIds?: readonly number[],
): FactorTable {
  const rows = columns[0]?.length ?? 0;
  const rowOf = (r: number) => (rowIds?.[r] ?? r) + 1;
  const index = new Map(names.map((n, i) => [n, i]));
  const known = (what: string, name: string) => {
    if (!index.has(name)) throw new MisalignError('INDEX_OUT_OF_RANGE', `${what} names column '${name}', which the factors do not have (${names.join(', ')})`);
    return index.get(name)!;
  };
  for (const n of options.discrete ?? []) known('--discrete', n);
  for (const n of options.continuous ?? []) known('--continuous', n);
  for (const n of options.ignore ?? []) known('--ignore', n);
  for (const n of options.textOnly ?? []) if (!options.groups?.[n]) known('--text-only', n);
  for (const n of Object.keys(options.classes ?? {})) known('classes', n);
  const both = (options.discrete ?? []).find((n) => options.continuous?.includes(n));
  if (both) throw new MisalignError('CONFLICTING_OPTIONS', `column '${both}' is named both discrete and continuous`);
  const grouped = new Set<string>();
  for (const [g, cols] of Object.entries(options.groups ?? {})) {
    if (cols.length === 0) throw new MisalignError('INVALID_LIST', `group '${g}' names no columns`);
    for (const c of cols) {
      known(`group '${g}'`, c);
      grouped.add(c);
    }
  }
  let split: Uint8Array | undefined;
  if (options.split !== undefined) {
    const col = columns[known('--split', options.split)]!;
    split = new Uint8Array(rows);
    col.forEach((v, r) => {
      const s = SPLIT_WORDS[v.trim().toLowerCase()];
      if (s === undefined)
        throw new MisalignError('OUT_OF_RANGE', `split column '${options.split}' row ${rowOf(r)}: '${v}' is not fit/score, train/test or 0/1`);
      split![r] = s;
    });
  }
  const numbers = (name: string, col: readonly string[]): Float64Array =>
    Float64Array.from(col, (v, r) => {
      const x = v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(x)) throw new MisalignError('NON_FINITE_INPUT', `factor '${name}' row ${rowOf(r)}: '${v}' is not a finite number`);
      return x;
    });
  const checkVaries = (name: string, values: ArrayLike<number | string>) => {
    for (let r = 1; r < values.length; r++) if (values[r] !== values[0]) return;
    throw new MisalignError('OUT_OF_RANGE', `factor '${name}' is constant (every row is '${values[0]}'): there is nothing to predict`);
  };
  const factors: FactorSpec[] = [];
  names.forEach((name, i) => {
    if (name === options.split || grouped.has(name) || options.ignore?.includes(name)) return;
    const col = columns[i]!;
    const numeric = col.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    const integer = numeric && col.every((v) => Number.isInteger(Number(v)));
    const discrete = options.discrete?.includes(name) || (!options.continuous?.includes(name) && (!numeric || integer));
    const fixed = options.classes?.[name];
    if (fixed !== undefined) {
      const codes = Int32Array.from(col, (v, r) => {
        const c = Number(v);
        if (!Number.isInteger(c) || c < 0 || c >= fixed)
          throw new MisalignError('OUT_OF_RANGE', `factor '${name}' row ${rowOf(r)}: '${v}' is not a class code 0..${fixed - 1}`);
        return c;
      });
      checkVaries(name, codes);
      factors.push({ name, kind: 'discrete', classes: Array.from({ length: fixed }, (_, c) => String(c)), codes });
    } else if (discrete) {
      checkVaries(name, col);
      const labels = [...new Set(col)].sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
      const code = new Map(labels.map((l, c) => [l, c]));
      factors.push({ name, kind: 'discrete', classes: labels, codes: Int32Array.from(col, (v) => code.get(v)!) });
    } else {
      const values = numbers(name, col);
      checkVaries(name, values);
      factors.push({ name, kind: 'continuous', columns: 1, values });
    }
  });
  for (const [g, cols] of Object.entries(options.groups ?? {})) {
    const parts = cols.map((c) => numbers(c, columns[index.get(c)!]!));
    const values = new Float64Array(rows * cols.length);
    for (let r = 0; r < rows; r++) parts.forEach((p, j) => (values[r * cols.length + j] = p[r]!));
    parts.forEach((p, j) => checkVaries(cols[j]!, p));
    factors.push({ name: g, kind: 'continuous', columns: cols.length, values });
  }
  for (const f of factors) if (options.textOnly?.includes(f.name)) f.encodings = ['text'];
  return { rows, factors, ...(split && { split }) };
}

/** A factor table from CSV text with a header row. */
export function parseFactorCsv(text: string, options: FactorTableOptions = {}, what = 'factors'): FactorTable {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new MisalignError('FILE_CORRUPT', `${what} is not a readable CSV: ${(error as Error).message.split('\n')[0]}`);
  }
  const [header, ...body] = records as [string[], ...string[][]];
  return factorTableFromRecords(header, body, options, what);
}

/** A factor table from a CSV's header and rows of values (`rowIds` as for `factorTable`). */
export function factorTableFromRecords(
  header: readonly string[] | undefined,
  body: readonly (readonly string[])[],
  options: FactorTableOptions = {},
  what = 'factors',
  rowIds?: readonly number[],
): FactorTable {
  if (header === undefined || body.length === 0) throw new MisalignError('FILE_CORRUPT', `${what} needs a header row and at least one row of values`);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new MisalignError('FILE_CORRUPT', `${what} has two columns named '${dup}'`);
  return factorTable(
    header,
    header.map((_, c) => body.map((r) => r[c]!)),
    options,
    rowIds,
  );
}

/**
 * An (N, d) matrix from a CSV of numbers (embeddings), with an optional header
 * row (a first row that is not all numbers); empty cells read as NaN, which the
 * caller checks. Rows of another length are an error naming the row.
 */
export function parseNumberCsv(text: string, what = 'embeddings'): { data: Float64Array; rows: number; dim: number } {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (error) {
    throw new MisalignError('FILE_CORRUPT', `${what} is not a readable CSV: ${(error as Error).message.split('\n')[0]}`);
  }
  const body = records.length > 0 && records[0]!.some((c) => c === '' || !Number.isFinite(Number(c))) ? records.slice(1) : records;
  if (body.length === 0) throw new MisalignError('FILE_CORRUPT', `${what} holds no rows of numbers`);
  const dim = body[0]!.length;
  const data = new Float64Array(body.length * dim);
  body.forEach((cells, r) => cells.forEach((c, j) => (data[r * dim + j] = c === '' ? NaN : Number(c))));
  return { data, rows: body.length, dim };
}
