/**
 * Probing anyone's embeddings (docs/evaluation.md#your-own-embeddings): which
 * labelled factors can be read off an (N, d) array, with the same evaluation
 * misalign's own runs get.
 *
 *   rows      split into a fitting and a scoring set: a given split (1 = scoring),
 *             or at random from the seed (stream 'split'), half each, in row order
 *   embedding standardised with the fitting set's mean and sd
 *   factor    continuous (one or more columns: a group such as m_x): linear
 *             regression and an MLP regressor, R² clipped to [0, 1];
 *             discrete (class codes 0..C−1): logistic regression and an MLP
 *             classifier, MCC
 *   verdict   with expectations: kept ≥ 0.8, dropped ≤ 0.1 on the nonlinear
 *             value, 'partly' not judged (the image-text rules); without: none
 *
 * A discrete factor needs on average MIN_ROWS_PER_CLASS rows per class (see
 * there), unless its classes are known in advance (`knownClasses`, an exported
 * run's); `onProgress` hears of each probe (an embedding set and a factor) as
 * it finishes, with the time so far and an estimate of the time left.
 *
 * The MLP probes of one embedding train as one bank on the WebAssembly core,
 * from the random streams `streams.regress` and `streams.classify` of
 * Rng.fromSeed(seed) (defaults `regress-<name>` and `classify-<name>`, the
 * Causal3DIdent experiment's; a numeric run uses `probe-x`, an MPI3D run
 * `probe-image`), so probing a run's exported embeddings with its seeds and
 * streams gives that run's own metrics.
 */
import { MisalignError } from '../common/errors.js';
import { Rng } from '../common/rng.js';
import type { Kernels } from '../kernels/module.js';
import { classifierProbes, type ClassTarget } from './classify.js';
import { linearProbeR2 } from './linear.js';
import { mlpProbeR2, type MlpProbeOptions } from './mlp-probe.js';
import { clip01, fitStandardizer, standardize } from './stats.js';
import { imageTextVerdict, type Verdict } from './verdicts.js';

/** One embedding array: (rows, dim) row-major. */
export interface EmbeddingSet {
  /** 'image', 'text', 'x', ...: names the rows of the result and the default random streams. */
  name: string;
  data: Float32Array;
  rows: number;
  dim: number;
  /** Random streams of the MLP probes (see the header). */
  streams?: { regress?: string; classify?: string };
}

/** A factor: continuous values (rows, columns) row-major, or class codes 0..classes−1 with their labels. */
export type FactorSpec = (
  | { name: string; kind: 'continuous'; columns: number; values: Float64Array }
  | { name: string; kind: 'discrete'; classes: string[]; codes: Int32Array }
) & {
  /** Probe this factor only from these embedding sets (e.g. a caption's phrasing from 'text'); default every set. */
  encodings?: readonly string[];
};

export interface ProbeEmbeddingsOptions {
  /** Seed of the random split and of the MLP probes. Default 0. */
  seed?: number;
  /** Per row: 0 fitting, 1 scoring. Default: a random half each. */
  split?: Uint8Array;
  /** Factors the theory predicts kept, and partly kept; the rest are predicted dropped. Without them there are no verdicts. */
  expectKept?: readonly string[];
  expectPartly?: readonly string[];
  /** MLP regressors' options (the numeric experiment's defaults). */
  probe?: MlpProbeOptions;
  /** Epochs of the MLP classifiers. Default 200. */
  classifierEpochs?: number;
  /** Discrete factors whose classes are known in advance (a scene's, in an exported run): not held to MIN_ROWS_PER_CLASS. */
  knownClasses?: readonly string[];
  /** Called as each probe (an embedding set and a factor) finishes. */
  onProgress?: (progress: ProbeProgress) => void;
}

/** A probe finished: which one, how many of how many, and the time so far and left. */
export interface ProbeProgress {
  encoding: string;
  factor: string;
  /** Probes finished and in all: one per embedding set and factor probed from it. */
  done: number;
  total: number;
  /** Seconds since the probing began. */
  seconds: number;
  /** Seconds left, estimated as the mean time per probe so far times the probes left (those of one bank finish together). */
  eta: number;
}

/**
 * The fewest rows per class, on average, a discrete factor may have: with
 * fewer, a class has about 5 rows to fit on and 5 to score on, too few for a
 * probe to learn it or for the MCC to say whether it did, and the column is
 * more likely a row's name than a factor (an integer id read as a factor with
 * one class per row made the classifiers, whose cost grows with the classes,
 * run for ten minutes on 4,000 rows and measure nothing).
 */
