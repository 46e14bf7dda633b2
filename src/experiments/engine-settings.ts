/**
 * Where a run computes, the same for every experiment: the WebAssembly core
 * (with `threads` threads) or tfjs on a backend. These settings change how
 * a run is computed, not what it learns (up to the last bits of floating-point
 * sums), so `misalign train --config` lets them differ from the file's.
 */
import { z } from 'zod';
import { conflict, oneOf, positiveInteger } from '../common/schema.js';
import type { EngineName, TfjsBackend } from '../training/engine.js';

export const engineFields = {
  engine: oneOf('engine', ['wasm', 'tfjs']),
  backend: oneOf('backend', ['cpu', 'wasm', 'webgl', 'webgpu']).nullable(),
  threads: positiveInteger('threads'),
};

/** The engine fields of a configuration from settings; a tfjs backend needs the tfjs engine. */
export function resolveEngine(s: { engine?: EngineName; backend?: TfjsBackend | null; threads?: number }): { engine: EngineName; backend: TfjsBackend | null; threads: number } {
  const engine = s.engine ?? 'wasm';
  return { engine, backend: engine === 'tfjs' ? (s.backend ?? 'cpu') : (s.backend ?? null), threads: s.threads ?? 1 };
}

/** Config check: a backend exactly when the engine is tfjs. */
export function checkEngine(c: { engine: EngineName; backend: TfjsBackend | null }, ctx: z.RefinementCtx): void {
  if (c.engine === 'wasm' && c.backend !== null) conflict(ctx, 'a tfjs backend needs the tfjs engine (engine: tfjs)');
  if (c.engine === 'tfjs' && c.backend === null) conflict(ctx, 'the tfjs engine needs a backend (cpu, wasm, webgl or webgpu)');
}
