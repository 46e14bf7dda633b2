/**
 * A procedural stand-in for Causal3DIdent images: one solid on a back wall,
 * lit by a coloured spotlight, rendered deterministically from the ten
 * factors of causal3d-factors.ts (no stored dataset, no randomness: only +,
 * −, ×, ÷, min, max, abs and sqrt per pixel, and sin/cos of the three
 * rotation angles once per image, so the same latents give the same bytes).
 *
 *   shape    the solid (7): cube, tetrahedron, octahedron, cylinder, cone,
 *            torus, L-block, each a signed distance function in object space
 *   alpha, beta, gamma   rotations by (r − ½)·π about the x, y and z axes,
 *            applied to the solid (object = Rz·Ry·Rx · model), so each one
 *            turns the silhouette and the shading
 *   x_pos, y_pos         the object's centre on a 3×3 grid (x: left, centre,
 *            right; y: bottom, centre, top, so y_pos = 2 is the top of the
 *            image); each cell is a third of the frame and the object stays
 *            inside its cell
 *   color    the object's hue (fully saturated), its albedo
 *   b_color  the wall's hue (saturation 0.45, value 0.85)
 *   s_pos    the spotlight's position, sweeping above the scene from the left
 *            (0) to the right (1): it sets the light direction on the object
 *            (the lit side moves) and the centre of a soft elliptical pool of
 *            light on the wall
 *   s_color  the spotlight's hue (saturation 0.55): tints the diffuse light
 *            and the highlight on the object and the pool on the wall
 *
 * Camera: orthographic, looking down −z; the frame spans [−1.5, 1.5]² in
 * world units (+y up), grid centres at −1, 0, 1. Each pixel inside the
 * object's bounding sphere is sphere traced (≤ 40 steps) in object space;
 * the normal comes from central differences of the distance, shading is
 * ambient + Lambert + a Blinn highlight. Edges are antialiased from the
 * distance: rays march to the solid shrunk by half a pixel, and a ray that
 * misses it by d covers 1 − d/pixel of its pixel (a one-pixel ramp centred on
 * the true silhouette), so shapes and poses stay distinguishable at 32×32.
 * The wall is lit by ambient light plus the spotlight, which the object
 * shadows (a soft shadow ray marched through the bounding sphere).
 * Output: (size, size, 3) uint8, row-major HWC.
 *
 * This file is the plain reference. Training renders through its twin in
 * WebAssembly (assembly/c3drender.ts, two pixels at a time), which reads the
 * same scene parameters (c3dSceneParams) and gives the same bytes.
 */
import { MisalignError } from '../common/errors.js';
import { C3D_CLASSES, C3D_FACTORS, C3D_SHAPE_NAMES, hsvToRgb, type C3dLatents } from './causal3d-factors.js';

export { C3D_SHAPE_NAMES };

/** Half the frame's width in world units; grid cells are 1 wide, centred at −1, 0, 1. */
const HALF_FRAME = 1.5;
/**
 * The object's scale: every solid fits in a sphere of radius 1 in object space (OBJECT_SCALE in the
 * world) and reaches at most 0.9 of it, so that even with its antialiased rim it stays half a pixel
 * clear of the frame's edge at 64×64.
 */
const OBJECT_SCALE = 0.5;
const MAX_STEPS = 40;
const HIT = 0.002; // object units
const NORMAL_H = 0.004;
const AMBIENT = 0.3;
const DIFFUSE = 0.85;
const SPECULAR = 0.5;
const WALL_SATURATION = 0.45;
const WALL_VALUE = 0.85;
const LIGHT_SATURATION = 0.55;
/** The wall's ambient light, the spotlight's light on it outside the pool, and the pool's added light at its centre. */
const WALL_AMBIENT = 0.45;
const WALL_DIRECT = 0.2;
const POOL_GAIN = 0.75;
/**
 * The wall is the plane z = −WALL_Z·OBJECT_SCALE (just behind the bounding sphere); shadow rays
 * take ≤ SHADOW_STEPS steps, penumbra sharpness PENUMBRA.
 */
