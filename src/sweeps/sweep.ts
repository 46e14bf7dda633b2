/**
 * Sweeps on disk (Node): many runs of one or more grids in one folder.
 *
 *   DIR/grids/<grid>.json    the grid's runs: id, setting, dependence, seed
 *   DIR/runs/<id>/           one run folder (config.json, checkpoint.bin, ...)
 *   DIR/summary.json         the aggregate over seeds (summary.ts)
 *   DIR/summary*.csv         its cells, one CSV per kind of results (its experiments' own:
 *                            summary.csv numeric, summary_image_text.csv image-text)
 *   DIR/summary_downstream.csv  the downstream study's aggregate, when it ran
 *   DIR/invocations/         one record per sweep command: when it ran, what it did (invocations.ts)
 *
 * A run's id is a hash of its full configuration, so the same model is
 * trained once even if two grids list it (the perturbation grid's ∅ is the
 * selection grid's [10]), and rerunning a sweep skips finished runs and
 * resumes interrupted ones from their checkpoints. Shards (`i/n`, or `auto`
 * in a Slurm array task: shards.ts) run disjoint parts of the runs, balanced
 * by estimated cost; every shard writes the whole grid list, so machines
 * sharing DIR agree on it and `summarizeSweepDir` can aggregate whatever has
 * finished. A run is claimed before it trains (claims.ts), so no two
 * processes ever train the same run at once.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MisalignError } from '../common/errors.js';
import { hashedJson } from '../experiments/checkpoint.js';
import type { BaseConfig, DownstreamRunOptions, RunMetrics } from '../experiments/experiment.js';
import { ensureWritableDir, readJsonIfExists, writeCsv, writeJson } from '../common/files.js';
import { provenance } from '../experiments/provenance.js';
import { resolveConfig } from '../experiments/lifecycle.js';
import { experimentNamed } from '../experiments/registry.js';
import { FILES } from '../experiments/run-dir.js';
import type { DownstreamResult } from '../probes/downstream.js';
import { inProcessExecutor, type RunExecutor, type TaskProgress } from './executor.js';
import { parseGridFile } from './grid-file.js';
import { InvocationLog } from './invocations.js';
import { claimRun, readRunClaim, type ClaimOptions, type ClaimRecord } from './claims.js';
import { BUILTIN_GRIDS, builtinGrid, isBuiltinGrid, type Grid, type GridRun } from './grids.js';
import { estimatedSeconds, planShards, resolveShard, type Shard } from './shards.js';
import { DOWNSTREAM_COLUMNS, summarizeSweep, summaryCsvs, summaryJson, type RunRecord, type SweepSummary } from './summary.js';

export const SWEEP_FILES = {
  grids: 'grids',
  runs: 'runs',
  summaryJson: 'summary.json',
  downstreamCsv: 'summary_downstream.csv',
} as const;

/** 16 hex digits of the SHA-256 of the run's full configuration (key order does not matter; the engine by its old name: hashedJson). */
export function runId(config: object): string {
  return createHash('sha256').update(hashedJson(config)).digest('hex').slice(0, 16);
}

export interface ManifestEntry {
  id: string;
  setting: string;
  dependence: GridRun['dependence'];
  seed: number;
  /** The run's experiment (absent in grid lists written before runs named it: numeric). */
  experiment?: string;
}

/** A grid run's full configuration. */
export function gridRunConfig(run: GridRun): BaseConfig {
  return resolveConfig(run.settings);
}

/** The id of a grid run: the hash of its resolved configuration. */
export function gridRunId(run: GridRun): string {
  return runId(gridRunConfig(run));
}

interface Manifest {
  grid: string;
  runs: ManifestEntry[];
}

/** A grid holds one run per setting, dependence and seed. */
const entryKey = (e: ManifestEntry): string => JSON.stringify([e.setting, e.dependence, e.seed]);

/**
 * Adds the runs to DIR/grids/<grid>.json, merging with what an earlier command
 * listed. Where this command's run for a setting, dependence and seed has
 * another id than the listed one (its configuration changed: another preset,
 * or a preset rule that changed since), this command's run takes its place, so
 * the summary and the report count the runs of the configuration now in force
 * (the earlier run's folder stays in DIR/runs/, no longer listed).
 */
