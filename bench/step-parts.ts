/**
 * Where a quick-preset step's time goes (`npm run bench -- parts`): the data
 * (the WebAssembly sampler), copying it in, each encoder's forward and
 * backward, the loss, clipping and Adam, timed inside real steps of the
 * WebAssembly engine on one thread (CoreEngine.onPhase), for I_θ = [5] and
 * for a 10-dimensional encoding (I_θ = [10]). Each part's row compares it
 * with the whole step of the same run (ratio = step / part).
 *
 * The calls between JavaScript and WebAssembly are counted (every call of an
 * export during one step) and priced at the measured cost of one call
 * through a binding (gemm with an empty product: the argument checks, the
 * boundary and the return). Steps are timed from initialisation; late in a
 * run the loss skips far negatives and gets cheaper (docs/performance.md).
 */
import { createEngine } from '../src/experiments/lifecycle.js';
import { coreBatchSource } from '../src/experiments/numeric/batches.js';
import { resolveNumericConfig, type NumericConfig } from '../src/experiments/numeric/config.js';
import { numericModel, numericWorld } from '../src/experiments/numeric/index.js';
import { gemm } from '../src/kernels/gemm.js';
import { Kernels } from '../src/kernels/module.js';
import { CoreEngine, type StepPhase } from '../src/training/core-engine.js';
import type { StepBatch } from '../src/training/engine.js';
import type { BenchRow } from './harness.js';

const STEPS = 300;
const WARMUP = 30;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Counts calls of the module's exports while `fn` runs. */
function countCalls(k: Kernels, fn: () => void): number {
  let calls = 0;
  const real = k.exports;
  // The exports object is frozen: count through a copy whose functions are wrapped.
  const counting = Object.fromEntries(
    Object.entries(real).map(([name, v]) => [
      name,
      typeof v === 'function'
        ? (...args: unknown[]) => {
            calls++;
            return (v as (...a: unknown[]) => unknown)(...args);
          }
        : v,
    ]),
  ) as unknown as typeof real;
  (k as { exports: typeof real }).exports = counting;
  try {
    fn();
  } finally {
    (k as { exports: typeof real }).exports = real;
  }
  return calls;
}

/** µs of one call through a binding that does nothing in WebAssembly (gemm of an empty product). */
function callMicros(k: Kernels): number {
  const a = k.arena.alloc(4);
  const one = () => gemm(k, { M: 1, N: 1, K: 0, A: a, B: a, C: a, beta: 0 });
  for (let i = 0; i < 10_000; i++) one();
  const n = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) one();
  return ((performance.now() - t0) / n) * 1000;
}

async function parts(name: string, config: NumericConfig): Promise<BenchRow[]> {
  const k = await Kernels.load();
  const engine = await createEngine(numericModel(config), config, k);
  if (!(engine instanceof CoreEngine)) throw new Error('the parts bench needs the WebAssembly engine');
  const batches = coreBatchSource(config, numericWorld(config), k);
  const samples = new Map<string, number[]>();
  const add = (part: string, ms: number) => samples.get(part)?.push(ms) ?? samples.set(part, [ms]);
  let current = new Map<string, number>();
  let last = 0;
  engine.onPhase = (phase: StepPhase) => {
    const now = performance.now();
    current.set(phase, (current.get(phase) ?? 0) + now - last);
    last = now;
  };
  for (let s = 1; s <= WARMUP + STEPS; s++) {
    current = new Map();
    const t0 = performance.now();
    const batch = (await batches(s)) as StepBatch;
    const t1 = performance.now();
    last = t1;
    engine.step(batch, config.lr, config.tau);
    const t2 = performance.now();
    if (s <= WARMUP) continue;
    add('data', t1 - t0);
    for (const [phase, ms] of current) add(phase, ms);
    add('step', t2 - t0);
  }
  engine.onPhase = null;
  const finalBatch = (await batches(WARMUP + STEPS + 1)) as StepBatch;
  const calls = countCalls(k, () => engine.step(finalBatch, config.lr, config.tau));
  const perCall = callMicros(k);
  engine.close();
  k.close();
  const step = median(samples.get('step')!);
  const rows: BenchRow[] = [];
  const partRow = (part: string, ms: number): BenchRow => ({
    name: `step-${name}-${part.replace(/ /g, '-')}`,
    ms,
    gflops: null,
    baseline: `whole step (${step.toFixed(3)} ms)`,
    baselineMs: step,
    ratio: step / ms,
  });
  for (const [part, xs] of samples) if (part !== 'step') rows.push(partRow(part, median(xs)));
  rows.push({ ...partRow(`calls-${calls}x${perCall.toFixed(2)}us`, (calls * perCall) / 1000) });
  return rows;
}

export async function stepPartsBench(): Promise<BenchRow[]> {
  return [
    ...(await parts('quick', resolveNumericConfig({ theta: 386, preset: 'quick' }))),
    ...(await parts('quick-d10', resolveNumericConfig({ theta: 1023, preset: 'quick' }))),
  ];
}