export const MIN_ROWS_PER_CLASS = 10;

/**
 * A run's evaluation as embeddings and factors (`misalign export-embeddings`):
 * probeEmbeddings(kernels, sets, factors, options) gives the run's own values.
 */
export interface ProbeData {
  sets: EmbeddingSet[];
  factors: FactorSpec[];
  options: ProbeEmbeddingsOptions & { seed: number; split: Uint8Array };
}

export interface EmbeddingProbeRow {
  encoding: string;
  factor: string;
  kind: 'continuous' | 'discrete';
  /** R² for continuous factors, MCC for discrete ones. */
  metric: 'r2' | 'mcc';
  linear: number;
  nonlinear: number;
  predicted: 'kept' | 'partly' | 'dropped' | null;
  verdict: Verdict;
}

export interface EmbeddingProbeResult {
  rows: EmbeddingProbeRow[];
  fitRows: number;
  scoreRows: number;
  /** Verdicts judged and passed (0 without expectations). */
  judged: number;
  passed: number;
}

/** The fewest rows each of the fitting and scoring sets may have: the linear probe's d + 1 coefficients twice over, and at least 32. */
export function minProbeRows(dim: number): number {
  return Math.max(32, 2 * (dim + 1));
}

/** Row indices of the fitting and the scoring set, each in row order. */
export function splitRows(rows: number, seed: number, split?: Uint8Array): { fit: number[]; score: number[] } {
  const fit: number[] = [];
  const score: number[] = [];
  if (split) {
    if (split.length !== rows) throw new MisalignError('SHAPE_MISMATCH', `the split has ${split.length} rows, the embeddings ${rows}`);
    split.forEach((s, i) => (s ? score : fit).push(i));
    return { fit, score };
  }
  const rng = Rng.fromSeed(seed).fork('split');
  const order = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const inScore = new Uint8Array(rows);
  for (let k = 0; k < Math.floor(rows / 2); k++) inScore[order[k]!] = 1;
  inScore.forEach((s, i) => (s ? score : fit).push(i));
  return { fit, score };
}

function pickRows<T extends Float32Array | Float64Array | Int32Array>(src: T, width: number, rows: readonly number[], make: (n: number) => T): T {
  const out = make(rows.length * width);
  rows.forEach((r, k) => out.set(src.subarray(r * width, (r + 1) * width), k * width));
  return out;
}

