// The Causal3DIdent stand-in's renderer (docs/experiments.md, "Causal3DIdent"): a batch of scenes
// rendered straight into the image encoder's input. This is the pixel loop of
// src/scenes/causal3d-render.ts, operation for operation, two pixels at a time (f64x2 lanes):
// there it is the plain reference, here the fast path, and the tests ask for the same bytes
// (test/c3d-render-wasm.test.ts).
//
//   params  (n, 31) f64      each scene's parameters, c3dSceneParams in causal3d-render.ts
//                            (shape, centre, colours, rotation, light and half vectors: everything
//                            that needs sin, cos or the colour conversion is done there, once per image)
//   tetra   (4, 34) f64      the tetrahedron's faces (C3D_TETRA_FACES there)
//   out     (n, S, S, 3) f32 pixels in [0, 1], row-major HWC: round(255·v)/255, the reference's
//                            bytes divided by 255
//
// Per pixel only +, −, ×, ÷, min, max, abs and sqrt, correctly rounded in f64 lane by lane as in
// scalar code, and in the reference's order, so the bytes agree exactly. Where the reference
// branches per pixel (the marches' exits, the solids' cases), both lanes compute and a mask
// selects; a lane that has left a march keeps its values. No fused multiply-add here (the relaxed
// build compiles this file unchanged: it has no f64 madd).

// the reference's constants (causal3d-render.ts)
const HALF_FRAME: f64 = 1.5;
const OBJECT_SCALE: f64 = 0.5;
const MAX_STEPS: i32 = 40;
const HIT: f64 = 0.002;
const NORMAL_H: f64 = 0.004;
const AMBIENT: f64 = 0.3;
const DIFFUSE: f64 = 0.85;
const SPECULAR: f64 = 0.5;
const WALL_AMBIENT: f64 = 0.45;
const WALL_DIRECT: f64 = 0.2;
const POOL_GAIN: f64 = 0.75;
const WALL_Z: f64 = 1.05;
const SHADOW_STEPS: i32 = 24;
const PENUMBRA: f64 = 5;
const POOL_X: f64 = 1.0;
const POOL_Y: f64 = 0.35;
const POOL_RX: f64 = 1.25;
const POOL_RY: f64 = 0.95;
const INV_SQRT3: f64 = 0.5773502691896258;
const TETRA_K: f64 = 0.52;

// the tetrahedron's face table, set per batch
let tetra: usize = 0;

@inline
function T(i: i32): v128 {
  return v128.load64_splat(tetra + (<usize>i << 3));
}

// f64x2 shorthands: every lane is the scalar operation
@inline function V(x: f64): v128 { return f64x2.splat(x); }
@inline function add(a: v128, b: v128): v128 { return f64x2.add(a, b); }
@inline function sub(a: v128, b: v128): v128 { return f64x2.sub(a, b); }
@inline function mul(a: v128, b: v128): v128 { return f64x2.mul(a, b); }
@inline function div(a: v128, b: v128): v128 { return f64x2.div(a, b); }
@inline function vmin(a: v128, b: v128): v128 { return f64x2.min(a, b); }
@inline function vmax(a: v128, b: v128): v128 { return f64x2.max(a, b); }
@inline function vsqrt(a: v128): v128 { return f64x2.sqrt(a); }
@inline function vabs(a: v128): v128 { return f64x2.abs(a); }
/** a where mask, else b */
@inline function sel(mask: v128, a: v128, b: v128): v128 { return v128.bitselect(a, b, mask); }
@inline function dot3(ax: v128, ay: v128, az: v128, bx: v128, by: v128, bz: v128): v128 {
  return add(add(mul(ax, bx), mul(ay, by)), mul(az, bz));
}

/** Squared distance from (x, y, z) to one edge (corner q, edge e, 1/|e|²) of the tetrahedron. */
@inline
function segment2(x: v128, y: v128, z: v128, qx: v128, qy: v128, qz: v128, ex: v128, ey: v128, ez: v128, inv: v128): v128 {
  const px = sub(x, qx),
    py = sub(y, qy),
    pz = sub(z, qz);
  const t = vmin(vmax(mul(dot3(px, py, pz, ex, ey, ez), inv), V(0)), V(1));
  const dx = sub(mul(ex, t), px),
    dy = sub(mul(ey, t), py),
    dz = sub(mul(ez, t), pz);
  return dot3(dx, dy, dz, dx, dy, dz);
}

