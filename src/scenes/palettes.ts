/**
 * Colour names for captions (docs/experiments.md, Causal3DIdent): a colour is named by
 * its nearest neighbour in a fixed palette (Euclidean distance in RGB, as the
 * public code does): the 10 Tableau colours (matplotlib's default cycle; the
 * object's colour), the 148 CSS colour keywords (css-color-names; the
 * spotlight's) and the 949 colours of the XKCD colour survey (xkcd-colors; the
 * background's). The paper speaks of 147 and 954 names; the packages' lists
 * are the current published ones.
 */
import cssColorNames from 'css-color-names' with { type: 'json' };
import xkcd from 'xkcd-colors';
import { MisalignError } from '../common/errors.js';

export type Rgb = readonly [number, number, number];

export interface PaletteColor {
  name: string;
  /** Components in [0, 1]. */
  rgb: Rgb;
}

export const PALETTE_NAMES = ['tableau', 'css', 'xkcd'] as const;
export type PaletteName = (typeof PALETTE_NAMES)[number];

function fromHex(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) throw new MisalignError('OUT_OF_RANGE', `not a #rrggbb colour: '${hex}'`);
  return [parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255];
}

/** The ten Tableau colours (matplotlib's tab10), named without the "tab:" prefix. */
const TABLEAU: Record<string, string> = {
  blue: '#1f77b4',
  orange: '#ff7f0e',
  green: '#2ca02c',
  red: '#d62728',
  purple: '#9467bd',
  brown: '#8c564b',
  pink: '#e377c2',
  gray: '#7f7f7f',
  olive: '#bcbd22',
  cyan: '#17becf',
};

const palettes: Record<PaletteName, readonly PaletteColor[]> = {
  tableau: Object.entries(TABLEAU).map(([name, hex]) => ({ name, rgb: fromHex(hex) })),
  css: Object.entries(cssColorNames as Record<string, string>).map(([name, hex]) => ({ name, rgb: fromHex(hex) })),
  xkcd: (xkcd as { colors: { name: string; hex: string }[] }).colors.map((c) => ({ name: c.name, rgb: fromHex(c.hex) })),
};

export function palette(name: PaletteName): readonly PaletteColor[] {
  const p = palettes[name];
  if (!p) throw new MisalignError('OUT_OF_RANGE', `unknown palette '${String(name)}'; expected ${PALETTE_NAMES.join(', ')}`);
  return p;
}

/** The name of the palette colour nearest to `rgb` (squared Euclidean distance in RGB; the first of equals). */
export function nearestColorName(name: PaletteName, rgb: Rgb): string {
  let best = '';
  let bestD = Infinity;
  for (const c of palette(name)) {
    const d = (c.rgb[0] - rgb[0]) ** 2 + (c.rgb[1] - rgb[1]) ** 2 + (c.rgb[2] - rgb[2]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = c.name;
    }
  }
  return best;
}