const WALL_Z = 1.05;
const SHADOW_STEPS = 24;
const PENUMBRA = 5;
/** The pool: centre x = POOL_X·(2·s_pos − 1), y = POOL_Y; radii POOL_RX × POOL_RY (world units). */
const POOL_X = 1.0;
const POOL_Y = 0.35;
const POOL_RX = 1.25;
const POOL_RY = 0.95;

const INV_SQRT3 = 0.5773502691896258;
const TETRA_K = 0.52;

/**
 * The tetrahedron's four faces, 34 numbers each: corners a, b, c; edges b − a, c − b, a − c;
 * the in-plane inward edge normals (edge × normal) and 1/|edge|²; the face normal and 1/|normal|².
 * (The wasm renderer reads this table too.)
 */
export const C3D_TETRA_FACES = (() => {
  const k = TETRA_K;
  const v = [
    [k, k, k],
    [k, -k, -k],
    [-k, k, -k],
    [-k, -k, k],
  ] as const;
  const faces = [
    [1, 2, 3],
    [0, 3, 2],
    [0, 1, 3],
    [0, 2, 1],
  ] as const;
  const sub = (p: readonly number[], q: readonly number[]) => [p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!];
  const cross = (p: number[], q: number[]) => [p[1]! * q[2]! - p[2]! * q[1]!, p[2]! * q[0]! - p[0]! * q[2]!, p[0]! * q[1]! - p[1]! * q[0]!];
  const dot = (p: number[], q: number[]) => p[0]! * q[0]! + p[1]! * q[1]! + p[2]! * q[2]!;
  const data: number[] = [];
  for (const [i, j, l] of faces) {
    const a = v[i],
      b = v[j],
      c = v[l];
    const ba = sub(b, a),
      cb = sub(c, b),
      ac = sub(a, c);
    const nor = cross(ba, ac);
    data.push(...a, ...b, ...c);
    for (const e of [ba, cb, ac]) data.push(...e, ...cross(e, nor), 1 / dot(e, e));
    data.push(...nor, 1 / dot(nor, nor));
  }
  return Float64Array.from(data);
})();

/** Squared distance from (x, y, z) to one edge (corner q, edge e, 1/|e|²) of the tetrahedron. */
function segment2(x: number, y: number, z: number, qx: number, qy: number, qz: number, ex: number, ey: number, ez: number, inv: number): number {
  const px = x - qx,
    py = y - qy,
    pz = z - qz;
  const t = Math.min(Math.max((px * ex + py * ey + pz * ez) * inv, 0), 1);
  const dx = ex * t - px,
    dy = ey * t - py,
    dz = ez * t - pz;
  return dx * dx + dy * dy + dz * dz;
}

/** Squared distance from (x, y, z) to the tetrahedron's face f, a triangle (after Inigo Quilez's udTriangle). */
function triangle2(f: number, x: number, y: number, z: number): number {
  const d = C3D_TETRA_FACES;
  const o = f * 34;
  const ax = x - d[o]!,
    ay = y - d[o + 1]!,
    az = z - d[o + 2]!;
  const bx = x - d[o + 3]!,
    by = y - d[o + 4]!,
    bz = z - d[o + 5]!;
  const cx = x - d[o + 6]!,
    cy = y - d[o + 7]!,
    cz = z - d[o + 8]!;
  // inside the prism over the triangle iff on the inner side of all three edges
  if (
    d[o + 12]! * ax + d[o + 13]! * ay + d[o + 14]! * az >= 0 &&
    d[o + 19]! * bx + d[o + 20]! * by + d[o + 21]! * bz >= 0 &&
    d[o + 26]! * cx + d[o + 27]! * cy + d[o + 28]! * cz >= 0
  ) {
    const n = d[o + 30]! * ax + d[o + 31]! * ay + d[o + 32]! * az;
    return n * n * d[o + 33]!;
  }
  return Math.min(
    segment2(x, y, z, d[o]!, d[o + 1]!, d[o + 2]!, d[o + 9]!, d[o + 10]!, d[o + 11]!, d[o + 15]!),
    segment2(x, y, z, d[o + 3]!, d[o + 4]!, d[o + 5]!, d[o + 16]!, d[o + 17]!, d[o + 18]!, d[o + 22]!),
    segment2(x, y, z, d[o + 6]!, d[o + 7]!, d[o + 8]!, d[o + 23]!, d[o + 24]!, d[o + 25]!, d[o + 29]!),
  );
}