async function writeManifests(dir: string, runs: readonly (GridRun & { id: string })[]): Promise<void> {
  const byGrid = new Map<string, ManifestEntry[]>();
  for (const r of runs) {
    const list = byGrid.get(r.grid) ?? [];
    list.push({ id: r.id, setting: r.setting, dependence: r.dependence, seed: r.seed, experiment: r.experiment });
    byGrid.set(r.grid, list);
  }
  await ensureWritableDir(join(dir, SWEEP_FILES.grids));
  for (const [grid, entries] of byGrid) {
    const path = join(dir, SWEEP_FILES.grids, `${grid}.json`);
    const old = await readJsonIfExists<Manifest>(path);
    const merged = new Map<string, ManifestEntry>();
    for (const e of [...(old?.runs ?? []), ...entries]) merged.set(entryKey(e), e);
    const next = [...merged.values()];
    if (old && next.length === old.runs.length && next.every((e, i) => e.id === old.runs[i]!.id)) continue;
    await writeJson(path, { grid, runs: next } satisfies Manifest);
  }
}

export type SweepEvent =
  | { kind: 'start'; total: number; skipped: number; toRun: number; pending: string[]; shard: Shard | null }
  | { kind: 'run-start'; id: string; run: GridRun }
  | { kind: 'progress'; id: string; run: GridRun; progress: TaskProgress }
  | { kind: 'run-done'; id: string; run: GridRun; seconds: number }
  | { kind: 'run-failed'; id: string; run: GridRun; error: string }
  | { kind: 'run-held'; id: string; run: GridRun; holder: ClaimRecord | null };

export interface SweepOptions {
  /** Runs at the same time. Default 1. */
  jobs?: number;
  /** This process's part of the runs: a Shard, `i/n`, or `auto` (from the environment: shards.ts). Default: all of them. */
  shard?: Shard | string | null;
  executor?: RunExecutor;
  /** Also run the downstream study (docs/evaluation.md#downstream-tasks) on every run that has one (true: the preset's defaults). */
  downstream?: DownstreamRunOptions | boolean;
  /** How often to look again at a run another process holds (default 5 s). */
  pollMs?: number;
  /** Claim options (tests: a shorter stale time). */
  claims?: ClaimOptions;
  onEvent?(event: SweepEvent): void;
}

export interface SweepResult {
  /** Runs of this shard: already finished before (or by another process meanwhile), finished now, failed. */
  skipped: number;
  done: number;
  failed: { id: string; run: GridRun; error: string }[];
  summary: SweepSummary;
}

type IdRun = GridRun & { id: string };

/** The distinct runs (by id) this process is to run: all, or its shard's, longest first. */
export function runsOfShard(runs: readonly IdRun[], shard: Shard | null, downstream: boolean): IdRun[] {
  const distinct = new Map<string, IdRun>();
  for (const r of runs) if (!distinct.has(r.id)) distinct.set(r.id, r);
  if (!shard) return [...distinct.values()];
  return planShards([...distinct.values()], shard.count, (r) => estimatedSeconds(r, downstream)).shards[shard.index - 1]!.runs;
}

/** What is left to do for a run: nothing (null), or training (resuming if it has a config.json) and/or the downstream study. */
async function remainingWork(dir: string, run: IdRun, downstream: DownstreamRunOptions | null): Promise<{ resume: boolean; trained: boolean } | null> {
  const runDir = join(dir, SWEEP_FILES.runs, run.id);
  const trained = (await readJsonIfExists(join(runDir, FILES.metricsJson))) !== null;
  const studied = !downstream || !experimentNamed(run.experiment).downstream || (await readJsonIfExists(join(runDir, FILES.downstream))) !== null;
  if (trained && studied) return null;
  return { resume: trained || (await readJsonIfExists(join(runDir, FILES.config))) !== null, trained };
}

/**
 * Runs (or continues) the runs in DIR, then writes the summary of every grid
 * in DIR. A failed run is reported and does not stop the others. Each run is
 * claimed first (claims.ts): a run another live process holds is left to it
 * and looked at again once this process's other runs are done, until it has
 * finished or its holder is gone.
 */