/** Squared distance from (x, y, z) to the tetrahedron's face f, a triangle. */
function triangle2(f: i32, x: v128, y: v128, z: v128): v128 {
  const o = f * 34;
  const ax = sub(x, T(o)),
    ay = sub(y, T(o + 1)),
    az = sub(z, T(o + 2));
  const bx = sub(x, T(o + 3)),
    by = sub(y, T(o + 4)),
    bz = sub(z, T(o + 5));
  const cx = sub(x, T(o + 6)),
    cy = sub(y, T(o + 7)),
    cz = sub(z, T(o + 8));
  // inside the prism over the triangle iff on the inner side of all three edges
  const prism = v128.and(
    v128.and(f64x2.ge(dot3(T(o + 12), T(o + 13), T(o + 14), ax, ay, az), V(0)), f64x2.ge(dot3(T(o + 19), T(o + 20), T(o + 21), bx, by, bz), V(0))),
    f64x2.ge(dot3(T(o + 26), T(o + 27), T(o + 28), cx, cy, cz), V(0)),
  );
  const n = dot3(T(o + 30), T(o + 31), T(o + 32), ax, ay, az);
  const plane = mul(mul(n, n), T(o + 33));
  if (v128.all_true<i64>(prism)) return plane;
  const edges = vmin(
    vmin(
      segment2(x, y, z, T(o), T(o + 1), T(o + 2), T(o + 9), T(o + 10), T(o + 11), T(o + 15)),
      segment2(x, y, z, T(o + 3), T(o + 4), T(o + 5), T(o + 16), T(o + 17), T(o + 18), T(o + 22)),
    ),
    segment2(x, y, z, T(o + 6), T(o + 7), T(o + 8), T(o + 23), T(o + 24), T(o + 25), T(o + 29)),
  );
  return sel(prism, plane, edges);
}

@inline
function len2(x: v128, y: v128): v128 {
  return vsqrt(add(mul(x, x), mul(y, y)));
}

/** Exact distance to an axis-aligned box of half-sizes (bx, by, bz) at the origin. */
@inline
function box(x: v128, y: v128, z: v128, bx: f64, by: f64, bz: f64): v128 {
  const qx = sub(vabs(x), V(bx));
  const qy = sub(vabs(y), V(by));
  const qz = sub(vabs(z), V(bz));
  const ox = vmax(qx, V(0));
  const oy = vmax(qy, V(0));
  const oz = vmax(qz, V(0));
  return add(vsqrt(dot3(ox, oy, oz, ox, oy, oz)), vmin(vmax(vmax(qx, qy), qz), V(0)));
}

