/**
 * A procedural stand-in for MPI3D-Complex photographs: the same seven factors,
 * each visibly expressed, rendered deterministically from the factor values
 * (no stored dataset, no randomness: the same index gives the same bytes
 * everywhere, since only +, −, ×, ÷, min, max and sqrt are used).
 *
 *   background  the wall's colour (3)
 *   camera      where the horizon is (3: high camera → low horizon); the floor
 *               below it is a darker shade of the wall
 *   color       the object's colour (4)
 *   shape       its outline (4: ball, cube, cone, ring)
 *   size        its radius (2)
 *   horizontal, vertical   its position (40 × 40 over the middle 60 % of the frame)
 *
 * Edges are antialiased from a signed distance (coverage = clamp(½ − d, 0, 1)
 * in pixels), so the 40 positions stay distinguishable at 32×32.
 * Output: (size, size, 3) uint8, row-major HWC, like the real file's images.
 */
import { MisalignError } from '../common/errors.js';
import { MPI3D_SIZES, type Mpi3dValues } from './mpi3d-factors.js';

type Rgb = readonly [number, number, number];

const OBJECT_COLORS: readonly Rgb[] = [
  [0.96, 0.84, 0.14], // yellow
  [0.18, 0.74, 0.26], // green
  [0.5, 0.5, 0.12], // olive
  [0.86, 0.16, 0.14], // red
];
const WALL_COLORS: readonly Rgb[] = [
  [0.46, 0.27, 0.62], // purple
  [0.12, 0.5, 0.52], // teal
  [0.96, 0.6, 0.5], // salmon
];
/** Horizon height (fraction of the frame from the top) for camera top, center, bottom. */
const HORIZON = [0.72, 0.5, 0.28];
const FLOOR_SHADE = 0.55;
/** Object radius (fraction of the frame) for small, large. */
const RADIUS = [0.12, 0.19];
/** Object centres run over [POSITION_MIN, POSITION_MIN + POSITION_SPAN] of the frame, 40 steps each way. */
export const POSITION_MIN = 0.2;
export const POSITION_SPAN = 0.6;

/** Signed distance (in frame units) from (x, y), relative to the object's centre, to a shape of radius r. */
function shapeDistance(shape: number, x: number, y: number, r: number): number {
  switch (shape) {
    case 0: // ball: a disc
      return Math.sqrt(x * x + y * y) - r;
    case 1: {
      // cube: a square of half-side 0.82 r
      const h = 0.82 * r;
      const qx = Math.abs(x) - h;
      const qy = Math.abs(y) - h;
      const outside = Math.sqrt(Math.max(qx, 0) ** 2 + Math.max(qy, 0) ** 2);
      return outside + Math.min(Math.max(qx, qy), 0);
    }
    case 2: {
      // cone: an isosceles triangle, apex (0, −r) up (y grows downwards), base on y = 0.8 r,
      // half-width 0.9 r there: the intersection of three half-planes (distance to the nearest edge)
      const base = y - 0.8 * r;
      const right = (x - 0.5 * (y + r)) * 0.894; // 0.894 = 1/√(1 + 0.5²)
      const left = (-x - 0.5 * (y + r)) * 0.894;
      return Math.max(base, left, right);
    }
    default: {
      // ring: an annulus of mean radius 0.68 r and half-width 0.32 r
      return Math.abs(Math.sqrt(x * x + y * y) - 0.68 * r) - 0.32 * r;
    }
  }
}

/** Renders one image into `out` (size·size·3 bytes, HWC) or a new array. */
export function renderMpi3d(values: Mpi3dValues, size = 64, out?: Uint8Array): Uint8Array {
  if (!Number.isInteger(size) || size < 8) throw new MisalignError('OUT_OF_RANGE', `image size must be an integer of at least 8, got ${size}`);
  for (const [f, n] of Object.entries(MPI3D_SIZES)) {
    const v = values[f as keyof Mpi3dValues];
    if (!Number.isInteger(v) || v < 0 || v >= n) throw new MisalignError('INDEX_OUT_OF_RANGE', `MPI3D ${f} ${v} is outside 0..${n - 1}`);
  }
  const img = out ?? new Uint8Array(size * size * 3);
  if (img.length !== size * size * 3)
    throw new MisalignError('SHAPE_MISMATCH', `an image buffer of ${size}×${size}×3 needs ${size * size * 3} bytes, got ${img.length}`);
  const wall = WALL_COLORS[values.background]!;
  const obj = OBJECT_COLORS[values.color]!;
  const horizon = HORIZON[values.camera]!;
  const r = RADIUS[values.size]!;
  const cx = POSITION_MIN + (POSITION_SPAN * values.horizontal) / (MPI3D_SIZES.horizontal - 1);
  const cy = POSITION_MIN + (POSITION_SPAN * values.vertical) / (MPI3D_SIZES.vertical - 1);
  for (let py = 0; py < size; py++) {
    const y = (py + 0.5) / size;
    // wall above the horizon, floor below, blended over one pixel
    const floor = Math.min(1, Math.max(0, (y - horizon) * size + 0.5));
    const shade = 1 - (1 - FLOOR_SHADE) * floor;
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size;
      const d = shapeDistance(values.shape, x - cx, y - cy, r) * size;
      const a = Math.min(1, Math.max(0, 0.5 - d));
      const o = (py * size + px) * 3;
      for (let c = 0; c < 3; c++) img[o + c] = Math.round(255 * ((1 - a) * wall[c]! * shade + a * obj[c]!));
    }
  }
  return img;
}
