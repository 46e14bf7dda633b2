/**
 * The factors of Causal3DIdent (docs/experiments.md; the paper's Fig. 6): an object in a
 * scene lit by a spotlight, with causal dependencies among the semantics.
 *
 *   shape    7 classes                       semantic, discrete
 *   x_pos    3 classes (left, centre, right) semantic, discrete
 *   y_pos    3 classes (bottom, centre, top) semantic, discrete
 *   s_pos    spotlight position, U[0, 1]     semantic, continuous
 *   color    object hue       = (x_pos + y_pos)/6 + U/3            (caused by the position)
 *   s_color  spotlight hue    = (s_pos + U)/2                      (caused by s_pos)
 *   b_color  background hue   = (s_pos + s_color + U)/3            (caused by s_pos, s_color)
 *   alpha, beta, gamma        the object's rotations, U[0, 1] each  image-specific
 *
 * Hues are in [0, 1] (HSV hue, fully saturated); a rotation r ∈ [0, 1]
 * is the angle (r − ½)·π. Each U is a fresh uniform draw.
 */
import type { Rng } from '../common/rng.js';

export const C3D_FACTORS = ['shape', 'x_pos', 'y_pos', 's_pos', 'color', 's_color', 'b_color', 'alpha', 'beta', 'gamma'] as const;
export type C3dFactor = (typeof C3D_FACTORS)[number];

/** The seven solids of the shape factor, in order (what the renderer draws and captions name). */
export const C3D_SHAPE_NAMES: readonly string[] = ['cube', 'tetrahedron', 'octahedron', 'cylinder', 'cone', 'torus', 'L-block'];

/** Classes of the discrete factors; every other factor is continuous in [0, 1]. */
export const C3D_CLASSES = { shape: 7, x_pos: 3, y_pos: 3 } as const;
export type C3dDiscrete = keyof typeof C3D_CLASSES;
export const C3D_DISCRETE: readonly C3dDiscrete[] = ['shape', 'x_pos', 'y_pos'];

/** One scene's latent values: integers for the discrete factors, [0, 1] for the rest. */
export type C3dLatents = Record<C3dFactor, number>;

/** Draws one scene's latents by the causal equations above. */
export function sampleC3dLatents(rng: Rng): C3dLatents {
  const shape = Math.floor(rng.uniform() * C3D_CLASSES.shape);
  const x_pos = Math.floor(rng.uniform() * C3D_CLASSES.x_pos);
  const y_pos = Math.floor(rng.uniform() * C3D_CLASSES.y_pos);
  const s_pos = rng.uniform();
  const color = (x_pos + y_pos) / 6 + rng.uniform() / 3;
  const s_color = (s_pos + rng.uniform()) / 2;
  const b_color = (s_pos + s_color + rng.uniform()) / 3;
  return { shape, x_pos, y_pos, s_pos, color, s_color, b_color, alpha: rng.uniform(), beta: rng.uniform(), gamma: rng.uniform() };
}

/** HSV (hue h ∈ [0, 1], saturation s, value v) to RGB in [0, 1]. */
export function hsvToRgb(h: number, s = 1, v = 1): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}