export async function runSweep(dir: string, runs: readonly GridRun[], options: SweepOptions = {}): Promise<SweepResult> {
  const started = new Date();
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new MisalignError('OUT_OF_RANGE', `jobs must be a positive integer, got ${jobs}`);
  const executor = options.executor ?? inProcessExecutor;
  const shard = typeof options.shard === 'string' ? resolveShard(options.shard) : (options.shard ?? null);
  const downstream = options.downstream === true ? {} : options.downstream || null;
  const withIds = runs.map((run) => ({ ...run, id: gridRunId(run) }));
  const mine = runsOfShard(withIds, shard, downstream !== null);
  await ensureWritableDir(dir);
  await writeManifests(dir, withIds);

  const todo: IdRun[] = [];
  let skipped = 0;
  for (const run of mine) {
    if ((await remainingWork(dir, run, downstream)) === null) skipped++;
    else todo.push(run);
  }
  options.onEvent?.({ kind: 'start', total: mine.length, skipped, toRun: todo.length, pending: todo.map((r) => r.id), shard });
  const shardLabel = shard ? `${shard.index}/${shard.count}` : null;
  const log = await InvocationLog.start(dir, { jobs, shard: shardLabel, runs: mine.length, skipped, toRun: todo.length });

  let done = 0;
  const failed: SweepResult['failed'] = [];
  const held: IdRun[] = [];
  /** Claims and runs one run; false when another process holds it. */
  const attempt = async (run: IdRun): Promise<boolean> => {
    const runDir = join(dir, SWEEP_FILES.runs, run.id);
    const claim = await claimRun(runDir, options.claims);
    if (!claim) return false;
    try {
      const work = await remainingWork(dir, run, downstream); // another process may have finished it meanwhile
      if (work === null) {
        skipped++;
        return true;
      }
      claim.keepAlive();
      const t0 = performance.now();
      options.onEvent?.({ kind: 'run-start', id: run.id, run });
      let error: string | null = null;
      try {
        const task = { dir: runDir, settings: run.settings, ...work, downstream: experimentNamed(run.experiment).downstream ? downstream : null };
        await executor.run(task, (progress) => {
          void log.alive().catch(() => undefined); // a failed rewrite leaves the previous record; the next one retries
          options.onEvent?.({ kind: 'progress', id: run.id, run, progress });
        });
      } catch (e) {
        error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      }
      await log.runFinished(error === null);
      if (error === null) {
        done++;
        options.onEvent?.({ kind: 'run-done', id: run.id, run, seconds: (performance.now() - t0) / 1000 });
      } else {
        failed.push({ id: run.id, run, error });
        options.onEvent?.({ kind: 'run-failed', id: run.id, run, error });
      }
      return true;
    } finally {
      await claim.release();
    }
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < todo.length) {
      const run = todo[next++]!;
      if (!(await attempt(run))) {
        held.push(run);
        options.onEvent?.({ kind: 'run-held', id: run.id, run, holder: await readRunClaim(join(dir, SWEEP_FILES.runs, run.id)) });
      }
    }
    // Runs other processes held: wait until they finish, or take them over once their holder is gone.
    while (held.length > 0) {
      const run = held.shift()!;
      if ((await remainingWork(dir, run, downstream)) === null) {
        skipped++;
        continue;
      }
      if (!(await attempt(run))) {
        held.push(run);
        await new Promise((r) => setTimeout(r, options.pollMs ?? 5_000));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(todo.length, 1)) }, lane));
  await log.end();
  const summary = await summarizeSweepDir(dir, { started, threads: jobs });
  return { skipped, done, failed, summary };
}

/** One entry of a sweep folder's grid lists, with the run's metrics once it has finished. */
export interface SweepRunEntry extends ManifestEntry {
  grid: string;
  metrics: RunMetrics | null;
  /** DIR/runs/<id>/downstream.json, once the downstream study has run. */
  downstream: DownstreamResult | null;
}

