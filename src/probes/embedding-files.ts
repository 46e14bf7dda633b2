/**
 * `misalign probe` on files (Node): embeddings from a .npy, a named array of
 * an .npz (`file.npz:name`) or a CSV of numbers; factors from a CSV with a
 * header or a .npy with `names`; the probes of probes/embeddings.ts; the
 * results written as a run's are (metrics.json, metrics.csv, a heatmap as SVG
 * and PNG, index.html). docs/evaluation.md#your-own-embeddings.
 *
 * Large arrays are not read whole: when they have more rows than `maxRows`
 * (default 40,960: the paper's two evaluation sets of 20,480), a random subset
 * of that many rows (from the seed, stream 'rows') is read in place, which is
 * all the probes would use. Only the rows read are checked for NaN and Inf.
 * A factors CSV is streamed (csv-parse's stream API) and only those rows are
 * kept; a factors .npy is read in place like the embeddings. So the memory a
 * probe needs is the subset's, whatever the files' size; each column's kind
 * (discrete or continuous) is then decided on the rows read.
 *
 * Progress: `onProgress` (of probes/embeddings.ts) hears of each probe as it
 * finishes; `misalign probe` prints it on stderr.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse';
import { MisalignError } from '../common/errors.js';
import { NpyFile } from '../common/npy-file.js';
import { Rng } from '../common/rng.js';
import type { Kernels } from '../kernels/module.js';
import { probeEmbeddings, type EmbeddingProbeResult, type EmbeddingSet, type FactorSpec, type ProbeEmbeddingsOptions } from './embeddings.js';
import { factorTable, factorTableFromRecords, parseNumberCsv, type FactorTable, type FactorTableOptions } from './factor-table.js';

export const DEFAULT_MAX_ROWS = 40_960;

/** `file.npz:name` → the file and the array; any other path is the file alone. */
export function parseArrayPath(spec: string): { path: string; array?: string } {
  const m = /^(.*\.npz):([^/\\]+)$/.exec(spec);
  return m ? { path: m[1]!, array: m[2]! } : { path: spec };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MisalignError(code === 'ENOENT' ? 'FILE_MISSING' : 'FILE_CORRUPT', code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${code}`);
  }
}

/** An embeddings file, open: its shape, and rows on request. */
export interface EmbeddingFile {
  what: string;
  rows: number;
  dim: number;
  read(rows: readonly number[]): Promise<Float64Array>;
  close(): Promise<void>;
}

export async function openEmbeddings(spec: string): Promise<EmbeddingFile> {
  const { path, array } = parseArrayPath(spec);
  if (path.endsWith('.npy') || path.endsWith('.npz')) {
    const npy = await NpyFile.open(path, array);
    const [rows, dim] = npy.matrix;
    return { what: npy.what, rows, dim, read: (r) => npy.rows(r), close: () => npy.close() };
  }
  if (!path.endsWith('.csv')) throw new MisalignError('FILE_CORRUPT', `${path}: embeddings must be a .npy, an .npz array (file.npz:name) or a .csv`);
  const { data, rows: count, dim } = parseNumberCsv(await readText(path), path);
  return {
    what: path,
    rows: count,
    dim,
    read: async (rows) => {
      const out = new Float64Array(rows.length * dim);
      rows.forEach((r, k) => out.set(data.subarray(r * dim, (r + 1) * dim), k * dim));
      return out;
    },
    close: async () => {},
  };
}

/** A factor table over some rows of a file, and the file's row count. */
export interface FactorRows extends FactorTable {
  fileRows: number;
}

/**
 * Factors from a CSV with a header, or from a .npy (or .npz array) whose
 * columns `names` names: every row, or only the rows `keep` lists (0-based,
 * ascending), in that order.
 */
export async function readFactors(
  spec: string,
  options: FactorTableOptions & { names?: readonly string[] } = {},
  keep?: readonly number[],
): Promise<FactorRows> {
  const { path, array } = parseArrayPath(spec);
  if (path.endsWith('.csv')) {
    if (options.names) throw new MisalignError('CONFLICTING_OPTIONS', `--names is for factors in a .npy; ${path} has its own header`);
    return streamFactorCsv(path, options, keep);
  }
  if (!(path.endsWith('.npy') || path.endsWith('.npz')))
    throw new MisalignError('FILE_CORRUPT', `${path}: factors must be a .csv with a header, or a .npy with --names`);
  const npy = await NpyFile.open(path, array);
  try {
    const [fileRows, cols] = npy.matrix;
    if (!options.names) throw new MisalignError('MISSING_OPTION', `${path} has no column names: give them with --names (${cols} of them)`);
    if (options.names.length !== cols) throw new MisalignError('SHAPE_MISMATCH', `--names gives ${options.names.length} names, ${path} has ${cols} columns`);
    const rows = keep ?? Array.from({ length: fileRows }, (_, i) => i);
    if (rows.length > 0 && rows[rows.length - 1]! >= fileRows) return { rows: 0, factors: [], fileRows };
    const data = await npy.rows(rows);
    const columns = options.names.map((_, c) => Array.from(rows, (_, r) => String(data[r * cols + c]!)));
    return { ...factorTable(options.names, columns, options, keep), fileRows };
  } finally {
    await npy.close();
  }
}

/** A factors CSV read as a stream, keeping the rows `keep` lists (all if none), and counting every row. */
async function streamFactorCsv(path: string, options: FactorTableOptions, keep?: readonly number[]): Promise<FactorRows> {
  const source = createReadStream(path);
  const parser = parse({ skip_empty_lines: true, trim: true });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let header: string[] | undefined;
  const body: string[][] = [];
  let row = 0;
  let next = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header === undefined) header = record;
      else {
        if (keep === undefined || keep[next] === row) {
          body.push(record);
          next++;
        }
        row++;
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MisalignError('FILE_MISSING', `${path} does not exist`);
    if (error instanceof CsvError) throw new MisalignError('FILE_CORRUPT', `${path} is not a readable CSV: ${error.message.split('\n')[0]}`);
    throw new MisalignError('FILE_CORRUPT', `cannot read ${path}: ${code ?? (error as Error).message}`);
  }
  // A file with fewer rows than the embeddings: the caller reports the counts.
  if (keep !== undefined && next < keep.length) return { rows: 0, factors: [], fileRows: row };
  return { ...factorTableFromRecords(header, body, options, path, keep), fileRows: row };
}

export interface ProbeFilesOptions extends Omit<ProbeEmbeddingsOptions, 'split'>, FactorTableOptions {
  /** The embeddings (the image's, or the only ones) and optionally the text's. */
  embeddings: string;
  embeddingsText?: string;
  factors: string;
  /** Column names of a .npy of factors. */
  names?: readonly string[];
  /** Drop rows with a NaN or Inf in any embedding, instead of stopping. */
  dropNonfinite?: boolean;
  /** Read at most this many rows (a random subset from the seed). Default 40,960. */
  maxRows?: number;
  /** Random streams of the MLP probes on each embedding (probes/embeddings.ts; an exported run names its own). */
  streams?: EmbeddingSet['streams'];
  streamsText?: EmbeddingSet['streams'];
}

export interface ProbeFilesResult extends EmbeddingProbeResult {
  /** Rows in the files, rows read (a subset when more than maxRows), rows dropped as non-finite. */
  totalRows: number;
  readRows: number;
  droppedRows: number;
}

/** Rows 0..n−1, or a sorted random subset of `max` of them (stream 'rows' of the seed). */
export function rowsToRead(n: number, max: number, seed: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const rng = Rng.fromSeed(seed).fork('rows');
  const chosen = new Set<number>();
  while (chosen.size < max) chosen.add(Math.floor(rng.uniform() * n));
  return [...chosen].sort((a, b) => a - b);
}

/** A factor at the positions `rows` of its table. */
function pickFactor(f: FactorSpec, rows: readonly number[]): FactorSpec {
  if (f.kind === 'discrete') return { ...f, codes: Int32Array.from(rows, (r) => f.codes[r]!) };
  const out = new Float64Array(rows.length * f.columns);
  rows.forEach((r, k) => out.set(f.values.subarray(r * f.columns, (r + 1) * f.columns), k * f.columns));
  return { ...f, values: out };
}

/** Reads the files, checks them, and probes; every bad input is one line naming it. */
export async function probeEmbeddingFiles(kernels: Kernels, o: ProbeFilesOptions): Promise<ProbeFilesResult> {
  const files = [await openEmbeddings(o.embeddings)];
  try {
    if (o.embeddingsText !== undefined) files.push(await openEmbeddings(o.embeddingsText));
    const n = files[0]!.rows;
    for (const f of files.slice(1)) if (f.rows !== n) throw new MisalignError('SHAPE_MISMATCH', `${f.what} has ${f.rows} rows, ${files[0]!.what} ${n}`);
    const seed = o.seed ?? 0;
    const max = o.maxRows ?? DEFAULT_MAX_ROWS;
    if (!Number.isInteger(max) || max < 2) throw new MisalignError('OUT_OF_RANGE', `--max-rows must be an integer of at least 2, got ${max}`);
    const rows = rowsToRead(n, max, seed);
    // The factors of the rows read (in the order of `rows`), and the file's row count.
    const table = await readFactors(o.factors, o, rows);
    if (table.fileRows !== n) throw new MisalignError('SHAPE_MISMATCH', `${o.factors} has ${table.fileRows} rows, ${files[0]!.what} ${n}`);
    const read = await Promise.all(files.map((f) => f.read(rows)));
    // NaN and Inf: count the rows with any, name the first (1-based, in the file).
    const bad = new Set<number>();
    read.forEach((data, e) => {
      const d = files[e]!.dim;
      rows.forEach((_, k) => {
        for (let j = 0; j < d; j++) if (!Number.isFinite(data[k * d + j]!)) bad.add(k);
      });
    });
    const badRows = [...bad].sort((a, b) => a - b);
    if (badRows.length > 0 && !o.dropNonfinite) {
      throw new MisalignError(
        'NON_FINITE_INPUT',
        `${badRows.length} row${badRows.length === 1 ? '' : 's'} of the embeddings hold NaN or Inf` +
          (rows.length < n ? ` (of the ${rows.length} rows read)` : '') +
          `, the first is row ${rows[badRows[0]!]! + 1}; --drop-nonfinite leaves them out`,
      );
    }
    const keep = rows.map((_, k) => k).filter((k) => !bad.has(k));
    const sets: EmbeddingSet[] = read.map((data, e) => {
      const d = files[e]!.dim;
      const out = new Float32Array(keep.length * d);
      keep.forEach((k, i) => {
        for (let j = 0; j < d; j++) out[i * d + j] = data[k * d + j]!;
      });
      const streams = e === 0 ? o.streams : o.streamsText;
      return {
        name: e === 0 ? (o.embeddingsText !== undefined ? 'image' : 'embedding') : 'text',
        data: out,
        rows: keep.length,
        dim: d,
        ...(streams && { streams }),
      };
    });
    const factors = table.factors.map((f) => pickFactor(f, keep));
    const split = table.split ? Uint8Array.from(keep, (k) => table.split![k]!) : undefined;
    // Class counts a probe.json declares (an exported run's scene factors) are not held to MIN_ROWS_PER_CLASS.
    const result = probeEmbeddings(kernels, sets, factors, { ...o, seed, split, knownClasses: [...(o.knownClasses ?? []), ...Object.keys(o.classes ?? {})] });
    return { ...result, totalRows: n, readRows: rows.length, droppedRows: badRows.length };
  } finally {
    for (const f of files) await f.close();
  }
}
