/**
 * Writing results safely (Node): every file is written to a temporary name
 * in the same folder and renamed over the target, so a crash at any moment
 * leaves either the old file or the new one, never half of one.
 */
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MisalignError } from './errors.js';

let counter = 0;

export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${Date.now()}-${process.pid}-${counter++}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Rows of objects with the same keys as CSV (header from the first row's keys). */
export async function writeCsv(path: string, rows: object[], columns?: string[]): Promise<void> {
  const header = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  await writeAtomic(path, stringify(rows as Record<string, unknown>[], { header: true, columns: header }));
}

/** Creates `dir` if needed and checks it can be written; a one-line NOT_WRITABLE error otherwise. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await makeDirs(resolve(dir));
    await access(dir, constants.W_OK);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : 'unknown error';
    throw new MisalignError('NOT_WRITABLE', `cannot write to ${dir} (${reason})`);
  }
}

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

/**
 * `mkdir -p` one level at a time: finds the nearest existing ancestor, which
 * must be a folder that can be written, then creates each missing level
 * (another process creating one first is fine). Not `mkdir(dir, { recursive:
 * true })`: in Node 20 it loops forever, at full CPU, where a folder exists
 * but refuses new entries with ENOENT (/proc/x).
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  let existing = dir;
  for (;;) {
    try {
      if (!(await stat(existing)).isDirectory()) throw Object.assign(new Error(`${existing} is not a folder`), { code: 'ENOTDIR' });
      break;
    } catch (error) {
      const parent = dirname(existing);
      if (errorCode(error) !== 'ENOENT' || parent === existing) throw error;
      missing.push(existing);
      existing = parent;
    }
  }
  if (missing.length === 0) return;
  await access(existing, constants.W_OK);
  for (const level of missing.reverse()) {
    try {
      await mkdir(level);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST' || !(await stat(level)).isDirectory()) throw error;
    }
  }
}

/** Parses the JSON file at `path`; null if it does not exist; a one-line FILE_CORRUPT error if it is not JSON. */
export async function readJsonIfExists<T>(path: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new MisalignError('FILE_CORRUPT', `${path} is not valid JSON`);
  }
}
