/**
 * Where a sweep's runs execute. The sweep only hands an executor a task (a
 * run folder and its settings) and awaits it, so a queue-based executor
 * (Slurm, Kubernetes, a job server) can be added without touching the grids.
 *
 *   inProcessExecutor   runs in this process (one at a time is sensible)
 *   processExecutor     a child process per run (process-executor.ts)
 */
import type { AnySettings, DownstreamRunOptions } from '../experiments/experiment.js';
import { downstreamRunDir, trainRunDir } from '../experiments/run-dir.js';
import type { Progress } from '../training/trainer.js';

/** What a run reports while it trains. */
export type TaskProgress = Pick<Progress, 'step' | 'steps' | 'loss' | 'stepsPerSecond' | 'eta'>;

/** One run of a sweep, for any experiment (its settings name it). */
export interface RunTask {
  /** The run's folder: DIR/runs/<id>. */
  dir: string;
  settings: AnySettings;
  /** The folder already holds this run's config.json: continue it from its checkpoint. */
  resume: boolean;
  /** The run has finished training and evaluation already (only the downstream study is missing). */
  trained?: boolean;
  /** Also run the downstream study (DIR/downstream.json) with these options. */
  downstream?: DownstreamRunOptions | null;
}

export interface RunExecutor {
  /** Trains and evaluates one run into its folder; rejects with the run's error. */
  run(task: RunTask, onProgress?: (p: TaskProgress) => void): Promise<void>;
}

/** What every executor does with a task, wherever it runs: train and evaluate, then the downstream study if asked. */
export async function performTask(task: RunTask, onProgress?: (p: TaskProgress) => void): Promise<void> {
  if (!task.trained) await trainRunDir(task.dir, task.settings, { resume: task.resume, onProgress });
  if (task.downstream) await downstreamRunDir(task.dir, task.downstream);
}

export const inProcessExecutor: RunExecutor = {
  run: performTask,
};
