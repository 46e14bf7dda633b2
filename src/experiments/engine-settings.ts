/**
 * Where a run computes, the same for every experiment: our WebAssembly
 * compute core (engine `core`, with `threads` threads) or tfjs on a backend. These settings change how
 * a run is computed, not what it learns (up to the last bits of floating-point
 * sums), so `misalign train --config` lets them differ from the file's.
 */
import type { z } from 'zod';
import { conflict, oneOf, oneOfOrOld, positiveInteger } from '../common/schema.js';
import { ENGINE_NAMES, type EngineName, OLD_ENGINE_NAMES, TFJS_BACKENDS, type TfjsBackend } from '../training/engine.js';

/**
 * The most threads a run may ask for. Every thread of the WebAssembly core
 * keeps its own GEMM scratch in the core's shared memory (2.2 MB: the packed
 * panels of assembly/gemm.ts) and its own workspace of the loss (about
 * 0.9 MB at the paper's batch of 6,144 and 15 dimensions), and that memory
 * cannot grow past 2 GiB: about 960 threads fill it with GEMM scratch alone,
 * so more ended in "Maximum memory size exceeded". 256 threads take about
 * 0.8 GB, leaving over half of it to the model and its batches, and cover
 * `--threads auto` on any machine of up to 256 CPUs. The limit is the same
 * on every machine, so a config.json or grid file valid on one is valid on
 * all.
 */
export const MAX_THREADS = 256;

export const engineFields = {
  // 'wasm', the core's name before it was 'core', reads as 'core' (config.json files written before the rename)
  engine: oneOfOrOld('engine', ENGINE_NAMES, OLD_ENGINE_NAMES),
  backend: oneOf('backend', TFJS_BACKENDS).nullable(),
  threads: positiveInteger('threads').refine(
    (v) => v <= MAX_THREADS,
    (v) => ({
      message: `threads must be at most ${MAX_THREADS} (each thread keeps its own scratch in the compute core's memory, which holds at most 2 GiB), got ${v}`,
    }),
  ),
};

/** The engine fields of a configuration from settings; a tfjs backend needs the tfjs engine. */
export function resolveEngine(s: { engine?: EngineName; backend?: TfjsBackend | null; threads?: number }): {
  engine: EngineName;
  backend: TfjsBackend | null;
  threads: number;
} {
  const engine = s.engine ?? 'core';
  return { engine, backend: engine === 'tfjs' ? (s.backend ?? 'cpu') : (s.backend ?? null), threads: s.threads ?? 1 };
}

/** Config check: a backend exactly when the engine is tfjs. */
export function checkEngine(c: { engine: EngineName; backend: TfjsBackend | null }, ctx: z.RefinementCtx): void {
  if (c.engine === 'core' && c.backend !== null) conflict(ctx, 'a tfjs backend needs the tfjs engine (engine: tfjs)');
  if (c.engine === 'tfjs' && c.backend === null) conflict(ctx, 'the tfjs engine needs a backend (cpu, wasm, webgl or webgpu)');
}