function len2(x: number, y: number): number {
  return Math.sqrt(x * x + y * y);
}

/** Exact distance to an axis-aligned box of half-sizes (bx, by, bz) at the origin. */
function box(x: number, y: number, z: number, bx: number, by: number, bz: number): number {
  const qx = Math.abs(x) - bx;
  const qy = Math.abs(y) - by;
  const qz = Math.abs(z) - bz;
  const ox = Math.max(qx, 0);
  const oy = Math.max(qy, 0);
  const oz = Math.max(qz, 0);
  return Math.sqrt(ox * ox + oy * oy + oz * oz) + Math.min(Math.max(qx, qy, qz), 0);
}

/** Signed distance (object units) from (x, y, z) to solid `shape`; every solid lies inside the unit sphere. */
function solidDistance(shape: number, x: number, y: number, z: number): number {
  switch (shape) {
    case 0:
      // cube: half-side 0.52, edges rounded by 0.05 (corner at radius ≈ 0.86)
      return box(x, y, z, 0.47, 0.47, 0.47) - 0.05;
    case 1: {
      // tetrahedron: vertices k·(1,1,1), k·(1,−1,−1), k·(−1,1,−1), k·(−1,−1,1), k = 0.52
      // (circumradius 0.9). Inside, the nearest face plane is the exact distance; outside,
      // the nearest of the four faces as triangles (near its vertices and edges the plane
      // distance would underestimate the distance threefold and blur the silhouette)
      const inside = (Math.max(-x - y - z, -x + y + z, x - y + z, x + y - z) - TETRA_K) * INV_SQRT3;
      if (inside <= 0) return inside;
      return Math.sqrt(Math.min(triangle2(0, x, y, z), triangle2(1, x, y, z), triangle2(2, x, y, z), triangle2(3, x, y, z)));
    }
    case 2: {
      // octahedron: vertices at ±0.9 on each axis (exact distance)
      const s = 0.9;
      const px = Math.abs(x);
      const py = Math.abs(y);
      const pz = Math.abs(z);
      const m = px + py + pz - s;
      let qx: number, qy: number, qz: number;
      if (3 * px < m) {
        qx = px;
        qy = py;
        qz = pz;
      } else if (3 * py < m) {
        qx = py;
        qy = pz;
        qz = px;
      } else if (3 * pz < m) {
        qx = pz;
        qy = px;
        qz = py;
      } else return m * INV_SQRT3;
      const k = Math.min(Math.max(0.5 * (qz - qy + s), 0), s);
      const dy = qy - s + k;
      const dz = qz - k;
      return Math.sqrt(qx * qx + dy * dy + dz * dz);
    }
    case 3: {
      // cylinder: axis y, radius 0.5, half-height 0.7 (rim at radius 0.86)
      const dx = len2(x, z) - 0.5;
      const dy = Math.abs(y) - 0.7;
      const ox = Math.max(dx, 0);
      const oy = Math.max(dy, 0);
      return Math.min(Math.max(dx, dy), 0) + Math.sqrt(ox * ox + oy * oy);
    }
    case 4: {
      // cone: axis y, base radius 0.65 at y = −0.62, apex at y = +0.72 (exact distance)
      const h = 0.67;
      const r1 = 0.65;
      const qx = len2(x, z);
      const qy = y - 0.05;
      // the base disc's edge and the slanted side (from the apex (0, h) to the rim (r1, −h))
      const cax = qx - Math.min(qx, qy < 0 ? r1 : 0);
      const cay = Math.abs(qy) - h;
      const k2x = -r1;
      const k2y = 2 * h;
      const t = Math.min(Math.max(((0 - qx) * k2x + (h - qy) * k2y) / (k2x * k2x + k2y * k2y), 0), 1);
      const cbx = qx + k2x * t;
      const cby = qy - h + k2y * t;
      const sign = cbx < 0 && cay < 0 ? -1 : 1;
      return sign * Math.sqrt(Math.min(cax * cax + cay * cay, cbx * cbx + cby * cby));
    }
    case 5: {
      // torus: in the xz plane, ring radius 0.64, tube radius 0.26
      const q = len2(x, z) - 0.64;
      return len2(q, y) - 0.26;
    }
    default: {
      // L-block: an upright bar and a foot, 0.5 deep
      const upright = box(x + 0.3, y, z, 0.22, 0.62, 0.25);
      const foot = box(x, y + 0.4, z, 0.52, 0.22, 0.25);
      return Math.min(upright, foot);
    }
  }
}

