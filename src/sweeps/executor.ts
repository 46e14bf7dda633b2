/**
 * Where a sweep's runs execute. The sweep only hands an executor a task (a
 * run folder and its settings) and awaits it, so a queue-based executor
 * (Slurm, Kubernetes, a job server) can be added without touching the grids.
 *
 *   inProcessExecutor   runs in this process (one at a time is sensible)
 *   processExecutor     a child process per run (process-executor.ts)
 */
import { trainC3dRunDir } from '../experiments/causal3d-dir.js';
import type { ImageTextLevels } from '../experiments/image-text.js';
import { trainMpi3dRunDir } from '../experiments/mpi3d-dir.js';
import { downstreamRunDir, trainRunDir, type DownstreamRunOptions } from '../experiments/run-dir.js';
import type { RunSettings } from '../experiments/run.js';
import type { Progress } from '../training/trainer.js';

/** What a run reports while it trains (numeric and image-text runs alike). */
export type TaskProgress = Pick<Progress, 'step' | 'steps' | 'loss' | 'stepsPerSecond' | 'eta'>;

export type RunTask = NumericTask | ImageTextTask;

/** An image-text run (MPI3D or Causal3D): no checkpoints, so an interrupted one starts again. */
export interface ImageTextTask {
  experiment: 'mpi3d' | 'causal3d';
  dir: string;
  settings: ImageTextLevels;
}

export interface NumericTask {
  experiment?: 'numeric';
  /** The run's folder: DIR/runs/<id>. */
  dir: string;
  settings: RunSettings;
  /** The folder already holds this run's config.json: continue it. */
  resume: boolean;
  /** The run has finished training and evaluation already (only the downstream study is missing). */
  trained?: boolean;
  /** Also run the downstream study (DIR/downstream.json) with these options. */
  downstream?: DownstreamRunOptions | null;
}

export function isNumericTask(task: RunTask): task is NumericTask {
  return task.experiment === undefined || task.experiment === 'numeric';
}

export interface RunExecutor {
  /** Trains and evaluates one run into its folder; rejects with the run's error. */
  run(task: RunTask, onProgress?: (p: TaskProgress) => void): Promise<void>;
}

/** What every executor does with a task, wherever it runs: train and evaluate, then the downstream study if asked. */
export async function performTask(task: RunTask, onProgress?: (p: TaskProgress) => void): Promise<void> {
  if (task.experiment === 'mpi3d') {
    await trainMpi3dRunDir(task.dir, task.settings, { restart: true, onProgress });
    return;
  }
  if (task.experiment === 'causal3d') {
    await trainC3dRunDir(task.dir, task.settings, { restart: true, onProgress });
    return;
  }
  if (!isNumericTask(task)) return;
  if (!task.trained) await trainRunDir(task.dir, task.settings, { resume: task.resume, onProgress });
  if (task.downstream) await downstreamRunDir(task.dir, task.downstream);
}

export const inProcessExecutor: RunExecutor = {
  run: performTask,
};