/** Every run the grids in DIR list (a model two grids share appears under each), in file and list order. */
export async function readSweepRuns(dir: string): Promise<SweepRunEntry[]> {
  let names: string[];
  try {
    names = (await readdir(join(dir, SWEEP_FILES.grids))).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MisalignError('FILE_MISSING', `${dir} holds no sweep (no ${SWEEP_FILES.grids}/ folder)`);
    throw error;
  }
  const entries: SweepRunEntry[] = [];
  const metricsById = new Map<string, RunMetrics | null>();
  const downstreamById = new Map<string, DownstreamResult | null>();
  for (const name of names) {
    const manifest = await readJsonIfExists<Manifest>(join(dir, SWEEP_FILES.grids, name));
    if (!manifest || !Array.isArray(manifest.runs)) throw new MisalignError('FILE_CORRUPT', `${join(dir, SWEEP_FILES.grids, name)} is not a grid list`);
    for (const e of manifest.runs) {
      if (!metricsById.has(e.id)) {
        metricsById.set(e.id, await readJsonIfExists<RunMetrics>(join(dir, SWEEP_FILES.runs, e.id, FILES.metricsJson)));
        downstreamById.set(e.id, await readJsonIfExists<DownstreamResult>(join(dir, SWEEP_FILES.runs, e.id, FILES.downstream)));
      }
      entries.push({ ...e, grid: manifest.grid, metrics: metricsById.get(e.id)!, downstream: downstreamById.get(e.id)! });
    }
  }
  return entries;
}

/** Which command is summarising: when it started, and how many runs it ran at the same time (default: now, 1). */
export interface SummaryOrigin {
  started?: Date;
  threads?: number;
}

/** Aggregates every grid listed in DIR over the runs that have finished; writes summary.json and the CSVs (summarizeEntries). */
export async function summarizeSweepDir(dir: string, origin: SummaryOrigin = {}): Promise<SweepSummary> {
  return summarizeEntries(dir, await readSweepRuns(dir), origin);
}

/**
 * The machines the finished runs were trained on, from their metrics.json
 * (runs from before provenance was recorded are not counted), one entry per
 * (host, CPU, misalign version, commit) with its number of runs.
 */
export function sweepMachines(entries: readonly SweepRunEntry[]): { host: string; cpu: string; misalign: string; commit: string | null; runs: number }[] {
  const seen = new Map<string, { host: string; cpu: string; misalign: string; commit: string | null; runs: number }>();
  const ids = new Set<string>();
  for (const { id, metrics } of entries) {
    const p = metrics?.provenance;
    if (!p || ids.has(id)) continue;
    ids.add(id);
    const key = JSON.stringify([p.host, p.cpu, p.misalign, p.commit]);
    const m = seen.get(key) ?? { host: p.host, cpu: p.cpu, misalign: p.misalign, commit: p.commit, runs: 0 };
    m.runs++;
    seen.set(key, m);
  }
  return [...seen.values()];
}

/**
 * The summary of entries already read from DIR (written there too, with the
 * provenance of the command that wrote it and the machines the runs came from).
 */
export async function summarizeEntries(dir: string, entries: readonly SweepRunEntry[], origin: SummaryOrigin = {}): Promise<SweepSummary> {
  const records: RunRecord[] = entries.map(({ id, grid, setting, dependence, seed, metrics, downstream, experiment }) => ({
    experiment,
    id,
    run: { grid, setting, dependence, seed },
    metrics,
    downstream,
  }));
  const summary = summarizeSweep(records);
  const written = { ...summaryJson(summary), provenance: provenance(origin.threads ?? 1, origin.started ?? new Date()), machines: sweepMachines(entries) };
  await writeJson(join(dir, SWEEP_FILES.summaryJson), written);
  for (const csv of summaryCsvs(summary)) await writeCsv(join(dir, csv.file), csv.rows, csv.columns);
  if (summary.downstream.length > 0) await writeCsv(join(dir, SWEEP_FILES.downstreamCsv), summary.downstream, [...DOWNSTREAM_COLUMNS]);
  return summary;
}

/** A built-in grid by name (`selection`, ...), or a grid file (JSON or YAML) by path. */
export async function loadGrid(nameOrPath: string): Promise<Grid> {
  if (isBuiltinGrid(nameOrPath)) return builtinGrid(nameOrPath);
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MisalignError(
      'INVALID_GRID',
      code === 'ENOENT'
        ? `'${nameOrPath}' is neither a grid (${BUILTIN_GRIDS.join(', ')}) nor a grid file`
        : `cannot read grid file ${nameOrPath}: ${code ?? String(error)}`,
    );
  }
  return parseGridFile(text, nameOrPath);
}