/** Signed distance (object units) from (x, y, z) to solid `shape` (the reference's solidDistance). */
function solidDistance(shape: i32, x: v128, y: v128, z: v128): v128 {
  switch (shape) {
    case 0:
      return sub(box(x, y, z, 0.47, 0.47, 0.47), V(0.05));
    case 1: {
      const nx = f64x2.neg(x);
      const planes = vmax(vmax(vmax(sub(sub(nx, y), z), add(add(nx, y), z)), add(sub(x, y), z)), sub(add(x, y), z));
      const inside = mul(sub(planes, V(TETRA_K)), V(INV_SQRT3));
      const isIn = f64x2.le(inside, V(0));
      if (v128.all_true<i64>(isIn)) return inside;
      const faces = vmin(vmin(vmin(triangle2(0, x, y, z), triangle2(1, x, y, z)), triangle2(2, x, y, z)), triangle2(3, x, y, z));
      return sel(isIn, inside, vsqrt(faces));
    }
    case 2: {
      const s = V(0.9);
      const px = vabs(x);
      const py = vabs(y);
      const pz = vabs(z);
      const m = sub(add(add(px, py), pz), s);
      const c1 = f64x2.lt(mul(V(3), px), m);
      const c2 = v128.andnot(f64x2.lt(mul(V(3), py), m), c1);
      const c3 = v128.andnot(v128.andnot(f64x2.lt(mul(V(3), pz), m), c1), c2);
      const qx = sel(c1, px, sel(c2, py, pz));
      const qy = sel(c1, py, sel(c2, pz, px));
      const qz = sel(c1, pz, sel(c2, px, py));
      const k = vmin(vmax(mul(V(0.5), add(sub(qz, qy), s)), V(0)), s);
      const dy = add(sub(qy, s), k);
      const dz = sub(qz, k);
      const edge = vsqrt(dot3(qx, dy, dz, qx, dy, dz));
      return sel(v128.or(v128.or(c1, c2), c3), edge, mul(m, V(INV_SQRT3)));
    }
    case 3: {
      const dx = sub(len2(x, z), V(0.5));
      const dy = sub(vabs(y), V(0.7));
      const ox = vmax(dx, V(0));
      const oy = vmax(dy, V(0));
      return add(vmin(vmax(dx, dy), V(0)), vsqrt(add(mul(ox, ox), mul(oy, oy))));
    }
    case 4: {
      const h: f64 = 0.67;
      const r1: f64 = 0.65;
      const qx = len2(x, z);
      const qy = sub(y, V(0.05));
      const cax = sub(qx, vmin(qx, sel(f64x2.lt(qy, V(0)), V(r1), V(0))));
      const cay = sub(vabs(qy), V(h));
      const k2x: f64 = -r1;
      const k2y: f64 = 2 * h;
      const t = vmin(vmax(div(add(mul(sub(V(0), qx), V(k2x)), mul(sub(V(h), qy), V(k2y))), V(k2x * k2x + k2y * k2y)), V(0)), V(1));
      const cbx = add(qx, mul(V(k2x), t));
      const cby = add(sub(qy, V(h)), mul(V(k2y), t));
      const sign = sel(v128.and(f64x2.lt(cbx, V(0)), f64x2.lt(cay, V(0))), V(-1), V(1));
      return mul(sign, vsqrt(vmin(add(mul(cax, cax), mul(cay, cay)), add(mul(cbx, cbx), mul(cby, cby)))));
    }
    case 5: {
      const q = sub(len2(x, z), V(0.64));
      return sub(len2(q, y), V(0.26));
    }
    default: {
      const upright = box(add(x, V(0.3)), y, z, 0.22, 0.62, 0.25);
      const foot = box(x, add(y, V(0.4)), z, 0.52, 0.22, 0.25);
      return vmin(upright, foot);
    }
  }
}

/** JavaScript's Math.round (halves towards +∞), then the byte a Uint8Array stores, over 255. */
@inline
function toUnit(v: f64): f32 {
  let r = floor<f64>(v);
  if (v - r >= 0.5) r += 1;
  return <f32>(<f64>(<i32>r & 255) / 255.0);
}

