/**
 * MPI3D image-caption pairs for training and evaluation: a batch is a set of
 * image indices drawn uniformly from the 460,800 factor combinations, their
 * images (procedural, or from the real file), and one caption each under the
 * caption bias. The vocabulary is built from a fixed sample of training
 * captions (the training split's stream), and every caption is a one-hot
 * sequence of that many tokens.
 *
 *   images  (B, S, S, 3) f32 in [0, 1]
 *   tokens  (B, 1, L, V) f32 one-hot (as an NHWC map of height 1 for the text CNN)
 */
import { Rng } from '../common/rng.js';
import { mpi3dCaption, type Mpi3dBias } from './mpi3d-captions.js';
import { MPI3D_COUNT, mpi3dValues, type Mpi3dValues } from './mpi3d-factors.js';
import { renderMpi3d } from './mpi3d-render.js';
import { Vocabulary, tokenize } from './tokens.js';

/** Captions sampled to build the vocabulary and the sequence length. */
const VOCABULARY_SAMPLE = 4096;

/** Where images come from: the procedural renderer by default; the real file's reader for users who have it. */
export type ImageSource = (index: number, size: number, out: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export const proceduralImages: ImageSource = (index, size, out) => renderMpi3d(mpi3dValues(index), size, out);

export interface Mpi3dBatch {
  size: number;
  indices: number[];
  values: Mpi3dValues[];
  captions: string[];
  /** The text-specific factor of each caption: its template. */
  templates: number[];
  images: Float32Array;
  tokens: Float32Array;
}

export class Mpi3dData {
  readonly vocabulary: Vocabulary;
  /** Tokens per caption (the longest caption in the vocabulary sample). */
  readonly length: number;

  constructor(
    readonly bias: Mpi3dBias,
    readonly imageSize: number,
    seed: number,
    private readonly source: ImageSource = proceduralImages,
  ) {
    const rng = Rng.fromSeed(seed).fork('mpi3d-vocabulary');
    const texts: string[] = [];
    for (let i = 0; i < VOCABULARY_SAMPLE; i++) texts.push(mpi3dCaption(mpi3dValues(rng.int(MPI3D_COUNT)), bias, rng).text);
    this.vocabulary = Vocabulary.fromTexts(texts);
    this.length = Math.max(...texts.map((t) => tokenize(t).length));
  }

  /** Floats per image and per caption. */
  get imageFloats(): number {
    return this.imageSize * this.imageSize * 3;
  }

  get tokenFloats(): number {
    return this.length * this.vocabulary.size;
  }

  /** A batch of `size` pairs drawn from `rng`. */
  async batch(size: number, rng: Rng): Promise<Mpi3dBatch> {
    const indices = Array.from({ length: size }, () => rng.int(MPI3D_COUNT));
    const values = indices.map(mpi3dValues);
    const captions = values.map((v) => mpi3dCaption(v, this.bias, rng));
    const images = new Float32Array(size * this.imageFloats);
    const bytes = new Uint8Array(this.imageFloats);
    for (let i = 0; i < size; i++) {
      const img = await this.source(indices[i]!, this.imageSize, bytes);
      for (let j = 0; j < img.length; j++) images[i * this.imageFloats + j] = img[j]! / 255;
    }
    const tokens = new Float32Array(size * this.tokenFloats);
    captions.forEach((c, i) => this.vocabulary.oneHot(c.text, this.length, tokens.subarray(i * this.tokenFloats, (i + 1) * this.tokenFloats)));
    return { size, indices, values, captions: captions.map((c) => c.text), templates: captions.map((c) => c.template), images, tokens };
  }
}
