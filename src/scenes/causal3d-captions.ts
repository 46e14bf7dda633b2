/**
 * Captions for Causal3DIdent scenes (docs/experiments.md): what the text says about a
 * scene under selection bias (it mentions only some factors) and
 * perturbation bias (some mentioned factors are wrong).
 *
 *   order of mention:      shape, x_pos, y_pos, s_pos, color, s_color, b_color
 *   selection level k = 1..7     mentions the first k
 *   perturbation level k = 1..7  mentions all seven; the last k − 1 (∅, {b_color},
 *                                {s_color, b_color}, ...) are perturbed: each is redrawn
 *                                uniformly (a class, or a value in [0, 1]) for every caption,
 *                                as the public code does, then put in words
 *   encoding size          selection 3, 3, 4, 5, 5, 6, 7; perturbation 7, 6, 5, 5, 4, 3, 3
 *
 * Words: the position as "{top|mid|bottom}-{left|center|right}" (one of them
 * when only x_pos is mentioned), the spotlight position in five words (bins of
 * 0.2), colours as the nearest name in a palette (object: Tableau's 10,
 * spotlight: CSS's 148, background: XKCD's 949) of the fully saturated hue.
 * Five phrasings per level; which one a caption uses is drawn uniformly and is
 * the text-specific factor (`phrase`). Rotations are never mentioned.
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';
import { C3D_CLASSES, C3D_SHAPE_NAMES, hsvToRgb, type C3dFactor, type C3dLatents } from './causal3d-factors.js';
import { nearestColorName, type PaletteName } from './palettes.js';

export const C3D_CAPTION_FACTORS = ['shape', 'x_pos', 'y_pos', 's_pos', 'color', 's_color', 'b_color'] as const satisfies readonly C3dFactor[];
export type C3dCaptionFactor = (typeof C3D_CAPTION_FACTORS)[number];
export const C3D_LEVELS = 7;
export const C3D_PHRASINGS = 5;
export const DEFAULT_C3D_PERTURB_PROB = 1;

const SELECTION_ENCODING = [3, 3, 4, 5, 5, 6, 7];
const PERTURBATION_ENCODING = [7, 6, 5, 5, 4, 3, 3];

/** The shapes' words: the solids the stand-in renders (the real dataset's are teapot, hare, dragon, cow, armadillo, horse, head). */
export const C3D_SHAPE_WORDS = C3D_SHAPE_NAMES;
export const X_WORDS = ['left', 'center', 'right'] as const;
export const Y_WORDS = ['bottom', 'mid', 'top'] as const;
export const SPOTLIGHT_WORDS = ['northwest', 'northeast', 'center', 'southwest', 'southeast'] as const;
export const C3D_PALETTES: Readonly<Record<'color' | 's_color' | 'b_color', PaletteName>> = { color: 'tableau', s_color: 'css', b_color: 'xkcd' };

export type C3dBias = { selection: number } | { perturbation: number };

export interface C3dBiasSets {
  selected: C3dCaptionFactor[];
  perturbed: C3dCaptionFactor[];
  unbiased: C3dCaptionFactor[];
  encodingSize: number;
}

export function c3dBiasSets(bias: C3dBias): C3dBiasSets {
  const selection = 'selection' in bias;
  const level = selection ? bias.selection : bias.perturbation;
  if (!Number.isInteger(level) || level < 1 || level > C3D_LEVELS) {
    throw new MisalignError('OUT_OF_RANGE', `Causal3D ${selection ? 'selection' : 'perturbation'} level must be 1..${C3D_LEVELS}, got ${level}`);
  }
  const selected = selection ? C3D_CAPTION_FACTORS.slice(0, level) : [...C3D_CAPTION_FACTORS];
  const perturbed = selection ? [] : C3D_CAPTION_FACTORS.slice(C3D_CAPTION_FACTORS.length - (level - 1));
  const unbiased = selected.filter((f) => !perturbed.includes(f));
  return { selected, perturbed, unbiased, encodingSize: (selection ? SELECTION_ENCODING : PERTURBATION_ENCODING)[level - 1]! };
}

/** The spotlight word of a position in [0, 1]: five bins of width 0.2. */
export function spotlightWord(sPos: number): string {
  return SPOTLIGHT_WORDS[Math.min(4, Math.floor(sPos * 5))]!;
}

/** The name of hue `h` (fully saturated) in the factor's palette. */
export function colorWord(factor: 'color' | 's_color' | 'b_color', hue: number): string {
  return nearestColorName(C3D_PALETTES[factor], hsvToRgb(hue));
}