/** Renders the scene of parameters p into img, (S, S, 3) f32, pixels (px, px + 1) of a row at a time. */
function renderScene(p: usize, S: i32, img: usize): void {
  const shape = <i32>load<f64>(p);
  const cx = load<f64>(p, 8),
    cy = load<f64>(p, 16);
  const or = V(load<f64>(p, 24)),
    og = V(load<f64>(p, 32)),
    ob = V(load<f64>(p, 40));
  const wr = V(load<f64>(p, 48)),
    wg = V(load<f64>(p, 56)),
    wb = V(load<f64>(p, 64));
  const lr = V(load<f64>(p, 72)),
    lg = V(load<f64>(p, 80)),
    lb = V(load<f64>(p, 88));
  const r00 = V(load<f64>(p, 96)),
    r01 = V(load<f64>(p, 104)),
    r02 = V(load<f64>(p, 112));
  const r10 = V(load<f64>(p, 120)),
    r11 = V(load<f64>(p, 128)),
    r12 = V(load<f64>(p, 136));
  const r20 = V(load<f64>(p, 144)),
    r21 = V(load<f64>(p, 152)),
    r22 = V(load<f64>(p, 160));
  const lwx = V(load<f64>(p, 168)),
    lwy = V(load<f64>(p, 176)),
    lwz = V(load<f64>(p, 184));
  const lox = V(load<f64>(p, 192)),
    loy = V(load<f64>(p, 200)),
    loz = V(load<f64>(p, 208));
  const hox = V(load<f64>(p, 216)),
    hoy = V(load<f64>(p, 224)),
    hoz = V(load<f64>(p, 232));
  const sx = load<f64>(p, 240);
  // the view (0, 0, 1) in object space, and the ray direction (0, 0, −1)
  const vox = r20,
    voy = r21,
    voz = r22;
  const dx = f64x2.neg(vox),
    dy = f64x2.neg(voy),
    dz = f64x2.neg(voz);

  const poolX = POOL_X * sx;
  const world = (2 * HALF_FRAME) / <f64>S;
  const pix = world / OBJECT_SCALE;
  const halfPix = 0.5 * pix;
  const reach2 = (1 + halfPix) * (1 + halfPix);
  const ZERO = V(0);

  for (let py = 0; py < S; py++) {
    const y = HALF_FRAME - (<f64>py + 0.5) * world;
    const v = V((y - cy) / OBJECT_SCALE);
    const qy = V((y - POOL_Y) / POOL_RY);
    for (let px = 0; px < S; px += 2) {
      // an odd row's last pixel goes through both lanes; only lane 0 is stored
      const px1 = min(px + 1, S - 1);
      const x = f64x2.replace_lane(V((<f64>px + 0.5) * world - HALF_FRAME), 1, (<f64>px1 + 0.5) * world - HALF_FRAME);
      // the wall, brightened and tinted by the pool of light
      const qx = div(sub(x, V(poolX)), V(POOL_RX));
      const f = vmax(ZERO, sub(sub(V(1), mul(qx, qx)), mul(qy, qy)));
      const pool = mul(mul(mul(V(POOL_GAIN), f), f), sub(V(3), mul(V(2), f)));
      const u = div(sub(x, V(cx)), V(OBJECT_SCALE));
      const r2 = add(mul(u, u), mul(v, v));
      // the object's soft shadow: march from the wall point towards the light, through the bounding sphere
      let shade = V(1);
      const pb = sub(add(mul(u, lwx), mul(v, lwy)), mul(V(WALL_Z), lwz));
      const disc = sub(mul(pb, pb), sub(add(r2, V(WALL_Z * WALL_Z)), V(1)));
      const root = vsqrt(disc);
      const tFar = sub(root, pb);
      const shadowed = v128.and(f64x2.gt(disc, ZERO), f64x2.gt(tFar, ZERO));
      if (v128.any_true(shadowed)) {
        let t = vmax(ZERO, sub(f64x2.neg(pb), root));
        const ox = sub(add(mul(r00, u), mul(r10, v)), mul(r20, V(WALL_Z)));
        const oy = sub(add(mul(r01, u), mul(r11, v)), mul(r21, V(WALL_Z)));
        const oz = sub(add(mul(r02, u), mul(r12, v)), mul(r22, V(WALL_Z)));
        let running = shadowed;
        for (let i = 0; i < SHADOW_STEPS; i++) {
          running = v128.and(running, f64x2.lt(t, tFar));
          if (!v128.any_true(running)) break;
          const d = solidDistance(shape, add(ox, mul(t, lox)), add(oy, mul(t, loy)), add(oz, mul(t, loz)));
          shade = sel(running, vmin(shade, div(mul(V(PENUMBRA), d), t)), shade);
          const dark = v128.and(running, f64x2.le(shade, ZERO));
          shade = sel(dark, ZERO, shade);
          running = v128.andnot(running, dark);
          t = sel(running, add(t, vmax(d, V(0.02))), t);
        }
        shade = sel(shadowed, mul(mul(shade, shade), sub(V(3), mul(V(2), shade))), shade);
      }
      const lit = mul(shade, add(V(WALL_DIRECT), pool));
      let red = mul(wr, add(V(WALL_AMBIENT), mul(lit, lr)));
      let green = mul(wg, add(V(WALL_AMBIENT), mul(lit, lg)));
      let blue = mul(wb, add(V(WALL_AMBIENT), mul(lit, lb)));

      const inside = f64x2.lt(r2, V(reach2));
      if (v128.any_true(inside)) {
        // march through the bounding sphere (grown by half a pixel, for the antialiased rim) from its front to its back
        const zIn = vsqrt(sub(V(reach2), r2));
        const ox = add(add(mul(r00, u), mul(r10, v)), mul(r20, zIn));
        const oy = add(add(mul(r01, u), mul(r11, v)), mul(r21, zIn));
        const oz = add(add(mul(r02, u), mul(r12, v)), mul(r22, zIn));
        const tEnd = mul(V(2), zIn);
        let t = ZERO;
        let dMin = V(Infinity);
        let tMin = ZERO;
        let hit = f64x2.ne(ZERO, ZERO); // all lanes false
        let running = inside;
        for (let i = 0; i < MAX_STEPS; i++) {
          if (!v128.any_true(running)) break;
          const d = add(solidDistance(shape, add(ox, mul(t, dx)), add(oy, mul(t, dy)), add(oz, mul(t, dz))), V(halfPix));
          const nearer = v128.and(running, f64x2.lt(d, dMin));
          dMin = sel(nearer, d, dMin);
          tMin = sel(nearer, t, tMin);
          const h = v128.and(running, f64x2.lt(d, V(HIT)));
          hit = v128.or(hit, h);
          running = v128.andnot(running, h);
          t = sel(running, add(t, d), t);
          running = v128.andnot(running, f64x2.gt(t, tEnd));
        }
        const cover = sel(hit, V(1), vmax(ZERO, sub(V(1), div(dMin, V(pix)))));
        const covered = v128.and(inside, f64x2.gt(cover, ZERO));
        if (v128.any_true(covered)) {
          const sx0 = add(ox, mul(tMin, dx)),
            sy0 = add(oy, mul(tMin, dy)),
            sz0 = add(oz, mul(tMin, dz));
          const H = V(NORMAL_H);
          let nx = sub(solidDistance(shape, add(sx0, H), sy0, sz0), solidDistance(shape, sub(sx0, H), sy0, sz0));
          let ny = sub(solidDistance(shape, sx0, add(sy0, H), sz0), solidDistance(shape, sx0, sub(sy0, H), sz0));
          let nz = sub(solidDistance(shape, sx0, sy0, add(sz0, H)), solidDistance(shape, sx0, sy0, sub(sz0, H)));
          let nn = vsqrt(dot3(nx, ny, nz, nx, ny, nz));
          // the reference's `|| 1`: a zero or NaN length becomes 1
          nn = sel(v128.and(f64x2.ne(nn, ZERO), f64x2.eq(nn, nn)), nn, V(1));
          nx = div(nx, nn);
          ny = div(ny, nn);
          nz = div(nz, nn);
          const diff = vmax(ZERO, dot3(nx, ny, nz, lox, loy, loz));
          let spec = vmax(ZERO, dot3(nx, ny, nz, hox, hoy, hoz));
          spec = mul(spec, spec);
          spec = mul(spec, spec);
          spec = mul(spec, spec);
          spec = mul(spec, spec);
          spec = mul(spec, spec); // ^32
          const amb = mul(V(AMBIENT), add(V(0.75), mul(V(0.25), dot3(nx, ny, nz, vox, voy, voz))));
          const dl = mul(V(DIFFUSE), diff);
          const sl = mul(V(SPECULAR), spec);
          const sr = add(mul(or, add(amb, mul(dl, lr))), mul(sl, lr));
          const sg = add(mul(og, add(amb, mul(dl, lg))), mul(sl, lg));
          const sb = add(mul(ob, add(amb, mul(dl, lb))), mul(sl, lb));
          red = sel(covered, add(red, mul(cover, sub(sr, red))), red);
          green = sel(covered, add(green, mul(cover, sub(sg, green))), green);
          blue = sel(covered, add(blue, mul(cover, sub(sb, blue))), blue);
        }
      }
      red = mul(V(255), vmin(V(1), red));
      green = mul(V(255), vmin(V(1), green));
      blue = mul(V(255), vmin(V(1), blue));
      const o = img + (<usize>((py * S + px) * 3) << 2);
      store<f32>(o, toUnit(f64x2.extract_lane(red, 0)));
      store<f32>(o, toUnit(f64x2.extract_lane(green, 0)), 4);
      store<f32>(o, toUnit(f64x2.extract_lane(blue, 0)), 8);
      if (px1 > px) {
        store<f32>(o, toUnit(f64x2.extract_lane(red, 1)), 12);
        store<f32>(o, toUnit(f64x2.extract_lane(green, 1)), 16);
        store<f32>(o, toUnit(f64x2.extract_lane(blue, 1)), 20);
      }
    }
  }
}

/** out (n, S, S, 3) f32 ← the n scenes of params (n, 31) f64, with the tetrahedron's faces tetraFaces (4, 34) f64. */
export function renderC3dBatch(params: usize, n: i32, S: i32, tetraFaces: usize, out: usize): void {
  tetra = tetraFaces;
  const imageBytes = <usize>(S * S * 3) << 2;
  for (let i = 0; i < n; i++) renderScene(params + <usize>(i * 31) * 8, S, out + <usize>i * imageBytes);
}
