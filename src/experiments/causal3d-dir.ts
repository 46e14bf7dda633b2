/**
 * A Causal3DIdent image-text run on disk (Node): what `misalign train
 * --experiment causal3d --out DIR` writes (image-text-dir.ts: config.json,
 * vocabulary.json, metrics.json, metrics.csv).
 */
import { resolveC3dConfig, runC3d, type C3dConfig, type C3dMetrics, type C3dSettings } from './causal3d-run.js';
import type { ImageTextProgress } from './image-text.js';
import { finishImageTextRun, startImageTextRun } from './image-text-dir.js';

export interface C3dRunOptions {
  onProgress?(p: ImageTextProgress): void;
  /** Train a folder that holds an unfinished run (no metrics.json) again from the start. */
  restart?: boolean;
}

export const C3D_METRIC_COLUMNS = ['encoding', 'factor', 'kind', 'mccLinear', 'mccNonlinear', 'r2Linear', 'r2Nonlinear', 'predicted'] as const;

export async function trainC3dRunDir(dir: string, settings: C3dSettings, options: C3dRunOptions = {}): Promise<{ config: C3dConfig; metrics: C3dMetrics }> {
  const config = resolveC3dConfig(settings);
  await startImageTextRun(dir, config, options.restart);
  const result = await runC3d(config, { onProgress: options.onProgress });
  await finishImageTextRun(dir, result.vocabulary, result.metrics, C3D_METRIC_COLUMNS);
  return { config, metrics: result.metrics };
}
