/**
 * Where a result came from (Node): the misalign version and commit, Node's
 * version, the machine (CPU model, cores, host, platform), the threads the
 * work used, and when the command that wrote it started and ended. Every
 * output a run, sweep, probe or report writes carries one under
 * `provenance`: metrics.json of a run (train and eval), downstream.json,
 * summary.json of a sweep, a probe's metrics.json, and a report's page. It
 * never goes into config.json, which describes the run itself (its hash is
 * the run's id in a sweep) and reproduces it on any machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, platform, arch } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadedBuild } from '../kernels/module.js';

export interface Provenance {
  /** misalign's version (package.json). */
  misalign: string;
  /** The git commit of the misalign checkout that ran, or null when it is not a git checkout (an installed package). */
  commit: string | null;
  /** Whether that checkout had uncommitted changes (null without a commit). */
  dirty: boolean | null;
  node: string;
  cpu: string;
  cores: number;
  /** Threads of the WebAssembly core per run (a sweep: runs at the same time, as `jobs`). */
  threads: number;
  /**
   * The core's build this process computed with: 'relaxed-simd' (fused multiply-adds) or 'simd128'
   * (src/kernels/module.ts); the two agree to float rounding, not bit for bit. Absent when the
   * process loaded no core (a report page).
   */
  build?: 'relaxed-simd' | 'simd128';
  host: string;
  platform: string;
  /** ISO 8601 times of the command that wrote the file. */
  started: string;
  finished: string;
}

/** The package's root folder: two up from src/experiments/ and from dist/experiments/. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** This package's version, from its own package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

let source: { commit: string | null; dirty: boolean | null } | undefined;

/** The checkout's commit and whether it has changes, asked of git once per process (null, null outside a checkout or without git). */
function sourceState(): { commit: string | null; dirty: boolean | null } {
  if (source) return source;
  source = { commit: null, dirty: null };
  if (!existsSync(`${ROOT}.git`)) return source;
  const git = (...args: string[]) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', timeout: 5000 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0 || !/^[0-9a-f]{40}$/.test(head.stdout.trim())) return source;
  const status = git('status', '--porcelain', '--untracked-files=no');
  source = { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== '' : null };
  return source;
}

/** The provenance of work that used `threads` threads and ran from `started` until now. */
export function provenance(threads: number, started: Date): Provenance {
  const { commit, dirty } = sourceState();
  return {
    misalign: packageVersion(),
    commit,
    dirty,
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    threads,
    ...(loadedBuild() ? { build: loadedBuild()! } : {}),
    host: hostname(),
    platform: `${platform()}-${arch()}`,
    started: started.toISOString(),
    finished: new Date().toISOString(),
  };
}

/** One line for a page's footer: "misalign 0.1.0 (commit 1a2b3c4d), Node v20.20.2, AMD EPYC ×2, host h, 2026-12-06 16:41–16:52 UTC". */
export function provenanceLine(p: Provenance): string {
  const commit = p.commit ? ` (commit ${p.commit.slice(0, 10)}${p.dirty ? ', with local changes' : ''})` : '';
  const time = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  const threads = `${p.threads} thread${p.threads === 1 ? '' : 's'}${p.build ? `, ${p.build}` : ''}`;
  return (
    `misalign ${p.misalign}${commit}, Node ${p.node}, ${p.cpu} (${p.cores} cores, ${threads}), ` +
    `host ${p.host}, ${time(p.started)} to ${time(p.finished)} UTC`
  );
}
