/**
 * Training speed (`npm run bench -- train`): one optimisation step (both
 * encoders forward and backward on a batch and its fresh negatives, the
 * loss, clipping, Adam) for the paper's configuration (batch 6144, paper
 * widths, I_θ = [5]: f_x is 15→150→750→750→750→750→150→5) and for the quick
 * preset (batch 512, in-batch negatives, f_x 15→60→60→60→5) with I_θ = [5]
 * and with a 10-dimensional encoding (I_θ = [10], the perturbation grid's
 * size: f_t 15→60→60→60→10), on the WebAssembly engine (1 and 2 threads)
 * against the tfjs-wasm engine on the same model. The quick rows also
 * run against JAX doing the same step on the same core, one thread
 * (`-jax` rows; bench/peers/jax_quick_step.py, set up as
 * bench/peers/README.md says; pin the suite: `taskset -c 0 npm run bench --
 * train`). Data generation is included (it is part of a step). Steps are timed from initialisation; late
 * in a run the loss skips far negatives and a step is cheaper
 * (docs/performance.md).
 */
import { Kernels } from '../src/kernels/module.js';
import { createEngine } from '../src/experiments/lifecycle.js';
import { coreBatchSource } from '../src/experiments/numeric/batches.js';
import { resolveNumericConfig, type NumericConfig } from '../src/experiments/numeric/config.js';
import { numericModel, numericWorld } from '../src/experiments/numeric/index.js';
import { netForwardMacs } from '../src/encoders/net.js';
import type { Engine, StepBatch } from '../src/training/engine.js';
import { row, time, type BenchRow, type Timing } from './harness.js';
import { cpuModel, runPeer } from './peers.js';

/** Useful flops of one step: 3 × forward (forward, and two GEMMs back) for each encoder's passes of B rows (2 with fresh negatives, 1 with in-batch). */
function stepFlops(config: NumericConfig): number {
  const { x, t } = numericModel(config);
  const passes = config.negatives === 'fresh' ? 2 : 1;
  return 2 * 3 * passes * config.batch * (netForwardMacs(x) + netForwardMacs(t));
}

/** Steps with their data drawn as training draws it (the WebAssembly sampler, on `kernels`). */
async function timeSteps(config: NumericConfig, engine: Engine, kernels: Kernels, runs: number, warmup = Math.min(20, runs)): Promise<Timing> {
  const batches = coreBatchSource(config, numericWorld(config), kernels);
  let step = 0;
  return time(() => engine.step(batches(++step) as StepBatch, config.lr, config.tau), { warmup, runs });
}

async function measure(name: string, config: NumericConfig, runs: number, baselineRuns: number): Promise<BenchRow[]> {
  const one = await Kernels.load();
  const ours1 = await timeSteps(config, await createEngine(numericModel(config), config, one), one, runs);
  one.close();
  const two = await Kernels.load({ threads: 2 });
  const ours2 = await timeSteps({ ...config, threads: 2 }, await createEngine(numericModel(config), config, two), two, runs);
  two.close();
  let theirs: Timing | null = null;
  try {
    const tfConfig = { ...config, engine: 'tfjs' as const, backend: 'wasm' as const };
    const tfEngine = await createEngine(numericModel(tfConfig), tfConfig, one);
    theirs = await timeSteps(tfConfig, tfEngine, one, baselineRuns, 1);
    tfEngine.close();
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    const why = /Aborted/.test(message) ? 'aborted (its wasm heap cannot hold this model and batch)' : message;
    process.stderr.write(`bench: tfjs-wasm engine, ${name}, cannot run: ${why}\n`);
  }
  const flops = stepFlops(config);
  const withRate = (r: BenchRow): BenchRow => ({ ...r, stepsPerSecond: 1000 / r.ms });
  return [
    withRate(row(`train-step-${name}`, ours1, 'tfjs-wasm engine', theirs, flops)),
    withRate(row(`train-step-${name}-2t`, ours2, 'misalign, 1 thread', ours1, flops)),
  ];
}

/** The same quick step in JAX on this core (bench/peers/jax_quick_step.py); `ours` is our one-thread row. */
function jaxRow(name: string, config: NumericConfig, ours: BenchRow): BenchRow {
  const { x, t } = numericModel(config);
  const width = (spec: typeof x) => (spec.layers[0]?.kind === 'dense' ? spec.layers[0].units : 0);
  const peer = runPeer(`JAX peer, ${name}`, 'jax_quick_step.py', [
    ...['--dim', config.encodingSize, '--batch', config.batch, '--width', width(x), '--text-width', width(t), '--slope', x.slope],
    ...['--tau', config.tau, '--alpha', config.alpha, '--clip', config.clip, '--lr', config.lr],
  ]);
  const r = row(
    `train-step-${name}-jax`,
    { ms: ours.ms, runs: 0 },
    `${peer?.framework ?? 'JAX'} (XLA), 1 thread`,
    peer?.timing ?? null,
    ours.gflops === null ? undefined : ours.gflops * ours.ms * 1e6,
  );
  return { ...r, stepsPerSecond: 1000 / r.ms };
}

export async function trainBench(): Promise<BenchRow[]> {
  process.stderr.write(`bench: train: CPU ${cpuModel()}\n`);
  const paper = resolveNumericConfig({ theta: 386, preset: 'paper' });
  const quick = resolveNumericConfig({ theta: 386, preset: 'quick' });
  const quick10 = resolveNumericConfig({ theta: 1023, preset: 'quick' });
  // The quick rows first: tfjs-wasm aborts on the paper configuration (its heap cannot hold the
  // B×B loss matrices at B = 6144), and an aborted tfjs-wasm module cannot run anything after.
  const quick5 = await measure('quick', quick, 200, 5);
  const quick10Rows = await measure('quick-d10', quick10, 200, 5);
  const quickRows = [...quick5, jaxRow('quick', quick, quick5[0]!), ...quick10Rows, jaxRow('quick-d10', quick10, quick10Rows[0]!)];
  return [...(await measure('paper-b6144', paper, 5, 1)), ...quickRows];
}
