/**
 * What the image-text experiments (MPI3D, Causal3D) share apart from their
 * configuration: the two towers, their batches, and the probes' sets of
 * embedded pairs (as unit vectors: what the cosine loss sees).
 *
 *   images  (B, S, S, 3) f32 in [0, 1]  → f_img: strided 4×4 convs → 100 → d
 *   tokens  (B, 1, L, V) f32 one-hot    → f_txt: 1×3 convs ×2 → mean over tokens → d
 *   loss: cosine InfoNCE, in-batch negatives (training/losses.ts)
 *   step s: B pairs drawn from the stream train/step-s of the seed
 */
import { Rng } from '../../common/rng.js';
import { initTwoTowers, type NetSpec } from '../../encoders/net.js';
import { fitStandardizer, standardize } from '../../probes/stats.js';
import type { Engine, TwoTowerSpec } from '../../training/engine.js';
import type { BatchSource } from '../../training/trainer.js';
import type { InfoNceForm } from '../../kernels/infonce.js';
import type { EmbeddingSet } from '../../probes/embeddings.js';

/** The image encoder's filters when a config names none (and the paper preset's at 64 px): three convolutions at 32 px, four at 64 (docs/image-text.md). */
export function defaultImageFilters(imageSize: number): number[] {
  return imageSize === 64 ? [32, 32, 64, 64] : [32, 64, 64];
}

/** Strided convolutions halve the image each, to 4×4: three at 32 px, four at 64. */
export function imageConvLayers(imageSize: number): number {
  return defaultImageFilters(imageSize).length;
}

/** The image encoder: strided 4×4 convolutions with `imageFilters` filters (default `defaultImageFilters`), then 100 units, then the encoding. */
export function imageEncoderSpec(config: { imageSize: number; encodingSize: number; imageFilters?: readonly number[] }): NetSpec {
  const conv = (filters: number) => ({ kind: 'conv' as const, kernel: [4, 4] as [number, number], filters, stride: 2, pad: 1 });
  const convs = (config.imageFilters ?? defaultImageFilters(config.imageSize)).map(conv);
  return {
    input: [config.imageSize, config.imageSize, 3],
    slope: 0.2,
    layers: [...convs, { kind: 'dense', units: 100 }, { kind: 'dense', units: config.encodingSize }],
  };
}

/** The text encoder: two 1×3 convolutions over the one-hot tokens, the mean over positions, then the encoding. */
export function textEncoderSpec(length: number, vocabulary: number, encodingSize: number): NetSpec {
  const conv = { kind: 'conv' as const, kernel: [1, 3] as [number, number], filters: 64, stride: 1, pad: 0 };
  return { input: [1, length, vocabulary], slope: 0.2, sparseInput: true, layers: [conv, conv, { kind: 'meanPool' }, { kind: 'dense', units: encodingSize }] };
}

/** A batch of image-caption pairs: images (B, S, S, 3) and one-hot captions (B, 1, L, V). */
export interface PairBatch {
  images: Float32Array;
  tokens: Float32Array;
}

/** A data set of pairs: its vocabulary and caption length (for the text encoder) and its batches. */
export interface PairData<T extends PairBatch> {
  vocabulary: { size: number; tokens: readonly string[] };
  length: number;
  batch(size: number, rng: Rng): T | Promise<T>;
}

/** What the model needs of an image-text configuration. */
export interface ImageTextModelConfig {
  seed: number;
  batch: number;
  lr: number;
  clip: number;
  form: InfoNceForm;
  imageSize: number;
  encodingSize: number;
  imageFilters?: readonly number[];
}

/** Both towers, initialised from the seed (streams init/f_img and init/f_txt), with cosine InfoNCE. */
export function imageTextModel(config: ImageTextModelConfig, data: PairData<PairBatch>): TwoTowerSpec {
  const x = imageEncoderSpec(config);
  const t = textEncoderSpec(data.length, data.vocabulary.size, config.encodingSize);
  const params = initTwoTowers(x, t, config.seed, ['f_img', 'f_txt']);
  return { x, t, loss: { kind: 'infonce', form: config.form }, batch: config.batch, clip: config.clip, params };
}

