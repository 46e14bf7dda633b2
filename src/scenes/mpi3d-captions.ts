/**
 * Captions for MPI3D scenes (docs/experiments.md): what the text says about an image
 * under selection bias (it mentions only some factors) and perturbation bias
 * (some mentioned factors are wrong).
 *
 *   selection level k = 1..5   mentions the first k of color, shape, size, camera, background
 *   perturbation level k = 1..5  mentions all five; the last k − 1 of them
 *                              (∅, {background}, {camera, background}, ...) are perturbable:
 *                              each perturbable word is replaced, with probability 0.9,
 *                              by a value drawn uniformly from all of its factor's values
 *
 * Three templates per level; which one a caption uses is drawn uniformly and
 * is the text-specific factor (like m_t in the numeric world). Positions are
 * never mentioned (image-specific).
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { CAPTION_FACTORS, MPI3D_WORDS, type CaptionFactor, type Mpi3dValues } from './mpi3d-factors.js';

export const MPI3D_TEMPLATES = 3;
export const MPI3D_LEVELS = 5;
export const DEFAULT_WORD_PERTURB_PROB = 0.9;

/** A caption bias: a selection level, or a perturbation level (with every caption factor selected). */
export type Mpi3dBias = { selection: number } | { perturbation: number };

export interface Mpi3dBiasSets {
  /** Factors the captions mention. */
  selected: CaptionFactor[];
  /** Mentioned factors whose words may be wrong. */
  perturbed: CaptionFactor[];
  /** selected minus perturbed: what the theory says both encoders keep. */
  unbiased: CaptionFactor[];
  /** Encoding size: |unbiased|, but at least 3 (docs/experiments.md). */
  encodingSize: number;
}

export function mpi3dBiasSets(bias: Mpi3dBias): Mpi3dBiasSets {
  const level = 'selection' in bias ? bias.selection : bias.perturbation;
  const what = 'selection' in bias ? 'selection' : 'perturbation';
  if (!Number.isInteger(level) || level < 1 || level > MPI3D_LEVELS) {
    throw new MisalignError('OUT_OF_RANGE', `MPI3D ${what} level must be 1..${MPI3D_LEVELS}, got ${level}`);
  }
  const selected = 'selection' in bias ? CAPTION_FACTORS.slice(0, level) : [...CAPTION_FACTORS];
  const perturbed = 'selection' in bias ? [] : CAPTION_FACTORS.slice(CAPTION_FACTORS.length - (level - 1));
  const unbiased = selected.filter((f) => !perturbed.includes(f));
  return { selected, perturbed, unbiased, encodingSize: Math.max(3, unbiased.length) };
}

/** The words of a caption: one per mentioned factor. */
export type CaptionWords = Partial<Record<CaptionFactor, string>>;

/** Template `t` filled with the mentioned factors' words (a missing shape is "object"). */
export function fillTemplate(t: number, w: CaptionWords): string {
  const shape = w.shape ?? 'object';
  const parts: string[] = [];
  switch (t) {
    case 0:
      parts.push('a', ...(w.size ? [w.size] : []), ...(w.color ? [w.color] : []), shape);
      if (w.camera) parts.push('seen from the', w.camera);
      if (w.background) parts.push('in front of a', w.background, 'wall');
      break;
    case 1:
      parts.push('there is a', ...(w.color ? [w.color] : []), shape);
      if (w.size) parts.push('of', w.size, 'size');
      if (w.camera) parts.push(', camera at the', w.camera);
      if (w.background) parts.push(',', w.background, 'background');
      break;
    case 2:
      parts.push(shape, ':');
      parts.push([w.color, w.size, w.camera && `${w.camera} view`, w.background && `${w.background} backdrop`].filter(Boolean).join(' , '));
      break;
    default:
      throw new MisalignError('OUT_OF_RANGE', `MPI3D caption template must be 0..${MPI3D_TEMPLATES - 1}, got ${t}`);
  }
  return parts.filter((p) => p !== '').join(' ');
}

export interface Mpi3dCaption {
  text: string;
  /** The text-specific factor: which template. */
  template: number;
  /** The value each mentioned factor has in the caption (after perturbation). */
  said: Partial<Record<CaptionFactor, number>>;
  /** Factors whose word was redrawn (it may still name the true value). */
  redrawn: CaptionFactor[];
}

/** A caption of an image with factor values `values`, drawing the template and perturbations from `rng`. */
export function mpi3dCaption(values: Mpi3dValues, bias: Mpi3dBias, rng: Rng, perturbProb = DEFAULT_WORD_PERTURB_PROB): Mpi3dCaption {
  const { selected, perturbed } = mpi3dBiasSets(bias);
  const template = rng.int(MPI3D_TEMPLATES);
  const said: Partial<Record<CaptionFactor, number>> = {};
  const words: CaptionWords = {};
  const redrawn: CaptionFactor[] = [];
  for (const f of selected) {
    let v = values[f];
    if (perturbed.includes(f) && rng.uniform() < perturbProb) {
      v = rng.int(MPI3D_WORDS[f].length);
      redrawn.push(f);
    }
    said[f] = v;
    words[f] = MPI3D_WORDS[f][v]!;
  }
  return { text: fillTemplate(template, words), template, said, redrawn };
}
