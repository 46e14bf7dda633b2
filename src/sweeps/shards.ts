/**
 * Splitting a sweep between machines that share its folder (docs/cluster.md):
 * which shard this process is, and which runs each shard trains.
 *
 *   --shard i/n      the i-th of n (1-based)
 *   --shard auto     from the environment: a Slurm array task
 *                    (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT)
 *                    or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX of MISALIGN_SHARD_COUNT,
 *                    which the Job sets to its completions)
 *
 * The runs are dealt by estimated cost (Experiment.cost: training, evaluation,
 * downstream study), longest first, each to the shard with the least so far:
 * the same plan for the same runs and shard count on every machine, and no
 * run in two shards (a model two grids list is one run).
 */
import { MisalignError } from '../common/errors.js';
import { resolveConfig } from '../experiments/lifecycle.js';
import { experimentNamed } from '../experiments/registry.js';
import type { GridRun } from './grids.js';

/** One shard of n: `index` is 1-based. */
export interface Shard {
  index: number;
  count: number;
  /** Where it came from: an `i/n` option, a Slurm array task, a Kubernetes Indexed Job. */
  source: 'option' | 'slurm' | 'kubernetes';
}

type Env = Readonly<Record<string, string | undefined>>;

const shardError = (message: string) => new MisalignError('OUT_OF_RANGE', message);

function envInteger(env: Env, name: string, needed: string): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') throw shardError(`${needed} needs ${name} in the environment, and it is not set`);
  if (!/^\d+$/.test(text.trim())) throw shardError(`${name} must be a non-negative integer, got '${text}'`);
  return Number(text.trim());
}

/**
 * The shard the environment names: a Slurm array task or a Kubernetes Indexed
 * Job; null when neither variable is set. A missing or inconsistent partner
 * variable is an error naming it.
 */
export function shardFromEnv(env: Env = process.env): Shard | null {
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const what = 'a Slurm array task';
    const id = envInteger(env, 'SLURM_ARRAY_TASK_ID', what);
    const min = envInteger(env, 'SLURM_ARRAY_TASK_MIN', what);
    const count = envInteger(env, 'SLURM_ARRAY_TASK_COUNT', what);
    const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : envInteger(env, 'SLURM_ARRAY_TASK_STEP', what);
    const max = env.SLURM_ARRAY_TASK_MAX === undefined ? min + count - 1 : envInteger(env, 'SLURM_ARRAY_TASK_MAX', what);
    if (count < 1) throw shardError(`SLURM_ARRAY_TASK_COUNT must be at least 1, got ${count}`);
    if (step !== 1 || max - min + 1 !== count) {
      throw shardError(`the Slurm array must be a range without gaps or steps (--array=0-${count - 1}); got tasks ${min}..${max} step ${step}, ${count} tasks`);
    }
    if (id < min || id > max) throw shardError(`SLURM_ARRAY_TASK_ID ${id} is outside the array ${min}..${max}`);
    return { index: id - min + 1, count, source: 'slurm' };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const what = 'a Kubernetes Indexed Job';
    const index = envInteger(env, 'JOB_COMPLETION_INDEX', what);
    const count = envInteger(env, 'MISALIGN_SHARD_COUNT', `${what} (set it to the Job's completions)`);
    if (count < 1) throw shardError(`MISALIGN_SHARD_COUNT must be at least 1, got ${count}`);
    if (index >= count) throw shardError(`JOB_COMPLETION_INDEX ${index} is not below MISALIGN_SHARD_COUNT ${count}`);
    return { index: index + 1, count, source: 'kubernetes' };
  }
  return null;
}

/**
 * The shard an option names: `i/n`, `auto` (from the environment, which must
 * name one), or nothing: then the environment's, if it names one (a sweep run
 * inside a Slurm array task), else the whole sweep (null).
 */
export function resolveShard(option: string | undefined, env: Env = process.env): Shard | null {
  if (option === undefined) return shardFromEnv(env);
  const text = option.trim();
  if (text === 'auto') {
    const shard = shardFromEnv(env);
    if (!shard)
      throw shardError(
        '--shard auto needs a Slurm array task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) in the environment; neither is set',
      );
    return shard;
  }
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw shardError(`--shard must be i/n with 1 ≤ i ≤ n, or auto; got '${option}'`);
  return { index, count, source: 'option' };
}

/** A run with its id and estimated seconds (training + evaluation + downstream study if it runs). */
export type CostedRun<R extends GridRun = GridRun> = R & { id: string; seconds: number };

/** Estimated seconds of a grid run (one core of the project's machine). */
export function estimatedSeconds(run: GridRun, downstream: boolean): number {
  const experiment = experimentNamed(run.experiment);
  const cost = experiment.cost(resolveConfig(run.settings));
  return cost.trainSeconds + cost.evalSeconds + (downstream && experiment.downstream ? cost.downstreamSeconds : 0);
}

export interface ShardPlan<R extends GridRun = GridRun> {
  /** shards[k] is shard k + 1: its runs, longest first, and their estimated seconds. */
  shards: { index: number; runs: CostedRun<R>[]; seconds: number }[];
}

/**
 * Deals distinct runs (by id) to `count` shards by estimated cost: longest
 * first, each to the shard with the least estimated seconds so far (the lower
 * index on a tie; equal costs in id order), so the plan depends only on the
 * runs and the count.
 */
export function planShards<R extends GridRun & { id: string }>(runs: readonly R[], count: number, costOf: (run: R) => number): ShardPlan<R> {
  if (!Number.isInteger(count) || count < 1) throw shardError(`the shard count must be a positive integer, got ${count}`);
  const distinct = new Map<string, CostedRun<R>>();
  for (const r of runs) if (!distinct.has(r.id)) distinct.set(r.id, { ...r, seconds: costOf(r) });
  const order = [...distinct.values()].sort((a, b) => b.seconds - a.seconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const shards = Array.from({ length: count }, (_, k) => ({ index: k + 1, runs: [] as CostedRun<R>[], seconds: 0 }));
  for (const run of order) {
    let best = shards[0]!;
    for (const s of shards) if (s.seconds < best.seconds) best = s;
    best.runs.push(run);
    best.seconds += run.seconds;
  }
  return { shards };
}
