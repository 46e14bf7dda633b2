/**
 * Run claims: no two processes train the same run at once, even when a shard
 * is started twice or a requeued Slurm task overlaps a straggler
 * (docs/cluster.md#claims-one-process-per-run).
 *
 *   DIR/runs/<id>/claim.json   { host, pid, started, heartbeat, token }
 *
 * A claim is created with O_EXCL (open 'wx'), which is atomic on any POSIX
 * filesystem all nodes mount. Its holder rewrites the heartbeat while the run
 * trains. A claim is taken over when its holder is gone: on the same host,
 * when its pid no longer exists; from another host, when its heartbeat is
 * older than `staleMs`. Taking over removes the old claim under a takeover
 * lock (also O_EXCL), then claims afresh.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const CLAIM_FILE = 'claim.json';
/** A claim from another host whose heartbeat is older than this is taken over (the holder refreshes it every HEARTBEAT_MS). */
export const STALE_MS = 120_000;
export const HEARTBEAT_MS = 20_000;

export interface ClaimRecord {
  host: string;
  pid: number;
  /** ISO times. */
  started: string;
  heartbeat: string;
  /** Random, so a holder recognises its own claim. */
  token: string;
}

export interface ClaimOptions {
  staleMs?: number;
  host?: string;
  pid?: number;
  now?: () => number;
  /** Whether a pid on this host is alive (default: signal 0). */
  alive?: (pid: number) => boolean;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A claim this process holds; `release` removes it (if it is still ours). */
export class RunClaim {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly path: string,
    private record: ClaimRecord,
    private readonly now: () => number,
  ) {}

  /** Rewrites the heartbeat every `everyMs` until released. */
  keepAlive(everyMs = HEARTBEAT_MS): void {
    this.timer = setInterval(() => void this.beat().catch(() => undefined), everyMs);
    this.timer.unref();
  }

  async beat(): Promise<void> {
    const current = await readClaim(this.path);
    if (current?.token !== this.record.token) return; // taken over: leave the new holder's file alone
    this.record = { ...this.record, heartbeat: new Date(this.now()).toISOString() };
    const tmp = `${this.path}.${this.record.token}.tmp`;
    await writeFile(tmp, JSON.stringify(this.record));
    await rename(tmp, this.path);
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const current = await readClaim(this.path);
    if (current?.token === this.record.token) await unlink(this.path).catch(() => undefined);
  }
}

async function readClaim(path: string): Promise<ClaimRecord | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ClaimRecord;
  } catch {
    return null; // absent, or half-written by a holder that died while creating it
  }
}

/** Whether a claim's holder is gone. A claim that cannot be read is judged by its age alone, like one from another host. */
function isStale(record: ClaimRecord | null, options: Required<Pick<ClaimOptions, 'staleMs' | 'host' | 'now' | 'alive'>>, fileAgeMs: number): boolean {
  if (record && record.host === options.host) return !options.alive(record.pid);
  const beat = record ? Date.parse(record.heartbeat) : NaN;
  const age = Number.isFinite(beat) ? options.now() - beat : fileAgeMs;
  return age > options.staleMs;
}

async function fileAgeMs(path: string, now: () => number): Promise<number | null> {
  try {
    return now() - (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Removes a stale claim under a takeover lock (`claim.json.takeover`, created
 * with O_EXCL), so that of several processes that judged it stale only one
 * removes it, and never a fresh claim that replaced it meanwhile. False when
 * another process is taking over (its lock is younger than `staleMs`).
 */
async function removeStaleClaim(path: string, judged: ClaimRecord | null, o: { staleMs: number; now: () => number }): Promise<boolean> {
  const lock = `${path}.takeover`;
  try {
    await (await open(lock, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await fileAgeMs(lock, o.now);
    if (age !== null && age > o.staleMs) await unlink(lock).catch(() => undefined); // its taker died: the next attempt may take over
    return false;
  }
  try {
    const now = await readClaim(path);
    if ((now?.token ?? null) === (judged?.token ?? null)) await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/**
 * Claims the run folder `runDir` for this process: the claim, or null when a
 * live holder has it. Creates the folder if needed.
 */
export async function claimRun(runDir: string, options: ClaimOptions = {}): Promise<RunClaim | null> {
  const o = { staleMs: options.staleMs ?? STALE_MS, host: options.host ?? hostname(), now: options.now ?? Date.now, alive: options.alive ?? pidAlive };
  const pid = options.pid ?? process.pid;
  const path = join(runDir, CLAIM_FILE);
  await mkdir(runDir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    const t = new Date(o.now()).toISOString();
    const record: ClaimRecord = { host: o.host, pid, started: t, heartbeat: t, token: randomBytes(8).toString('hex') };
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(record));
      } finally {
        await handle.close();
      }
      return new RunClaim(path, record, o.now);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await readClaim(path);
    const age = await fileAgeMs(path, o.now);
    if (age === null) continue; // released meanwhile: claim afresh
    if (!isStale(held, o, age)) return null;
    if (!(await removeStaleClaim(path, held, o))) return null;
  }
  return null;
}

/** The claim on a run folder, if any (for tools and tests). */
export async function readRunClaim(runDir: string): Promise<ClaimRecord | null> {
  return readClaim(join(runDir, CLAIM_FILE));
}
