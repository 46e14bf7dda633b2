// The Causal3DIdent stand-in renderer: deterministic, every factor visible
// (also at 32×32), the object where x_pos/y_pos say and in the hue color says,
// seven distinct solids, one-line errors for bad input.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectMisalignError } from './helpers/errors.js';
import { Rng } from '../src/common/rng.js';
import { C3D_CLASSES, C3D_DISCRETE, C3D_FACTORS, sampleC3dLatents, type C3dLatents } from '../src/scenes/causal3d-factors.js';
import { C3D_SHAPE_NAMES, renderCausal3d } from '../src/scenes/causal3d-render.js';

const base: C3dLatents = { shape: 0, x_pos: 1, y_pos: 1, s_pos: 0.3, color: 0.6, s_color: 0.15, b_color: 0.1, alpha: 0.35, beta: 0.65, gamma: 0.4 };
const digest = (img: Uint8Array) => createHash('sha256').update(img).digest('hex');

/** Pixels covered by the object: those that change when only the object's hue turns half-way round. */
function objectMask(latents: C3dLatents, size: number, threshold = 30): Uint8Array {
  const a = renderCausal3d(latents, size);
  const b = renderCausal3d({ ...latents, color: (latents.color + 0.5) % 1 }, size);
  const mask = new Uint8Array(size * size);
  for (let i = 0; i < size * size; i++) {
    const d = Math.abs(a[3 * i]! - b[3 * i]!) + Math.abs(a[3 * i + 1]! - b[3 * i + 1]!) + Math.abs(a[3 * i + 2]! - b[3 * i + 2]!);
    mask[i] = d > threshold ? 1 : 0;
  }
  return mask;
}

/** The mean (column, row) of the mask's pixels, in pixels, and their count. */
function centroid(mask: Uint8Array, size: number): { x: number; y: number; n: number } {
  let sx = 0,
    sy = 0,
    n = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (mask[y * size + x]) {
        sx += x + 0.5;
        sy += y + 0.5;
        n++;
      }
  return { x: sx / n, y: sy / n, n };
}

/** HSV hue in [0, 1) of an RGB triple. */
function hue(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b),
    min = Math.min(r, g, b),
    c = max - min;
  if (c === 0) return 0;
  let h = max === r ? ((g - b) / c) % 6 : max === g ? (b - r) / c + 2 : (r - g) / c + 4;
  if (h < 0) h += 6;
  return h / 6;
}

