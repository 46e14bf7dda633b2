/**
 * `misalign train` and `misalign eval`: thin layers over experiments/run-dir.ts,
 * for every experiment in the registry (--experiment). Flags become the
 * experiment's settings, checked by its settings schema; progress (step,
 * loss, steps/s, ETA) goes to stderr, as a bar on a terminal and as periodic
 * lines otherwise; the experiment's result table goes to stdout.
 */
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { MisalignError } from '../common/errors.js';
import { objectShape } from '../common/schema.js';
import type { AnySettings, RunMetrics } from '../experiments/experiment.js';
import { defaultExperiment, EXPERIMENT_NAMES, experimentNamed, experimentOf, type AnyExperiment } from '../experiments/registry.js';
import { downstreamRunDir, evalRunDir, readRunConfigFile, trainRunDir } from '../experiments/run-dir.js';
import { runReport } from '../reports/run-report.js';
import { MAX_THREADS } from '../experiments/engine-settings.js';
import type { DownstreamResult } from '../probes/downstream.js';
import type { Progress } from '../training/trainer.js';
import type { CliIo } from './io.js';
import { engineOption, integerOption, listOption, numberOption, stringOption, threadsOption, withBiasOptions, presetOption } from './options.js';
import { type EngineName, TFJS_BACKENDS, type TfjsBackend } from '../training/engine.js';

interface TrainFlags {
  experiment?: string;
  selectionLevel?: number;
  perturbationLevel?: number;
  data?: string;
  ns?: number;
  nm?: number;
  theta?: number;
  thetaCode?: number;
  select?: string;
  rho?: number;
  rhoWithin?: number;
  rhoCode?: number;
  perturb?: string;
  dependent?: boolean;
  tiedCovariances?: boolean;
  preset?: 'quick' | 'long' | 'paper';
  steps?: number;
  batch?: number;
  lr?: number;
  schedule?: string;
  hidden?: number[];
  encodingSize?: number;
  probeOutputs?: 'unit' | 'raw';
  imageSize?: number;
  imageFilters?: number[];
  tau?: number;
  tauEnd?: number;
  negatives?: 'fresh' | 'in-batch';
  engine?: EngineName;
  backend?: TfjsBackend;
  threads?: number | 'auto';
  seed?: number;
  evalSeed?: number;
  evalSamples?: number;
  checkpointEvery?: number;
  config?: string;
  out: string;
  resume?: boolean;
}

/** Flags that are not settings: where the run goes, and how to start it. */
const NOT_SETTINGS = new Set(['out', 'resume', 'config', 'experiment']);

/** Settings --config may be combined with: where and how to compute, not what. */
const ENGINE_KEYS = new Set(['engine', 'backend', 'threads']);

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flags given that set something (everything but --out, --resume, --config, --experiment). */
function givenSettings(flags: TrainFlags): [string, unknown][] {
  return Object.entries(flags).filter(([key, value]) => value !== undefined && !NOT_SETTINGS.has(key));
}

/** The settings the flags give for `experiment`; a flag it does not take is named in one line. */
function settingsFrom(experiment: AnyExperiment, flags: TrainFlags, threads: number): AnySettings {
  const takes = objectShape(experiment.settings);
  const settings: Record<string, unknown> = { experiment: experiment.name };
  for (const [key, value] of givenSettings(flags)) {
    const name = key === 'dependent' ? 'dependence' : key;
    if (!(name in takes)) {
      if (flags.experiment !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `--${kebab(key)} does not apply to --experiment ${experiment.name}`);
      const others = EXPERIMENT_NAMES.filter((n) => name in objectShape(experimentNamed(n).settings));
      throw new MisalignError('CONFLICTING_OPTIONS', `--${kebab(key)} belongs to --experiment ${others.join(' or ') || '(none)'}`);
    }
    settings[name] = key === 'dependent' ? 'dependent' : key === 'threads' ? threads : value;
  }
  return settings;
}

/** `--config FILE`: the run a config.json describes (from `misalign train` or the web page), on this machine's engine if asked. */
async function configFromFile(flags: TrainFlags, threads: number): Promise<AnySettings> {
  const clash = givenSettings(flags).find(([key]) => !ENGINE_KEYS.has(key));
  if (clash) throw new MisalignError('CONFLICTING_OPTIONS', `--${kebab(clash[0])} cannot be combined with --config (the file sets it)`);
  const config: Record<string, unknown> = { ...(await readRunConfigFile(flags.config!)) };
  if (flags.engine !== undefined) config.engine = flags.engine;
  if (flags.backend !== undefined || flags.engine === 'core') config.backend = flags.backend ?? null;
  if (flags.engine === 'tfjs' && flags.backend === undefined && config.backend === null) config.backend = 'cpu';
  if (flags.threads !== undefined) config.threads = threads;
  return config;
}

