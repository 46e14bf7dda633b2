/**
 * `misalign probe`: which factors do someone's embeddings keep? A thin layer
 * over probes/embedding-files.ts and reports/probe-report.ts. Progress goes to
 * stderr, a line per probe (an embedding and a factor) as it finishes, with
 * the time so far and an ETA; the results table to stdout.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { MisalignError } from '../common/errors.js';
import { Kernels } from '../kernels/module.js';
import { probeEmbeddingFiles, type ProbeFilesOptions } from '../probes/embedding-files.js';
import type { ProbeProgress } from '../probes/embeddings.js';
import { writeProbeResults } from '../reports/probe-report.js';
import { exportRunEmbeddings } from '../experiments/embeddings-export.js';
import { duration, type CliIo } from './io.js';
import { integerOption, stringOption } from './options.js';

interface ProbeFlags {
  embeddings?: string;
  embeddingsText?: string;
  factors?: string;
  names?: string;
  discrete?: string;
  continuous?: string;
  group: string[];
  split?: string;
  ignore?: string;
  textOnly?: string;
  seed?: number;
  expectKept?: string;
  expectPartly?: string;
  dropNonfinite?: boolean;
  maxRows?: number;
  config?: string;
  out?: string;
}

const list = (s: string | undefined) =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

function groups(specs: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of specs) {
    const m = /^([^=]+)=(.+)$/.exec(g);
    if (!m) throw new MisalignError('INVALID_LIST', `--group must be name=column,column,..., got '${g}'`);
    if (m[1]!.trim() in out) throw new MisalignError('CONFLICTING_OPTIONS', `--group '${m[1]!.trim()}' is given twice`);
    out[m[1]!.trim()] = list(m[2])!;
  }
  return out;
}

/** A probe's progress line: `probe: factor 3/7 'shape' (image) done, 12 s elapsed, ETA 25 s` (the embedding named when there are two). */
function formatProbeProgress(p: ProbeProgress, twoEmbeddings: boolean): string {
  const which = twoEmbeddings ? ` (${p.encoding})` : '';
  return `probe: factor ${p.done}/${p.total} '${p.factor}'${which} done, ${duration(p.seconds)} elapsed, ETA ${duration(p.eta)}\n`;
}

export function registerProbe(program: Command, io: CliIo): void {
  program
    .command('probe')
    .description('probe your own embeddings: which labelled factors can be read off them (linear and MLP probes, R² or MCC)')
    .option('--embeddings <file>', 'the (N, d) embeddings: .npy (float16/32/64, C or Fortran order), file.npz:name, or .csv', stringOption('--embeddings'))
    .option('--embeddings-text <file>', "a second encoder's embeddings of the same N items (e.g. the captions')", stringOption('--embeddings-text'))
    .option('--factors <file>', 'N rows of factors: .csv with a header, or .npy with --names', stringOption('--factors'))
    .option('--names <list>', 'column names of a .npy of factors', stringOption('--names'))
    .option('--discrete <list>', 'columns to treat as discrete (default: integer and text columns)', stringOption('--discrete'))
    .option('--continuous <list>', 'columns to treat as continuous (default: columns with non-integer numbers)', stringOption('--continuous'))
    .option('--group <name=a,b>', 'continuous columns probed together as one factor (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--split <column>', "a column of fit/score (train/test, 0/1) choosing the probes' sets (default: half each at random)", stringOption('--split'))
    .option('--ignore <list>', 'factor columns to leave out (e.g. an id)', stringOption('--ignore'))
    .option('--text-only <list>', 'factors to probe only from --embeddings-text (text-specific ones, e.g. a caption template)', stringOption('--text-only'))
    .option('--seed <n>', 'seed of the split, the row subset and the MLP probes (default 0)', integerOption('--seed'))
    .option('--expect-kept <list>', 'factors the theory predicts kept (turns on the verdicts; the rest are predicted dropped)', stringOption('--expect-kept'))
    .option('--expect-partly <list>', 'factors predicted partly kept (no verdict)', stringOption('--expect-partly'))
    .option('--drop-nonfinite', 'leave out rows with NaN or Inf instead of stopping')
    .option('--max-rows <n>', 'read at most this many rows, a random subset (default 40960)', integerOption('--max-rows'))
    .option(
      '--config <probe.json>',
      'all the settings from a file (misalign export-embeddings writes one); paths in it are relative to it',
      stringOption('--config'),
    )
    .option('--out <dir>', 'where metrics.json, metrics.csv, heatmap.svg/.png and index.html go (default runs/probe)', stringOption('--out'))
    .action(async (flags: ProbeFlags) => {
      const started = new Date();
      const out = flags.out ?? 'runs/probe';
      const options = flags.config !== undefined ? await optionsFromFile(flags) : optionsFromFlags(flags);
      const kernels = await Kernels.load();
      const onProgress = (p: ProbeProgress) => io.err(formatProbeProgress(p, options.embeddingsText !== undefined));
      const result = await probeEmbeddingFiles(kernels, { ...options, onProgress });
      await writeProbeResults(out, options, result, { started, threads: 1 });
      const lines = ['embedding  factor          metric  linear  MLP     expected  verdict'];
      for (const r of result.rows) {
        const metric = r.metric === 'r2' ? 'R²' : 'MCC';
        lines.push(
          `${r.encoding.padEnd(11)}${r.factor.padEnd(16)}${metric.padEnd(8)}` +
            `${r.linear.toFixed(3).padStart(6)}  ${r.nonlinear.toFixed(3).padStart(6)}  ${(r.predicted ?? '').padEnd(9)} ${r.verdict}`,
        );
      }
      lines.push(
        '',
        `${result.totalRows} rows` +
          (result.readRows < result.totalRows ? `, ${result.readRows} read at random` : '') +
          (result.droppedRows ? `, ${result.droppedRows} dropped (NaN or Inf)` : '') +
          `; ${result.fitRows} fitting, ${result.scoreRows} scoring`,
        ...(result.judged > 0 ? [`verdicts: ${result.passed}/${result.judged} agree with the expectation`] : []),
        `results in ${out} (metrics.json, metrics.csv, heatmap.svg, heatmap.png, index.html)`,
        '',
      );
      io.out(lines.join('\n'));
    });
}

