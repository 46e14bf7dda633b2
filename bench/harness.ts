/**
 * Benchmark plumbing: median timings after warm-up, one row per measured
 * operation with its baseline and the ratio baselineMs / ms, printed as a
 * table or (with --json) one JSON object per line.
 */

import { Rng } from '../src/common/rng.js';

/** n standard normal draws from the seed's stream, times `scale`. */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  Rng.fromSeed(seed).fillNormal(out);
  return scale === 1 ? out : out.map((v) => v * scale);
}

export interface BenchRow {
  name: string;
  ms: number;
  /** Useful GFLOP/s, where the operation has a natural flop count; null otherwise. */
  gflops: number | null;
  baseline: string;
  /** null where the baseline cannot run (the reason is in `baseline`). */
  baselineMs: number | null;
  /** baselineMs / ms: above 1 means we are faster. */
  ratio: number | null;
  /** For training rows: optimisation steps per second (1000 / ms). */
  stepsPerSecond?: number;
}

export interface Timing {
  /** Median over the timed runs, in ms. */
  ms: number;
  runs: number;
}

/** Median wall time of `fn` over `runs` timed calls after `warmup` untimed ones. */
export async function time(fn: () => unknown, { warmup = 1, runs = 5 } = {}): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, runs };
}

/** The faster of two timings (runs taken in turn keep each one's best round: the clock drifts over a run). */
export const faster = (a: Timing, b: Timing): Timing => (a.ms <= b.ms ? a : b);

export function row(name: string, ours: Timing, baseline: string, theirs: Timing | null, flops?: number): BenchRow {
  return {
    name,
    ms: ours.ms,
    gflops: flops === undefined ? null : flops / (ours.ms * 1e6),
    baseline,
    baselineMs: theirs === null ? null : theirs.ms,
    ratio: theirs === null ? null : theirs.ms / ours.ms,
  };
}

/** Times `fn`, or returns null (and says why on stderr) if it throws. */
export async function timeOrNull(what: string, fn: () => unknown, options?: { warmup?: number; runs?: number }): Promise<Timing | null> {
  try {
    return await time(fn, options);
  } catch (error) {
    process.stderr.write(`bench: ${what} cannot run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return null;
  }
}

export function print(rows: BenchRow[], json: boolean): void {
  if (json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  const header = ['name', 'ms', 'steps/s', 'GFLOP/s', 'baseline', 'baseline ms', 'ratio'];
  const cells = rows.map((r) => [
    r.name,
    r.ms.toFixed(3),
    r.stepsPerSecond === undefined ? '-' : r.stepsPerSecond.toFixed(2),
    r.gflops === null ? '-' : r.gflops.toFixed(2),
    r.baseline,
    r.baselineMs === null ? 'n/a' : r.baselineMs.toFixed(3),
    r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 || i === 4 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}