/** Probes every embedding set for every factor; rows in set order, then continuous factors, then discrete ones. */
export function probeEmbeddings(
  kernels: Kernels,
  sets: readonly EmbeddingSet[],
  factors: readonly FactorSpec[],
  options: ProbeEmbeddingsOptions = {},
): EmbeddingProbeResult {
  if (sets.length === 0) throw new MisalignError('MISSING_OPTION', 'no embeddings to probe');
  if (factors.length === 0) throw new MisalignError('MISSING_OPTION', 'no factors to probe for');
  const n = sets[0]!.rows;
  for (const s of sets) if (s.rows !== n) throw new MisalignError('SHAPE_MISMATCH', `the embeddings '${s.name}' have ${s.rows} rows, '${sets[0]!.name}' ${n}`);
  for (const f of factors) {
    const rows = f.kind === 'continuous' ? f.values.length / f.columns : f.codes.length;
    if (rows !== n) throw new MisalignError('SHAPE_MISMATCH', `the factor '${f.name}' has ${rows} rows, the embeddings ${n}`);
  }
  const names = new Set(factors.map((f) => f.name));
  for (const e of [...(options.expectKept ?? []), ...(options.expectPartly ?? [])]) {
    if (!names.has(e)) throw new MisalignError('INDEX_OUT_OF_RANGE', `expected factor '${e}' is not among the factors (${[...names].join(', ')})`);
  }
  const seed = options.seed ?? 0;
  const { fit, score } = splitRows(n, seed, options.split);
  const need = Math.max(...sets.map((s) => minProbeRows(s.dim)));
  if (fit.length < need || score.length < need) {
    throw new MisalignError(
      'OUT_OF_RANGE',
      `the probes need at least ${need} rows in each of the fitting and scoring sets; got ${fit.length} and ${score.length}`,
    );
  }
  for (const f of factors) {
    const missing = f.encodings?.find((e) => !sets.some((s) => s.name === e));
    if (missing !== undefined)
      throw new MisalignError(
        'INDEX_OUT_OF_RANGE',
        `factor '${f.name}' is probed only from the '${missing}' embeddings, which are not given (${sets.map((s) => s.name).join(', ')})`,
      );
  }
  for (const f of factors) {
    if (f.kind !== 'discrete' || options.knownClasses?.includes(f.name) || n >= MIN_ROWS_PER_CLASS * f.classes.length) continue;
    const numeric = f.classes.every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
    const atMost = Math.floor(n / MIN_ROWS_PER_CLASS);
    throw new MisalignError(
      'OUT_OF_RANGE',
      `factor '${f.name}' has ${f.classes.length} classes in ${n} rows: ` +
        `a discrete factor needs at least ${MIN_ROWS_PER_CLASS} rows per class on average (at most ${atMost} classes here), ` +
        `so this looks like an id, not a factor; --ignore ${f.name} leaves it out` +
        (numeric ? ` (or --continuous ${f.name}, if its numbers are a quantity)` : ''),
    );
  }
  const judging = options.expectKept !== undefined || options.expectPartly !== undefined;
  const predictedOf = (name: string) =>
    !judging ? null : options.expectKept?.includes(name) ? 'kept' : options.expectPartly?.includes(name) ? 'partly' : 'dropped';
  const probedFrom = (set: EmbeddingSet) => factors.filter((f) => f.encodings === undefined || f.encodings.includes(set.name));
  const root = Rng.fromSeed(seed);
  const rows: EmbeddingProbeRow[] = [];
  const total = sets.reduce((a, s) => a + probedFrom(s).length, 0);
  const t0 = performance.now();
  const push = (encoding: string, f: FactorSpec, linear: number, nonlinear: number) => {
    const predicted = predictedOf(f.name);
    rows.push({
      encoding,
      factor: f.name,
      kind: f.kind,
      metric: f.kind === 'continuous' ? 'r2' : 'mcc',
      linear,
      nonlinear,
      predicted,
      verdict: predicted ? imageTextVerdict(predicted, nonlinear) : 'n/a',
    });
    const seconds = (performance.now() - t0) / 1000;
    options.onProgress?.({ encoding, factor: f.name, done: rows.length, total, seconds, eta: (seconds / rows.length) * (total - rows.length) });
  };
  for (const set of sets) {
    const continuous = probedFrom(set).filter((f): f is Extract<FactorSpec, { kind: 'continuous' }> => f.kind === 'continuous');
    const discrete = probedFrom(set).filter((f): f is Extract<FactorSpec, { kind: 'discrete' }> => f.kind === 'discrete');
    const d = set.dim;
    const eFit = pickRows(set.data, d, fit, (k) => new Float32Array(k));
    const eScore = pickRows(set.data, d, score, (k) => new Float32Array(k));
    const st = fitStandardizer(eFit, fit.length, d);
    const zFit = standardize(eFit, fit.length, d, st);
    const zScore = standardize(eScore, score.length, d, st);
    if (continuous.length > 0) {
      const targets = continuous.map((f) => ({
        name: f.name,
        outputs: f.columns,
        fit: pickRows(f.values, f.columns, fit, (k) => new Float64Array(k)),
        score: pickRows(f.values, f.columns, score, (k) => new Float64Array(k)),
      }));
      const nonlinear = mlpProbeR2(
        kernels,
        zFit,
        fit.length,
        zScore,
        score.length,
        d,
        targets,
        root.fork(set.streams?.regress ?? `regress-${set.name}`),
        options.probe,
      );
      targets.forEach((t, i) =>
        push(set.name, continuous[i]!, clip01(linearProbeR2(zFit, t.fit, fit.length, zScore, t.score, score.length, d, t.outputs)), clip01(nonlinear[i]!.r2)),
      );
    }
    if (discrete.length > 0) {
      const targets: ClassTarget[] = discrete.map((f) => ({
        name: f.name,
        classes: f.classes.length,
        fit: fit.map((r) => f.codes[r]!),
        score: score.map((r) => f.codes[r]!),
      }));
      const results = classifierProbes(
        kernels,
        zFit,
        fit.length,
        zScore,
        score.length,
        d,
        targets,
        root.fork(set.streams?.classify ?? `classify-${set.name}`),
        { epochs: options.classifierEpochs ?? 200 },
      );
      results.forEach((r, i) => push(set.name, discrete[i]!, r.mccLinear, r.mccNonlinear));
    }
  }
  const judged = rows.filter((r) => r.verdict !== 'n/a');
  return { rows, fitRows: fit.length, scoreRows: score.length, judged: judged.length, passed: judged.filter((r) => r.verdict === 'pass').length };
}