/** `--config FILE`: a probe.json; no other option but --out may be given with it. */
async function optionsFromFile(flags: ProbeFlags): Promise<ProbeFilesOptions> {
  const clash =
    Object.entries(flags).find(([k, v]) => v !== undefined && !['config', 'out', 'group'].includes(k)) ?? (flags.group.length > 0 ? ['group'] : undefined);
  if (clash)
    throw new MisalignError(
      'CONFLICTING_OPTIONS',
      `--${clash[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} cannot be combined with --config (the file sets it)`,
    );
  let options: ProbeFilesOptions;
  try {
    options = JSON.parse(await readFile(flags.config!, 'utf8')) as ProbeFilesOptions;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MisalignError(
      code === 'ENOENT' ? 'FILE_MISSING' : 'FILE_CORRUPT',
      code === 'ENOENT' ? `${flags.config} does not exist` : `${flags.config} is not a probe settings file (JSON): ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (typeof options !== 'object' || options === null || typeof options.embeddings !== 'string' || typeof options.factors !== 'string') {
    throw new MisalignError('FILE_CORRUPT', `${flags.config} must name at least "embeddings" and "factors"`);
  }
  const base = dirname(flags.config!);
  const at = (p: string) => (isAbsolute(p) ? p : join(base, p));
  return {
    ...options,
    embeddings: at(options.embeddings),
    factors: at(options.factors),
    ...(options.embeddingsText !== undefined && { embeddingsText: at(options.embeddingsText) }),
  };
}

function optionsFromFlags(flags: ProbeFlags): ProbeFilesOptions {
  if (flags.embeddings === undefined) throw new MisalignError('MISSING_OPTION', 'probe needs --embeddings FILE (or --config probe.json)');
  if (flags.factors === undefined) throw new MisalignError('MISSING_OPTION', 'probe needs --factors FILE');
  return {
    embeddings: flags.embeddings,
    ...(flags.embeddingsText !== undefined && { embeddingsText: flags.embeddingsText }),
    factors: flags.factors,
    ...(flags.names !== undefined && { names: list(flags.names) }),
    ...(flags.discrete !== undefined && { discrete: list(flags.discrete) }),
    ...(flags.continuous !== undefined && { continuous: list(flags.continuous) }),
    ...(flags.group.length > 0 && { groups: groups(flags.group) }),
    ...(flags.split !== undefined && { split: flags.split }),
    ...(flags.ignore !== undefined && { ignore: list(flags.ignore) }),
    ...(flags.textOnly !== undefined && { textOnly: list(flags.textOnly) }),
    seed: flags.seed ?? 0,
    ...(flags.expectKept !== undefined && { expectKept: list(flags.expectKept) }),
    ...(flags.expectPartly !== undefined && { expectPartly: list(flags.expectPartly) }),
    ...(flags.dropNonfinite && { dropNonfinite: true }),
    ...(flags.maxRows !== undefined && { maxRows: flags.maxRows }),
  };
}

export function registerExportEmbeddings(program: Command, io: CliIo): void {
  program
    .command('export-embeddings')
    .description(
      "write a trained run's evaluation embeddings (ẑ_x and ẑ_t, or image and text) and factors as .npy and .csv, " +
        'with a probe.json that reproduces its metrics',
    )
    .argument('<rundir>', 'a run folder (misalign train)')
    .option('--samples <n>', "samples in each of the fitting and scoring sets (default: the run's own)", integerOption('--samples'))
    .option('--out <dir>', 'where the files go (default RUNDIR/embeddings)', stringOption('--out'))
    .action(async (dir: string, flags: { samples?: number; out?: string }) => {
      const exported = await exportRunEmbeddings(dir, {
        ...(flags.out !== undefined && { out: flags.out }),
        ...(flags.samples !== undefined && { samples: flags.samples }),
      });
      io.out(
        `${exported.files.join('\n')}\nprobe them with: misalign probe --config ${join(exported.dir, 'probe.json')} --out ${join(exported.dir, 'probe')}\n`,
      );
    });
}