function checkLatents(latents: C3dLatents): void {
  for (const f of C3D_FACTORS) {
    const v = latents[f];
    if (f === 'shape' || f === 'x_pos' || f === 'y_pos') {
      const n = C3D_CLASSES[f];
      if (!Number.isInteger(v) || v < 0 || v >= n) throw new MisalignError('INDEX_OUT_OF_RANGE', `Causal3D ${f} ${v} is outside 0..${n - 1}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      throw new MisalignError('OUT_OF_RANGE', `Causal3D ${f} must be a finite number in [0, 1], got ${v}`);
    }
  }
}

/**
 * One scene's parameters, as the pixel loop reads them (C3D_PARAMS numbers; the wasm renderer,
 * assembly/c3drender.ts, reads the same block):
 *
 *   0 shape   1, 2 the object's centre (cx, cy)   3–5 object RGB   6–8 wall RGB   9–11 light RGB
 *   12–20 R = Rz(γ)·Ry(β)·Rx(α), row-major        21–23 light direction (world)
 *   24–26 light direction (object space)          27–29 half vector (object space)   30 sx = 2·s_pos − 1
 *
 * Everything that needs sin, cos or the colour conversion happens here, once per image, so the
 * per-pixel work is +, −, ×, ÷, min, max, abs and sqrt only, which WebAssembly and JavaScript round
 * alike: both renderers give the same bytes.
 */
export const C3D_PARAMS = 31;

/** Scene parameters of `latents` into `out` (C3D_PARAMS numbers from `offset`). */
export function c3dSceneParams(latents: C3dLatents, out: Float64Array = new Float64Array(C3D_PARAMS), offset = 0): Float64Array {
  checkLatents(latents);
  const [or, og, ob] = hsvToRgb(latents.color, 1, 1);
  const [wr, wg, wb] = hsvToRgb(latents.b_color, WALL_SATURATION, WALL_VALUE);
  const [lr, lg, lb] = hsvToRgb(latents.s_color, LIGHT_SATURATION, 1);

  // rotation R = Rz(γ)·Ry(β)·Rx(α); object-space p = Rᵀ·(world − centre)/scale
  const a = (latents.alpha - 0.5) * Math.PI;
  const b = (latents.beta - 0.5) * Math.PI;
  const g = (latents.gamma - 0.5) * Math.PI;
  const ca = Math.cos(a),
    sa = Math.sin(a);
  const cb = Math.cos(b),
    sb = Math.sin(b);
  const cg = Math.cos(g),
    sg = Math.sin(g);
  const r00 = cg * cb,
    r01 = cg * sb * sa - sg * ca,
    r02 = cg * sb * ca + sg * sa;
  const r10 = sg * cb,
    r11 = sg * sb * sa + cg * ca,
    r12 = sg * sb * ca - cg * sa;
  const r20 = -sb,
    r21 = cb * sa,
    r22 = cb * ca;

  // the light: from the left (s_pos = 0) over the top to the right (1), towards the viewer
  const sx = 2 * latents.s_pos - 1;
  const lx0 = 1.3 * sx,
    ly0 = 0.55,
    lz0 = 0.75;
  const ln = Math.sqrt(lx0 * lx0 + ly0 * ly0 + lz0 * lz0);
  const lwx = lx0 / ln,
    lwy = ly0 / ln,
    lwz = lz0 / ln;
  // light, view (0, 0, 1) and half vector in object space (Rᵀ·v)
  const lox = r00 * lwx + r10 * lwy + r20 * lwz;
  const loy = r01 * lwx + r11 * lwy + r21 * lwz;
  const loz = r02 * lwx + r12 * lwy + r22 * lwz;
  const hx0 = lox + r20,
    hy0 = loy + r21,
    hz0 = loz + r22;
  const hn = Math.sqrt(hx0 * hx0 + hy0 * hy0 + hz0 * hz0);
  out.set(
    [
      latents.shape,
      latents.x_pos - 1,
      latents.y_pos - 1,
      or,
      og,
      ob,
      wr,
      wg,
      wb,
      lr,
      lg,
      lb,
      r00,
      r01,
      r02,
      r10,
      r11,
      r12,
      r20,
      r21,
      r22,
      lwx,
      lwy,
      lwz,
      lox,
      loy,
      loz,
      hx0 / hn,
      hy0 / hn,
      hz0 / hn,
      sx,
    ],
    offset,
  );
  return out;
}

/** Renders one scene into `out` (size·size·3 bytes, row-major HWC, uint8) or a new array. */
export function renderCausal3d(latents: C3dLatents, size = 64, out?: Uint8Array): Uint8Array {
  if (!Number.isInteger(size) || size < 8) throw new MisalignError('OUT_OF_RANGE', `image size must be an integer of at least 8, got ${size}`);
  const img = out ?? new Uint8Array(size * size * 3);
  if (img.length !== size * size * 3)
    throw new MisalignError('SHAPE_MISMATCH', `an image buffer of ${size}×${size}×3 needs ${size * size * 3} bytes, got ${img.length}`);
  renderPixels(c3dSceneParams(latents), size, img);
  return img;
}

/** The pixel loop: the scene of parameters `p` (c3dSceneParams) into img, (size, size, 3) bytes. */
function renderPixels(p: Float64Array, size: number, img: Uint8Array): void {
  const shape = p[0]!,
    cx = p[1]!,
    cy = p[2]!;
  const or = p[3]!,
    og = p[4]!,
    ob = p[5]!;
  const wr = p[6]!,
    wg = p[7]!,
    wb = p[8]!;
  const lr = p[9]!,
    lg = p[10]!,
    lb = p[11]!;
  const r00 = p[12]!,
    r01 = p[13]!,
    r02 = p[14]!;
  const r10 = p[15]!,
    r11 = p[16]!,
    r12 = p[17]!;
  const r20 = p[18]!,
    r21 = p[19]!,
    r22 = p[20]!;
  const lwx = p[21]!,
    lwy = p[22]!,
    lwz = p[23]!;
  const lox = p[24]!,
    loy = p[25]!,
    loz = p[26]!;
  const hox = p[27]!,
    hoy = p[28]!,
    hoz = p[29]!;
  const sx = p[30]!;
  // the view (0, 0, 1) in object space, and the ray direction (0, 0, −1)
  const vox = r20,
    voy = r21,
    voz = r22;
  const dx = -vox,
    dy = -voy,
    dz = -voz;
  const poolX = POOL_X * sx;
  const world = (2 * HALF_FRAME) / size; // world units per pixel
  const pix = world / OBJECT_SCALE; // object units per pixel
  const halfPix = 0.5 * pix;
  const reach2 = (1 + halfPix) * (1 + halfPix);

  for (let py = 0; py < size; py++) {
    const y = HALF_FRAME - (py + 0.5) * world;
    const v = (y - cy) / OBJECT_SCALE;
    const qy = (y - POOL_Y) / POOL_RY;
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) * world - HALF_FRAME;
      // the wall, brightened and tinted by the pool of light
      const qx = (x - poolX) / POOL_RX;
      const f = Math.max(0, 1 - qx * qx - qy * qy);
      const pool = POOL_GAIN * f * f * (3 - 2 * f);
      const u = (x - cx) / OBJECT_SCALE;
      const r2 = u * u + v * v;
      // the object's soft shadow: march from the wall point towards the light, through the bounding sphere
      let shade = 1;
      const pb = u * lwx + v * lwy - WALL_Z * lwz;
      const disc = pb * pb - (r2 + WALL_Z * WALL_Z - 1);
      if (disc > 0) {
        const root = Math.sqrt(disc);
        const tFar = root - pb;
        let t = Math.max(0, -pb - root);
        if (tFar > 0) {
          const ox = r00 * u + r10 * v - r20 * WALL_Z;
          const oy = r01 * u + r11 * v - r21 * WALL_Z;
          const oz = r02 * u + r12 * v - r22 * WALL_Z;
          for (let i = 0; i < SHADOW_STEPS && t < tFar; i++) {
            const d = solidDistance(shape, ox + t * lox, oy + t * loy, oz + t * loz);
            shade = Math.min(shade, (PENUMBRA * d) / t);
            if (shade <= 0) {
              shade = 0;
              break;
            }
            t += Math.max(d, 0.02);
          }
          shade = shade * shade * (3 - 2 * shade);
        }
      }
      const lit = shade * (WALL_DIRECT + pool);
      let red = wr * (WALL_AMBIENT + lit * lr);
      let green = wg * (WALL_AMBIENT + lit * lg);
      let blue = wb * (WALL_AMBIENT + lit * lb);

      if (r2 < reach2) {
        // march through the bounding sphere (grown by half a pixel, for the antialiased rim) from its front to its back
        const zIn = Math.sqrt(reach2 - r2);
        const ox = r00 * u + r10 * v + r20 * zIn;
        const oy = r01 * u + r11 * v + r21 * zIn;
        const oz = r02 * u + r12 * v + r22 * zIn;
        const tEnd = 2 * zIn;
        let t = 0;
        let dMin = Infinity;
        let tMin = 0;
        let hit = false;
        for (let i = 0; i < MAX_STEPS; i++) {
          const d = solidDistance(shape, ox + t * dx, oy + t * dy, oz + t * dz) + halfPix;
          if (d < dMin) {
            dMin = d;
            tMin = t;
          }
          if (d < HIT) {
            hit = true;
            break;
          }
          t += d;
          if (t > tEnd) break;
        }
        const cover = hit ? 1 : Math.max(0, 1 - dMin / pix);
        if (cover > 0) {
          const sx0 = ox + tMin * dx,
            sy0 = oy + tMin * dy,
            sz0 = oz + tMin * dz;
          let nx = solidDistance(shape, sx0 + NORMAL_H, sy0, sz0) - solidDistance(shape, sx0 - NORMAL_H, sy0, sz0);
          let ny = solidDistance(shape, sx0, sy0 + NORMAL_H, sz0) - solidDistance(shape, sx0, sy0 - NORMAL_H, sz0);
          let nz = solidDistance(shape, sx0, sy0, sz0 + NORMAL_H) - solidDistance(shape, sx0, sy0, sz0 - NORMAL_H);
          const nn = Math.sqrt(nx * nx + ny * ny + nz * nz) || 1;
          nx /= nn;
          ny /= nn;
          nz /= nn;
          const diff = Math.max(0, nx * lox + ny * loy + nz * loz);
          let spec = Math.max(0, nx * hox + ny * hoy + nz * hoz);
          spec *= spec;
          spec *= spec;
          spec *= spec;
          spec *= spec;
          spec *= spec; // ^32
          const amb = AMBIENT * (0.75 + 0.25 * (nx * vox + ny * voy + nz * voz));
          const sr = or * (amb + DIFFUSE * diff * lr) + SPECULAR * spec * lr;
          const sg0 = og * (amb + DIFFUSE * diff * lg) + SPECULAR * spec * lg;
          const sb0 = ob * (amb + DIFFUSE * diff * lb) + SPECULAR * spec * lb;
          red += cover * (sr - red);
          green += cover * (sg0 - green);
          blue += cover * (sb0 - blue);
        }
      }
      const o = (py * size + px) * 3;
      img[o] = Math.round(255 * Math.min(1, red));
      img[o + 1] = Math.round(255 * Math.min(1, green));
      img[o + 2] = Math.round(255 * Math.min(1, blue));
    }
  }
}