export type C3dWords = Partial<Record<C3dCaptionFactor, string>>;

/** Phrasing `p` (0..4) with the mentioned factors' words; each level adds its clause. */
export function fillC3dTemplate(p: number, w: C3dWords): string {
  const pos = w.x_pos && w.y_pos ? `${w.y_pos}-${w.x_pos}` : w.x_pos;
  const color = w.color ? `"${w.color}" ` : '';
  const light = w.s_color ? `a "${w.s_color}" spotlight` : 'a spotlight';
  const parts: string[] = [];
  switch (p) {
    case 0:
      parts.push(`the image shows a ${color}${w.shape}`);
      if (pos) parts.push(`at the ${pos}`);
      if (w.s_pos) parts.push(`, lit from the ${w.s_pos} by ${light}`);
      else if (w.s_color) parts.push(`, lit by ${light}`);
      if (w.b_color) parts.push(`, in front of a "${w.b_color}" background`);
      break;
    case 1:
      parts.push(`a ${color}${w.shape} is visible`);
      if (pos) parts.push(`in the ${pos} of the picture`);
      if (w.s_pos || w.s_color) parts.push(`. ${light} shines${w.s_pos ? ` from the ${w.s_pos}` : ''}`);
      if (w.b_color) parts.push(`; the background is "${w.b_color}"`);
      break;
    case 2:
      parts.push(`there is a ${color}${w.shape}`);
      if (pos) parts.push(`positioned ${pos}`);
      if (w.s_pos || w.s_color) parts.push(`under ${light}${w.s_pos ? ` placed ${w.s_pos}` : ''}`);
      if (w.b_color) parts.push(`with "${w.b_color}" behind it`);
      break;
    case 3:
      parts.push(`${w.shape}${w.color ? ` , colour "${w.color}"` : ''}`);
      if (pos) parts.push(`, position ${pos}`);
      if (w.s_pos) parts.push(`, light ${w.s_pos}`);
      if (w.s_color) parts.push(`, light colour "${w.s_color}"`);
      if (w.b_color) parts.push(`, background "${w.b_color}"`);
      break;
    case 4:
      parts.push(`a photo of a ${color}${w.shape}`);
      if (pos) parts.push(`, ${pos} in the frame`);
      if (w.s_pos || w.s_color) parts.push(`, ${light}${w.s_pos ? ` to the ${w.s_pos}` : ''}`);
      if (w.b_color) parts.push(`and a "${w.b_color}" backdrop`);
      break;
    default:
      throw new MisalignError('OUT_OF_RANGE', `Causal3D phrasing must be 0..${C3D_PHRASINGS - 1}, got ${p}`);
  }
  return parts.join(' ');
}

export interface C3dCaption {
  text: string;
  /** The text-specific factor: which phrasing. */
  phrase: number;
  /** The value of each mentioned factor as the caption states it (after perturbation). */
  said: Partial<Record<C3dCaptionFactor, number>>;
  redrawn: C3dCaptionFactor[];
}

export function wordOf(f: C3dCaptionFactor, v: number): string {
  switch (f) {
    case 'shape':
      return C3D_SHAPE_WORDS[v]!;
    case 'x_pos':
      return X_WORDS[v]!;
    case 'y_pos':
      return Y_WORDS[v]!;
    case 's_pos':
      return spotlightWord(v);
    default:
      return colorWord(f, v);
  }
}

/** A caption of a scene with latents `z`, drawing the phrasing and the perturbations from `rng`. */
export function c3dCaption(z: C3dLatents, bias: C3dBias, rng: Rng, perturbProb = DEFAULT_C3D_PERTURB_PROB): C3dCaption {
  const { selected, perturbed } = c3dBiasSets(bias);
  const phrase = rng.int(C3D_PHRASINGS);
  const said: Partial<Record<C3dCaptionFactor, number>> = {};
  const words: C3dWords = {};
  const redrawn: C3dCaptionFactor[] = [];
  for (const f of selected) {
    let v = z[f];
    if (perturbed.includes(f) && rng.uniform() < perturbProb) {
      v = f in C3D_CLASSES ? rng.int(C3D_CLASSES[f as keyof typeof C3D_CLASSES]) : rng.uniform();
      redrawn.push(f);
    }
    said[f] = v;
    words[f] = wordOf(f, v);
  }
  return { text: fillC3dTemplate(phrase, words), phrase, said, redrawn };
}
