/**
 * Messages between the page (main.ts) and the training worker (worker.ts).
 * The page sends one `start`; the worker answers with `config`, then
 * `progress` rows while training, `probe` heatmaps every so often, and
 * finally `done` (or `error`). Stopping a run terminates the worker.
 */
import type { FactorResult } from '../probes/evaluate.js';
import type { EmbeddingProbeResult } from '../probes/embeddings.js';
import type { NumericConfig, NumericSettings } from '../experiments/numeric/config.js';
import type { NumericMetrics } from '../experiments/numeric/index.js';

/** The engine the page offers: our WebAssembly compute core, or tfjs on the GPU. */
export type WebEngine = 'core' | 'webgl' | 'webgpu';

export interface StartMessage {
  type: 'start';
  settings: NumericSettings;
  engine: WebEngine;
  /** Probes during training (smaller samples) this many times before the end; 0 for none. */
  interimProbes: number;
}

export type WorkerMessage =
  | { type: 'config'; config: NumericConfig }
  | { type: 'progress'; step: number; steps: number; loss: number; stepsPerSecond: number; eta: number }
  | { type: 'probe'; step: number; factors: FactorResult[]; final: false }
  /** `build`: the compute core's build that trained ('relaxed-simd' where the browser runs it; null on tfjs). */
  | { type: 'done'; config: NumericConfig; metrics: NumericMetrics; build: 'relaxed-simd' | 'simd128' | null }
  | { type: 'error'; message: string };

/** The page asks the probe worker (probe-worker.ts) to probe dropped files. */
export interface ProbeRequest {
  type: 'probe';
  embeddingsName: string;
  /** The embeddings file's bytes (.npy, or a CSV of numbers). */
  embeddings: ArrayBuffer;
  factorsName: string;
  /** The factors CSV's text (a header row; a column named split chooses the sets). */
  factors: string;
  expectKept: string[];
}

export type ProbeReply = ({ type: 'result' } & EmbeddingProbeResult) | { type: 'error'; message: string };
