/**
 * Causal3DIdent image-caption pairs: a batch draws each scene's latents by
 * the causal equations (causal3d-factors.ts), renders it, and captions it
 * under the caption bias. The vocabulary comes from a fixed sample of
 * training captions; the sequence length is the longest caption the bias can
 * produce (the longest word of every factor in the longest phrasing), so no
 * caption is ever cut.
 *
 *   images  (B, S, S, 3) f32 in [0, 1]
 *   tokens  (B, 1, L, V) f32 one-hot
 */
import { Rng } from '../common/rng.js';
import {
  c3dBiasSets,
  c3dCaption,
  fillC3dTemplate,
  C3D_PHRASINGS,
  C3D_SHAPE_WORDS,
  C3D_PALETTES,
  SPOTLIGHT_WORDS,
  X_WORDS,
  Y_WORDS,
  type C3dBias,
  type C3dCaptionFactor,
  type C3dWords,
} from './causal3d-captions.js';
import { sampleC3dLatents, type C3dLatents } from './causal3d-factors.js';
import { C3D_PARAMS, c3dSceneParams, renderCausal3d } from './causal3d-render.js';
import { palette } from './palettes.js';
import { Vocabulary, tokenize } from './tokens.js';

const VOCABULARY_SAMPLE = 20_000;

/**
 * A faster renderer of the same pixels: the scenes' parameters ((n, C3D_PARAMS), c3dSceneParams)
 * to their images ((n, S, S, 3) f32, bytes over 255), e.g. the wasm one (src/kernels/c3drender.ts).
 */
export type C3dRenderBatch = (params: Float64Array, n: number) => Float32Array;

export interface C3dBatch {
  size: number;
  latents: C3dLatents[];
  captions: string[];
  /** The text-specific factor of each caption: its phrasing. */
  phrases: number[];
  images: Float32Array;
  tokens: Float32Array;
}

/** Every word a factor can be said with. */
function wordsOf(f: C3dCaptionFactor): readonly string[] {
  switch (f) {
    case 'shape':
      return C3D_SHAPE_WORDS;
    case 'x_pos':
      return X_WORDS;
    case 'y_pos':
      return Y_WORDS;
    case 's_pos':
      return SPOTLIGHT_WORDS;
    default:
      return palette(C3D_PALETTES[f]).map((c) => c.name);
  }
}

/** Tokens in the longest caption the bias allows. */
export function maxC3dCaptionTokens(bias: C3dBias): number {
  const longest: C3dWords = {};
  for (const f of c3dBiasSets(bias).selected) {
    longest[f] = wordsOf(f).reduce((a, b) => (tokenize(b).length > tokenize(a).length ? b : a));
  }
  return Math.max(...Array.from({ length: C3D_PHRASINGS }, (_, p) => tokenize(fillC3dTemplate(p, longest)).length));
}

export class C3dData {
  readonly vocabulary: Vocabulary;
  readonly length: number;

  constructor(
    readonly bias: C3dBias,
    readonly imageSize: number,
    seed: number,
  ) {
    const rng = Rng.fromSeed(seed).fork('c3d-vocabulary');
    const texts: string[] = [];
    for (let i = 0; i < VOCABULARY_SAMPLE; i++) texts.push(c3dCaption(sampleC3dLatents(rng), bias, rng).text);
    this.vocabulary = Vocabulary.fromTexts(texts);
    this.length = maxC3dCaptionTokens(bias);
  }

  get imageFloats(): number {
    return this.imageSize * this.imageSize * 3;
  }

  get tokenFloats(): number {
    return this.length * this.vocabulary.size;
  }

  /**
   * A batch of `size` pairs drawn from `rng`, its images rendered by `render` if given (the same
   * values), else by renderCausal3d.
   */
  batch(size: number, rng: Rng, render?: C3dRenderBatch): C3dBatch {
    const latents = Array.from({ length: size }, () => sampleC3dLatents(rng));
    const captions = latents.map((z) => c3dCaption(z, this.bias, rng));
    let images: Float32Array;
    if (render) {
      const params = new Float64Array(size * C3D_PARAMS);
      latents.forEach((z, i) => c3dSceneParams(z, params, i * C3D_PARAMS));
      images = render(params, size);
    } else {
      images = new Float32Array(size * this.imageFloats);
      const bytes = new Uint8Array(this.imageFloats);
      latents.forEach((z, i) => {
        renderCausal3d(z, this.imageSize, bytes);
        for (let j = 0; j < bytes.length; j++) images[i * this.imageFloats + j] = bytes[j]! / 255;
      });
    }
    const tokens = new Float32Array(size * this.tokenFloats);
    captions.forEach((c, i) => this.vocabulary.oneHot(c.text, this.length, tokens.subarray(i * this.tokenFloats, (i + 1) * this.tokenFloats)));
    return { size, latents, captions: captions.map((c) => c.text), phrases: captions.map((c) => c.phrase), images, tokens };
  }
}