/** A reporter of training progress on stderr. */
function progressReporter(io: CliIo, interactive: boolean) {
  let bar: SingleBar | null = null;
  let lastLine = 0;
  return {
    update(p: Pick<Progress, 'step' | 'steps' | 'loss' | 'stepsPerSecond' | 'eta'>) {
      const eta = Number.isFinite(p.eta) ? `${Math.round(p.eta)}s` : '?';
      if (interactive) {
        if (!bar) {
          bar = new SingleBar({ format: 'train [{bar}] {value}/{total} loss {loss} | {rate} steps/s | ETA {etas}', hideCursor: true, stream: process.stderr });
          bar.start(p.steps, 0, { loss: '-', rate: '-', etas: '?' });
        }
        // a 'plateau' schedule moves the run's end once its loss levels off
        if (bar.getTotal() !== p.steps) bar.setTotal(p.steps);
        bar.update(p.step, { loss: p.loss.toFixed(4), rate: p.stepsPerSecond.toFixed(1), etas: eta });
      } else if (p.step === p.steps || performance.now() - lastLine > 10_000) {
        lastLine = performance.now();
        io.err(`step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  ${p.stepsPerSecond.toFixed(1)} steps/s  ETA ${eta}\n`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

/** A run's result table, as its experiment prints it. */
export function formatMetrics(metrics: RunMetrics, config: { experiment?: string }): string {
  return experimentOf(config).format(metrics);
}

/** The downstream table printed by `misalign eval DIR --downstream`. */
export function formatDownstream(result: DownstreamResult): string {
  const { regression: r, classification: c, settings, seconds } = result;
  return [
    `downstream tasks on ẑ_x (${settings.steps} full-batch steps, c = ${settings.expWeight}, y5 by ${settings.binarize})`,
    '',
    'target  needs       metric   value',
    `y1      s1..s3      R² (ID)  ${r.y1.toFixed(3).padStart(6)}`,
    `y2      s1..s5      R² (ID)  ${r.y2.toFixed(3).padStart(6)}`,
    `y3      s1..s7      R² (ID)  ${r.y3.toFixed(3).padStart(6)}`,
    `y4      s1..s9      R² (ID)  ${r.y4.toFixed(3).padStart(6)}`,
    `y5      s1..s5      MCC ID   ${c.mccId.toFixed(3).padStart(6)}`,
    `y5      s1..s5      MCC OOD  ${c.mccOod.toFixed(3).padStart(6)}   (s9, s10 shifted)`,
    '',
    `${seconds.toFixed(1)} s`,
    '',
  ].join('\n');
}

async function resolveThreads(t: number | 'auto' | undefined): Promise<number> {
  if (t === undefined) return 1;
  if (t !== 'auto') return t;
  const os = await import('node:os');
  return Math.min(os.availableParallelism(), MAX_THREADS);
}

export function registerTrain(program: Command, io: CliIo): void {
  withBiasOptions(program.command('train').description('train f_x and f_t contrastively on a biased simulation, then measure which factors they keep'))
    .option('--dependent', 'dependent semantics (Wishart covariances)')
    .option('--tied-covariances', "the public code's tied covariance draws")
    .addOption(presetOption())
    .option('--steps <n>', 'optimisation steps', integerOption('--steps'))
    .option('--batch <n>', 'batch size', integerOption('--batch'))
    .option('--lr <x>', 'learning rate', numberOption('--lr'))
    .option(
      '--schedule <s>',
      "'constant', 'cosine[:warmup[:final]]' or 'plateau[:warmup[:final]]' (ends the run once its loss levels off)",
      stringOption('--schedule'),
    )
    .option('--hidden <list>', 'hidden widths as multiples of the input size, e.g. 10,50,50,50,50,10', listOption('--hidden'))
    .option(
      '--encoding-size <n>',
      'embedding size (default: numeric |I_θ \\ I_ρ|; image-text: the preset’s rule for the level)',
      integerOption('--encoding-size'),
    )
    .addOption(
      new Option('--negatives <kind>', "negatives from a second, independent batch (fresh) or the batch's other samples (in-batch)").choices([
        'fresh',
        'in-batch',
      ]),
    )
    .addOption(new Option('--engine <name>', 'compute engine: our WebAssembly compute core (core, default) or tfjs').argParser(engineOption(io)))
    .addOption(new Option('--backend <name>', "tfjs's backend (with --engine tfjs; its own wasm backend is not the core)").choices(TFJS_BACKENDS))
    .option('--threads <n>', "threads for the WebAssembly engine, or 'auto' (default 1)", threadsOption)
    .option('--seed <n>', 'seed of the world, the initialisation and the training data (default 0)', integerOption('--seed'))
    .option('--eval-seed <n>', 'seed of the evaluation samples (default seed + 1)', integerOption('--eval-seed'))
    .option('--eval-samples <n>', 'samples in each evaluation set (default 20480 with the paper preset, 8192 otherwise)', integerOption('--eval-samples'))
    .option('--checkpoint-every <n>', 'steps between checkpoints', integerOption('--checkpoint-every'))
    .option(
      '--config <file>',
      'train exactly the run a config.json describes (from misalign train or the web page); only --engine, --backend, --threads may change how',
    )
    .requiredOption('--out <dir>', 'run folder (config.json, checkpoint.bin, train_log.csv, metrics.json, metrics.csv)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .addOption(
      new Option(
        '--experiment <name>',
        `the experiment (default ${defaultExperiment().name}): ${EXPERIMENT_NAMES.map((n) => `${n}: ${experimentNamed(n).description}`).join('; ')}`,
      ).choices(EXPERIMENT_NAMES),
    )
    .option(
      '--selection-level <n>',
      'mpi3d (1..5): captions mention the first n of color, shape, size, camera, background; ' +
        'causal3d (1..7): of shape, x_pos, y_pos, s_pos, color, s_color, b_color',
      integerOption('--selection-level'),
    )
    .option('--perturbation-level <n>', 'image-text: every factor mentioned, the last n − 1 perturbed', integerOption('--perturbation-level'))
    .addOption(
      new Option('--probe-outputs <kind>', 'image-text: probe the embeddings as unit vectors (quick) or the raw outputs (paper)').choices(['unit', 'raw']),
    )
    .option('--image-size <n>', 'image-text: 32 (quick) or 64 (paper) pixels a side', integerOption('--image-size'))
    .option(
      '--image-filters <list>',
      'image-text: the image encoder’s convolution filters, one per layer (3 at 32 px, 4 at 64), e.g. 32,64,64',
      listOption('--image-filters'),
    )
    .option('--tau <x>', "the loss temperature τ (numeric: LpSimCLR, default 1; image-text: InfoNCE, default the preset's)", numberOption('--tau'))
    .option('--tau-end <x>', 'image-text: move τ geometrically from --tau to this over the run (InfoNCE only)', numberOption('--tau-end'))
    .option('--data <file.npz>', 'mpi3d: the real MPI3D-Complex images (default: the procedural stand-in)', stringOption('--data'))
    .action(async (flags: TrainFlags) => {
      const experiment = experimentNamed(flags.experiment);
      const threads = await resolveThreads(flags.threads);
      const given = givenSettings(flags).length > 0 || flags.experiment !== undefined;
      const input =
        flags.config !== undefined ? await configFromFile(flags, threads) : flags.resume && !given ? null : settingsFrom(experiment, flags, threads);
      const reporter = progressReporter(io, Boolean(process.stderr.isTTY));
      try {
        const { config, metrics } = await trainRunDir(flags.out, input, { resume: flags.resume, onProgress: (p) => reporter.update(p) });
        reporter.stop();
        io.out(formatMetrics(metrics, config));
        io.out(`results in ${flags.out}\n`);
        const report = await runReport(flags.out);
        io.out(`figures: ${report.figures.map((f) => `${f}.svg/.png`).join(', ')}; page: ${report.page}\n`);
      } finally {
        reporter.stop();
      }
    });

  program
    .command('eval <dir>')
    .description('re-evaluate a saved model (new evaluation samples with --seed), or run the downstream study on it')
    .option('--seed <n>', 'seed of the evaluation samples (default: the run’s own)', integerOption('--seed'))
    .option('--downstream', 'the downstream tasks (probes on ẑ_x for functions of the factors; numeric runs) instead: writes DIR/downstream.json')
    .option('--downstream-steps <n>', 'full-batch steps of the downstream probes (default: 10000 paper, 2000 quick)', integerOption('--downstream-steps'))
    .option('--exp-weight <c>', 'weight of the exp term of F (default 0.6, the code; the paper’s text: 0.4)', numberOption('--exp-weight'))
    .addOption(new Option('--binarize <how>', 'how y5 is made from y2 (default median)').choices(['median', 'kmeans']))
    .action(
      async (dir: string, flags: { seed?: number; downstream?: boolean; downstreamSteps?: number; expWeight?: number; binarize?: 'median' | 'kmeans' }) => {
        const downstreamOnly = [flags.downstreamSteps, flags.expWeight, flags.binarize].some((v) => v !== undefined);
        if (downstreamOnly && !flags.downstream) throw new MisalignError('MISSING_OPTION', '--downstream-steps, --exp-weight and --binarize need --downstream');
        if (flags.downstream) {
          if (flags.seed !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', '--downstream uses the run’s own evaluation seed; drop --seed');
          const { result, out } = await downstreamRunDir(dir, { steps: flags.downstreamSteps, expWeight: flags.expWeight, binarize: flags.binarize });
          io.out(formatDownstream(result));
          io.out(`results in ${out}\n`);
          return;
        }
        const { metrics, out, config } = await evalRunDir(dir, flags.seed);
        io.out(formatMetrics(metrics, config));
        io.out(`results in ${out}\n`);
      },
    );
}
