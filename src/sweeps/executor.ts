/**
 * Where a sweep's runs execute. The sweep only hands an executor a task (a
 * run folder and its settings) and awaits it, so a queue-based executor
 * (Slurm, Kubernetes, a job server) can be added without touching the grids.
 *
 *   inProcessExecutor   runs in this process (one at a time is sensible)
 *   processExecutor     a child process per run (process-executor.ts)
 */
import { trainRunDir } from '../experiments/run-dir.js';
import type { RunSettings } from '../experiments/run.js';
import type { Progress } from '../training/trainer.js';

export interface RunTask {
  /** The run's folder: DIR/runs/<id>. */
  dir: string;
  settings: RunSettings;
  /** The folder already holds this run's config.json: continue it. */
  resume: boolean;
}

export interface RunExecutor {
  /** Trains and evaluates one run into its folder; rejects with the run's error. */
  run(task: RunTask, onProgress?: (p: Progress) => void): Promise<void>;
}

export const inProcessExecutor: RunExecutor = {
  async run(task, onProgress) {
    await trainRunDir(task.dir, task.settings, { resume: task.resume, onProgress });
  },
};
