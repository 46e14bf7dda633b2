/**
 * Runs each sweep task in its own Node child process (worker-main), so runs
 * go in parallel on separate cores, and a run that crashes or runs out of
 * memory fails alone. From TypeScript sources (tests, tsx) the worker runs
 * through tsx; from the built package it is plain JavaScript.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunExecutor, RunTask, TaskProgress } from './executor.js';

function workerEntry(): { path: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(js)) return { path: js, execArgv: [] };
  return { path: fileURLToPath(new URL('./worker-main.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

export function processExecutor(): RunExecutor {
  const entry = workerEntry();
  return {
    run(task: RunTask, onProgress?: (p: TaskProgress) => void): Promise<void> {
      return new Promise((resolve, reject) => {
        const child = fork(entry.path, [JSON.stringify(task)], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('message', (m: { progress?: TaskProgress }) => {
          if (m.progress) onProgress?.(m.progress);
        });
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          if (code === 0) resolve();
          else {
            const line = stderr.trim().split('\n').filter(Boolean).pop();
            reject(new Error(line ?? `the run's process ended with ${signal ?? `status ${code}`}`));
          }
        });
      });
    },
  };
}