describe('the Causal3D renderer', () => {
  it('names seven solids', () => {
    expect(C3D_SHAPE_NAMES.length).toBe(C3D_CLASSES.shape);
    expect(new Set(C3D_SHAPE_NAMES).size).toBe(7);
  });

  it('is deterministic: the same latents give the same bytes, into a new array or the given one', () => {
    const a = renderCausal3d(base, 64);
    expect(a.length).toBe(64 * 64 * 3);
    expect(digest(renderCausal3d({ ...base }, 64))).toBe(digest(a));
    const out = new Uint8Array(32 * 32 * 3);
    expect(renderCausal3d(base, 32, out)).toBe(out);
    expect(digest(out)).toBe(digest(renderCausal3d(base, 32)));
    const rng = Rng.fromSeed(5);
    for (let i = 0; i < 20; i++) {
      const l = sampleC3dLatents(rng);
      expect(digest(renderCausal3d(l, 32))).toBe(digest(renderCausal3d({ ...l }, 32)));
    }
  });

  it('expresses every factor: changing any one alone changes the image, at 64 and at 32 pixels', () => {
    for (const size of [64, 32]) {
      const ref = renderCausal3d(base, size);
      for (const f of C3D_FACTORS) {
        if ((C3D_DISCRETE as readonly string[]).includes(f)) {
          const n = C3D_CLASSES[f as keyof typeof C3D_CLASSES];
          const images = new Set<string>();
          for (let v = 0; v < n; v++) images.add(digest(renderCausal3d({ ...base, [f]: v }, size)));
          expect(images.size, `${f} at ${size}×${size}`).toBe(n);
        } else {
          const img = renderCausal3d({ ...base, [f]: base[f] + 0.3 }, size);
          // not just a few bytes: a visible change over at least 1/64 of the pixels
          let changed = 0;
          for (let p = 0; p < size * size; p++) {
            const d = Math.abs(img[3 * p]! - ref[3 * p]!) + Math.abs(img[3 * p + 1]! - ref[3 * p + 1]!) + Math.abs(img[3 * p + 2]! - ref[3 * p + 2]!);
            if (d > 30) changed++;
          }
          expect(changed, `${f} at ${size}×${size}`).toBeGreaterThanOrEqual((size * size) / 64);
        }
      }
    }
  });

  it('moves the object right with x_pos and up with y_pos, a third of the frame per step, inside the frame', () => {
    for (const size of [64, 32]) {
      const xs = [0, 1, 2].map((x_pos) => centroid(objectMask({ ...base, x_pos, y_pos: 2 }, size), size));
      const ys = [0, 1, 2].map((y_pos) => centroid(objectMask({ ...base, x_pos: 0, y_pos }, size), size));
      for (let k = 0; k < 3; k++) {
        // x: left, centre, right; y: bottom, centre, top (rows count down from the top)
        expect(xs[k]!.x / size).toBeCloseTo((k + 0.5) / 3, 1);
        expect(xs[k]!.y / size).toBeCloseTo(0.5 / 3, 1);
        expect(ys[k]!.y / size).toBeCloseTo((2.5 - k) / 3, 1);
        expect(ys[k]!.x / size).toBeCloseTo(0.5 / 3, 1);
      }
      expect(xs[1]!.x - xs[0]!.x).toBeCloseTo(size / 3, 0);
      expect(xs[2]!.x - xs[1]!.x).toBeCloseTo(size / 3, 0);
      expect(ys[0]!.y - ys[1]!.y).toBeCloseTo(size / 3, 0);
      expect(ys[1]!.y - ys[2]!.y).toBeCloseTo(size / 3, 0);
    }
    // in a corner, no solid in any pose reaches the frame's edge
    const rng = Rng.fromSeed(11);
    for (let shape = 0; shape < 7; shape++) {
      for (let i = 0; i < 8; i++) {
        const l = { ...base, shape, x_pos: 2 * (i % 2), y_pos: 2 * ((i >> 1) % 2), alpha: rng.uniform(), beta: rng.uniform(), gamma: rng.uniform() };
        const mask = objectMask(l, 64, 12);
        expect(centroid(mask, 64).n, `${C3D_SHAPE_NAMES[shape]}`).toBeGreaterThan(40);
        for (let k = 0; k < 64; k++) {
          expect(mask[k]! + mask[63 * 64 + k]! + mask[k * 64]! + mask[k * 64 + 63]!, `${C3D_SHAPE_NAMES[shape]} at the edge`).toBe(0);
        }
      }
    }
  });

  it('colours the object with the hue color says, under any spotlight hue', () => {
    const candidates = [0, 1, 2, 3, 4, 5].map((k) => k / 6);
    for (const s_color of [0.15, 0.6]) {
      for (const shape of [0, 3, 5]) {
        for (let k = 0; k < 6; k++) {
          const l = { ...base, shape, s_color, color: candidates[k]! };
          const img = renderCausal3d(l, 64);
          const mask = objectMask(l, 64, 150); // well inside the object
          let r = 0,
            g = 0,
            b = 0,
            n = 0;
          for (let i = 0; i < 64 * 64; i++)
            if (mask[i]) {
              r += img[3 * i]!;
              g += img[3 * i + 1]!;
              b += img[3 * i + 2]!;
              n++;
            }
          expect(n).toBeGreaterThan(50);
          const h = hue(r / n, g / n, b / n);
          const dist = (c: number) => Math.min(Math.abs(h - c), 1 - Math.abs(h - c));
          const nearest = candidates.reduce((best, c) => (dist(c) < dist(best) ? c : best));
          expect(nearest, `hue ${h.toFixed(3)} for color ${candidates[k]} under light ${s_color}, ${C3D_SHAPE_NAMES[shape]}`).toBe(candidates[k]);
        }
      }
    }
  });

  it('draws seven different silhouettes at 32 pixels', () => {
    const masks = [0, 1, 2, 3, 4, 5, 6].map((shape) => objectMask({ ...base, shape }, 32));
    for (let i = 0; i < 7; i++) {
      for (let j = i + 1; j < 7; j++) {
        let differ = 0;
        for (let p = 0; p < 32 * 32; p++) differ += masks[i]![p]! ^ masks[j]![p]!;
        expect(differ, `${C3D_SHAPE_NAMES[i]} vs ${C3D_SHAPE_NAMES[j]}`).toBeGreaterThanOrEqual(5);
      }
    }
  });

  it('moves the pool of light with s_pos: the wall is brighter on the spotlight side', () => {
    const brightness = (img: Uint8Array, x0: number, x1: number) => {
      let s = 0;
      for (let y = 0; y < 20; y++) for (let x = x0; x < x1; x++) s += img[(y * 64 + x) * 3]! + img[(y * 64 + x) * 3 + 1]! + img[(y * 64 + x) * 3 + 2]!;
      return s;
    };
    const left = renderCausal3d({ ...base, s_pos: 0.1 }, 64);
    const right = renderCausal3d({ ...base, s_pos: 0.9 }, 64);
    expect(brightness(left, 0, 20)).toBeGreaterThan(brightness(left, 44, 64));
    expect(brightness(right, 44, 64)).toBeGreaterThan(brightness(right, 0, 20));
  });

  it('rejects bad sizes, latents and buffers with one line', () => {
    const fails = expectMisalignError;
    fails(() => renderCausal3d(base, 4), 'OUT_OF_RANGE', /image size must be an integer of at least 8, got 4/);
    fails(() => renderCausal3d(base, 16.5), 'OUT_OF_RANGE', /got 16\.5/);
    fails(() => renderCausal3d({ ...base, shape: 7 }), 'INDEX_OUT_OF_RANGE', /shape 7 is outside 0\.\.6/);
    fails(() => renderCausal3d({ ...base, x_pos: 1.5 }), 'INDEX_OUT_OF_RANGE', /x_pos 1\.5 is outside 0\.\.2/);
    fails(() => renderCausal3d({ ...base, y_pos: -1 }), 'INDEX_OUT_OF_RANGE', /y_pos -1 is outside 0\.\.2/);
    fails(() => renderCausal3d({ ...base, color: 1.2 }), 'OUT_OF_RANGE', /color must be a finite number in \[0, 1\], got 1\.2/);
    fails(() => renderCausal3d({ ...base, alpha: Number.NaN }), 'OUT_OF_RANGE', /alpha must be a finite number in \[0, 1\], got NaN/);
    fails(() => renderCausal3d({ ...base, s_pos: -0.1 }), 'OUT_OF_RANGE', /s_pos/);
    fails(() => renderCausal3d(base, 32, new Uint8Array(64 * 64 * 3)), 'SHAPE_MISMATCH', /32×32×3 needs 3072 bytes, got 12288/);
    expect(() => renderCausal3d(base, 8)).not.toThrow();
    expect(() => renderCausal3d({ ...base, s_pos: 0, color: 1, alpha: 0, gamma: 1 }, 8)).not.toThrow();
  });
});
