/**
 * The training worker of the web page: one numeric experiment (SPEC §2–6) on
 * the WebAssembly core, off the UI thread. It is the library's runExperiment
 * step by step, so that it can report progress and probe the encoders while
 * they train. The page stops a run by terminating this worker.
 */
import { errorMessage } from './errors.js';
import type { StartMessage, WorkerMessage } from './protocol.js';
import { Kernels } from '../kernels/module.js';
import { createEngine, createWorld, evaluateRun, resolveRunConfig, summarize, type RunConfig } from '../experiments/run.js';
import { coreBatchSource } from '../training/batch-source.js';
import { train } from '../training/trainer.js';

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<StartMessage>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Interim probes use a quarter of the samples and short probe training: a glimpse, not the result. */
function interimConfig(config: RunConfig): RunConfig {
  return { ...config, evalSamples: Math.max(512, Math.floor(config.evalSamples / 4)), probe: { ...config.probe, maxEpochs: Math.min(config.probe.maxEpochs, 10) } };
}

/** Lets queued messages go out between long stretches of computation. */
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function run(message: StartMessage): Promise<void> {
  const engine = message.engine === 'wasm' ? {} : { engine: 'tfjs' as const, backend: message.engine };
  const config = resolveRunConfig({ ...message.settings, ...engine, threads: 1 });
  scope.postMessage({ type: 'config', config });
  const kernels = await Kernels.load();
  const world = createWorld(config);
  const model = await createEngine(config, kernels);
  const every = message.interimProbes > 0 ? Math.ceil(config.steps / (message.interimProbes + 1)) : Infinity;
  let nextProbe = every;
  const snapshot = await train(config, world, model, {
    batches: coreBatchSource(config, world, kernels),
    onProgress: (p) => scope.postMessage({ type: 'progress', step: p.step, steps: p.steps, loss: p.loss, stepsPerSecond: p.stepsPerSecond, eta: p.eta }),
    onCheckpoint: async (s) => {
      if (s.step < config.steps && s.step >= nextProbe) {
        nextProbe += every;
        scope.postMessage({ type: 'probe', step: s.step, factors: evaluateRun(interimConfig(config), kernels, model, world), final: false });
      }
      await breathe();
    },
  });
  const t0 = performance.now();
  const factors = evaluateRun(config, kernels, model, world);
  scope.postMessage({ type: 'done', config, metrics: summarize(config, factors, snapshot.seconds, (performance.now() - t0) / 1000) });
  model.close();
}

scope.onmessage = (event) => {
  if (event.data.type !== 'start') return;
  run(event.data).catch((error: unknown) => scope.postMessage({ type: 'error', message: errorMessage(error) }));
};
