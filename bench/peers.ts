/**
 * Running a peer script (bench/peers/, bench/peers/README.md) next to a suite: the same step in
 * another framework, as a child process on the same core, read back as one JSON line
 * `{"<framework>": version, "ms": ms per step, ...}`. Also the machine's CPU model, which every
 * suite with a peer prints beside its rows.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timing } from './harness.js';

/** The peer's core when this process is not pinned to one. */
const DEFAULT_CORE = '0';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A peer's time per step and its framework's version. */
export interface PeerResult {
  timing: Timing;
  /** e.g. "PyTorch 2.13.0+cpu" or "JAX 0.10.2". */
  framework: string;
}

const FRAMEWORKS: Record<string, string> = { torch: 'PyTorch', jax: 'JAX' };

/** The machine's CPU model: /proc/cpuinfo's "model name", else lscpu's, else Node's. */
export function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // Not Linux: try lscpu, then Node.
  }
  const lscpu = spawnSync('lscpu', { encoding: 'utf8' });
  const model = lscpu.status === 0 ? /^Model name:\s*(.+)$/m.exec(lscpu.stdout)?.[1] : undefined;
  return model?.trim() ?? cpus()[0]?.model ?? 'unknown CPU';
}

/**
 * `taskset -c <core>` when taskset exists, else nothing. The core is this process's own when it
 * is pinned to one (as `taskset -c 0 npm run bench -- image` pins it), else core 0.
 */
function pinning(): string[] {
  const own = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
  if (own.status !== 0) return [];
  const list = /:\s*(\S+)\s*$/.exec(own.stdout)?.[1] ?? '';
  return ['taskset', '-c', /^\d+$/.test(list) ? list : DEFAULT_CORE];
}

/**
 * Runs bench/peers/<script> with `args`, pinned as this process is (`pinning`), one thread; null
 * (and why on stderr, naming `what`) if it cannot run. The python is $MISALIGN_PEER_PYTHON, else
 * .venv-peers/bin/python in the repository.
 */
export function runPeer(what: string, script: string, args: (string | number)[]): PeerResult | null {
  const python = process.env.MISALIGN_PEER_PYTHON ?? join(ROOT, '.venv-peers', 'bin', 'python');
  const fail = (why: string) => {
    process.stderr.write(`bench: ${what} cannot run: ${why}\n`);
    return null;
  };
  if (!existsSync(python)) return fail(`no python at ${python} (set MISALIGN_PEER_PYTHON, or see bench/peers/README.md)`);
  const [command, ...rest] = [...pinning(), python, join(ROOT, 'bench', 'peers', script), ...args.map(String)];
  const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const run = spawnSync(command!, rest, { encoding: 'utf8', env });
  if (run.error) return fail(run.error.message);
  if (run.status !== 0) return fail(run.stderr.trim().split('\n').pop() ?? `exit status ${run.status}`);
  try {
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown> & { ms: number; steps: number };
    const key = Object.keys(FRAMEWORKS).find((k) => typeof out[k] === 'string');
    if (!key || typeof out.ms !== 'number') throw new Error('no framework or ms');
    return { timing: { ms: out.ms, runs: out.steps }, framework: `${FRAMEWORKS[key]} ${String(out[key])}` };
  } catch {
    return fail(`unreadable output: ${run.stdout.trim().slice(0, 200)}`);
  }
}