/** Step s's batch: B pairs from the stream train/step-s of the seed (images as x, captions as t). */
export function pairBatches(config: { seed: number; batch: number }, data: PairData<PairBatch>): BatchSource {
  const train = Rng.fromSeed(config.seed).fork('train');
  return async (step) => {
    const b = await data.batch(config.batch, train.fork(`step-${step}`));
    return { x: b.images, t: b.tokens };
  };
}

/** One probe set: n pairs embedded by both encoders ((n, d) each: unit vectors, or the raw outputs) and each pair's values. */
export interface ProbeSet<V> {
  img: Float32Array;
  txt: Float32Array;
  values: V[];
}

/**
 * The probes' fitting and scoring sets: evalSamples fresh pairs each (streams
 * 'eval-fit' and 'eval-score' of the evaluation seed, a batch of B at a
 * time), with `factorValues(batch, i)` recorded for every pair; `standardised`
 * gives an encoder's embeddings standardised with the fitting set's statistics.
 * The embeddings are unit vectors (`probeOutputs: 'unit'`, the quick preset)
 * or the encoders' raw outputs ('raw', the public code's and the paper
 * preset's; docs/image-text.md).
 */
export async function probeSets<T extends PairBatch, V>(
  engine: Engine,
  data: PairData<T>,
  config: { evalSamples: number; batch: number; encodingSize: number; probeOutputs: 'unit' | 'raw' },
  evalSeed: number,
  factorValues: (batch: T, i: number) => V,
): Promise<{ fit: ProbeSet<V>; score: ProbeSet<V>; standardised(encoding: 'image' | 'text'): [Float32Array, Float32Array] }> {
  const { evalSamples: n, encodingSize: d, batch: B } = config;
  const root = Rng.fromSeed(evalSeed);
  const embed = async (stream: string): Promise<ProbeSet<V>> => {
    const rng = root.fork(stream);
    const img = new Float32Array(n * d);
    const txt = new Float32Array(n * d);
    const values: V[] = [];
    for (let start = 0; start < n; start += B) {
      const rows = Math.min(B, n - start);
      const batch = await data.batch(B, rng.fork(`chunk-${start}`));
      img.set(engine.encode('x', batch.images, B).subarray(0, rows * d), start * d);
      txt.set(engine.encode('t', batch.tokens, B).subarray(0, rows * d), start * d);
      for (let i = 0; i < rows; i++) values.push(factorValues(batch, i));
    }
    return config.probeOutputs === 'unit' ? { img: unitRows(img, n, d), txt: unitRows(txt, n, d), values } : { img, txt, values };
  };
  const fit = await embed('eval-fit');
  const score = await embed('eval-score');
  const standardised = (encoding: 'image' | 'text'): [Float32Array, Float32Array] => {
    const [eFit, eScore] = encoding === 'image' ? [fit.img, score.img] : [fit.txt, score.txt];
    const st = fitStandardizer(eFit, n, d);
    return [standardize(eFit, n, d, st), standardize(eScore, n, d, st)];
  };
  return { fit, score, standardised };
}

/**
 * The probe sets as the two embedding arrays of an export (experiment.probeData):
 * per encoder (2n, d), the fitting set's n rows then the scoring set's, with
 * the MLP probes' random streams where the experiment names its own.
 */
export function probeSetEmbeddings<V>(
  fit: ProbeSet<V>,
  score: ProbeSet<V>,
  n: number,
  d: number,
  streams?: (encoding: 'image' | 'text') => EmbeddingSet['streams'],
): EmbeddingSet[] {
  const joined = (a: Float32Array, b: Float32Array) => {
    const out = new Float32Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return (['image', 'text'] as const).map((encoding) => ({
    name: encoding,
    data: encoding === 'image' ? joined(fit.img, score.img) : joined(fit.txt, score.txt),
    rows: 2 * n,
    dim: d,
    ...(streams && { streams: streams(encoding) }),
  }));
}

/**
 * Each embedding scaled to unit length: the representation the cosine
 * objective sees. The encoders' raw outputs also have a length, which the
 * loss ignores and so never trains; it is free to carry anything (measured
 * on MPI3D: the background at MLP MCC 0.19–0.24 from raw outputs, 0.04 from
 * directions; docs/image-text.md). The public code probes the raw outputs.
 */
export function unitRows(e: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += e[i * d + k]! ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-8);
    for (let k = 0; k < d; k++) out[i * d + k] = e[i * d + k]! * inv;
  }
  return out;
}
