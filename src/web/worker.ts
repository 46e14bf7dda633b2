/**
 * The training worker of the web page: one numeric experiment on the
 * WebAssembly core (or tfjs on the GPU), off the UI thread, through the
 * library's run lifecycle (experiments/lifecycle.ts), reporting progress and
 * probing the encoders while they train. The page stops a run by terminating
 * this worker.
 */
import { errorMessage } from './errors.js';
import type { StartMessage, WorkerMessage } from './protocol.js';
import type { Model } from '../experiments/experiment.js';
import type { DataGenerator } from '../mixing/generator.js';
import { trainAndEvaluate, withModel } from '../experiments/lifecycle.js';
import { resolveNumericConfig, type NumericConfig } from '../experiments/numeric/config.js';
import { numericExperiment, type NumericMetrics } from '../experiments/numeric/index.js';
import { loadedBuild } from '../kernels/module.js';

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<StartMessage>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Interim probes use a quarter of the samples and short probe training: a glimpse, not the result. */
function interimConfig(config: NumericConfig): NumericConfig {
  return {
    ...config,
    evalSamples: Math.max(512, Math.floor(config.evalSamples / 4)),
    probe: { ...config.probe, maxEpochs: Math.min(config.probe.maxEpochs, 10) },
  };
}

/** Lets queued messages go out between long stretches of computation. */
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function run(message: StartMessage): Promise<void> {
  const engine = message.engine === 'core' ? {} : { engine: 'tfjs' as const, backend: message.engine };
  const config = resolveNumericConfig({ ...message.settings, ...engine, threads: 1 });
  scope.postMessage({ type: 'config', config });
  const every = message.interimProbes > 0 ? Math.ceil(config.steps / (message.interimProbes + 1)) : Infinity;
  let nextProbe = every;
  await withModel(config, async (model) => {
    const { metrics } = await trainAndEvaluate(model, {
      onProgress: (p) => scope.postMessage({ type: 'progress', step: p.step, steps: p.steps, loss: p.loss, stepsPerSecond: p.stepsPerSecond, eta: p.eta }),
      onCheckpoint: async (s, live) => {
        if (s.step < config.steps && s.step >= nextProbe) {
          nextProbe += every;
          const glimpse = { ...(live as Model<NumericConfig, DataGenerator>), config: interimConfig(config) };
          scope.postMessage({ type: 'probe', step: s.step, factors: await numericExperiment.evaluate(glimpse, config.evalSeed), final: false });
        }
        await breathe();
      },
    });
    scope.postMessage({ type: 'done', config, metrics: metrics as NumericMetrics, build: config.engine === 'core' ? loadedBuild() : null });
  });
}

scope.onmessage = (event) => {
  if (event.data.type !== 'start') return;
  run(event.data).catch((error: unknown) => scope.postMessage({ type: 'error', message: errorMessage(error) }));
};
