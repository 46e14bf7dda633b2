/**
 * What a sweep took (Node): every sweep command (`misalign sweep`,
 * `misalign reproduce`, a shard on another machine) keeps its own record,
 *
 *   DIR/invocations/<started>-<host>-<pid>.json
 *     { started, updated, ended, host, pid, jobs, shard, runs, skipped, toRun, done, failed }
 *
 * rewritten (atomically) when it starts, at most once a minute while its runs
 * make progress, whenever one of them finishes or fails, and when it ends. A
 * command that is killed keeps its last record (`ended` stays null): its wall
 * time is counted to within a minute of the kill. One file per command, so
 * commands on machines sharing DIR never write the same file.
 */
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureWritableDir, readJsonIfExists, writeJson } from '../common/files.js';

export const INVOCATIONS_DIR = 'invocations';

export interface Invocation {
  /** ISO times: the command's start, its last record, its end (null until it ends). */
  started: string;
  updated: string;
  ended: string | null;
  host: string;
  pid: number;
  jobs: number;
  /** `i/n`, or null for the whole grid. */
  shard: string | null;
  /** Distinct runs of this command's part, those already finished when it started, and those it had to run. */
  runs: number;
  skipped: number;
  toRun: number;
  /** Runs it finished, and runs that failed, so far. */
  done: number;
  failed: number;
}

/** The record of the running command: `alive`, `runFinished` and `end` rewrite it, one write at a time. */
export class InvocationLog {
  private chain: Promise<void> = Promise.resolve();
  private lastWrite = Date.now();

  private constructor(
    private readonly path: string,
    private record: Invocation,
  ) {}

  static async start(dir: string, fields: Pick<Invocation, 'jobs' | 'shard' | 'runs' | 'skipped' | 'toRun'>, now = new Date()): Promise<InvocationLog> {
    const folder = join(dir, INVOCATIONS_DIR);
    await ensureWritableDir(folder);
    const host = hostname();
    const started = now.toISOString();
    const record: Invocation = { started, updated: started, ended: null, host, pid: process.pid, ...fields, done: 0, failed: 0 };
    const log = new InvocationLog(join(folder, `${started.replace(/[:.]/g, '-')}-${host.replace(/[^\w-]/g, '_')}-${process.pid}.json`), record);
    await log.write();
    return log;
  }

  /** Notes that the command is still at work (rewrites the record at most every `everyMs`). */
  alive(everyMs = 60_000): Promise<void> {
    return Date.now() - this.lastWrite >= everyMs ? this.write() : this.chain;
  }

  /** Counts a finished (or failed) run. */
  runFinished(ok: boolean): Promise<void> {
    this.record = { ...this.record, done: this.record.done + (ok ? 1 : 0), failed: this.record.failed + (ok ? 0 : 1) };
    return this.write();
  }

  end(): Promise<void> {
    this.record = { ...this.record, ended: new Date().toISOString() };
    return this.write();
  }

  private write(): Promise<void> {
    this.lastWrite = Date.now();
    this.record = { ...this.record, updated: this.record.ended ?? new Date().toISOString() };
    const snapshot = this.record;
    // Each write waits for the one before; one that failed does not stop the next.
    this.chain = this.chain.catch(() => undefined).then(() => writeJson(this.path, snapshot));
    return this.chain;
  }
}

/** Every command's record in DIR, oldest first (none for a folder older than these records). */
export async function readInvocations(dir: string): Promise<Invocation[]> {
  let names: string[];
  try {
    names = (await readdir(join(dir, INVOCATIONS_DIR))).filter((n) => n.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: Invocation[] = [];
  for (const name of names) {
    const r = await readJsonIfExists<Invocation>(join(dir, INVOCATIONS_DIR, name));
    if (r) records.push(r);
  }
  return records.sort((a, b) => a.started.localeCompare(b.started));
}

export interface SweepTime {
  commands: number;
  /** Summed over commands: from each one's start to its last record (wall time, if they ran one after another). */
  busySeconds: number;
  /** From the first start to the last record (wall time, if they ran side by side). */
  spanSeconds: number;
}

export function sweepTime(records: readonly Invocation[]): SweepTime | null {
  if (records.length === 0) return null;
  const t = (iso: string) => Date.parse(iso) / 1000;
  return {
    commands: records.length,
    busySeconds: records.reduce((s, r) => s + (t(r.updated) - t(r.started)), 0),
    spanSeconds: Math.max(...records.map((r) => t(r.updated))) - Math.min(...records.map((r) => t(r.started))),
  };
}

/** The wall time the records in DIR give (null for a folder without them). */
export async function readSweepTime(dir: string): Promise<SweepTime | null> {
  return sweepTime(await readInvocations(dir));
}
