/**
 * A child process that runs one sweep task (forked by process-executor.ts;
 * performTask in executor.ts):
 * the task arrives as JSON in argv[2]; progress goes back over IPC; an error
 * ends the process with status 1 and its one-line message on stderr. When its
 * parent goes away it exits at its next checkpoint (the first turn of the
 * event loop), so a killed sweep leaves no long-lived orphans; a rerun that
 * meets one still agrees with it, as both follow the same seeded trajectory
 * and write files atomically.
 */
import { performTask, type RunTask } from './executor.js';

let finished = false;
process.on('disconnect', () => {
  if (!finished) process.exit(3);
});

const task = JSON.parse(process.argv[2] ?? '{}') as RunTask;
let last = 0;
try {
  await performTask(task, (p) => {
    const now = Date.now();
    if (now - last >= 500 || p.step === p.steps) {
      last = now;
      process.send?.({ progress: p });
    }
  });
  finished = true;
  process.disconnect?.();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exitCode = 1;
  finished = true;
  process.disconnect?.();
}
