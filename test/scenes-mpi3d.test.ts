// The MPI3D stand-in: factor numbering, the renderer (deterministic, every
// factor visible), captions per level, perturbation, tokens.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { MPI3D_COUNT, MPI3D_FACTORS, MPI3D_SIZES, MPI3D_WORDS, mpi3dIndex, mpi3dValues, type Mpi3dValues } from '../src/scenes/mpi3d-factors.js';
import { mpi3dBiasSets, mpi3dCaption, fillTemplate } from '../src/scenes/mpi3d-captions.js';
import { POSITION_MIN, POSITION_SPAN, renderMpi3d } from '../src/scenes/mpi3d-render.js';
import { tokenize, Vocabulary } from '../src/scenes/tokens.js';

const base: Mpi3dValues = { color: 0, shape: 0, size: 1, camera: 1, background: 0, horizontal: 20, vertical: 20 };

describe('MPI3D factors', () => {
  it('numbers images in the real file order (4×4×2×3×3×40×40, last factor fastest)', () => {
    expect(MPI3D_COUNT).toBe(460_800);
    expect(mpi3dValues(0)).toEqual({ color: 0, shape: 0, size: 0, camera: 0, background: 0, horizontal: 0, vertical: 0 });
    expect(mpi3dValues(1).vertical).toBe(1);
    expect(mpi3dValues(40).horizontal).toBe(1);
    expect(mpi3dValues(MPI3D_COUNT - 1)).toEqual({ color: 3, shape: 3, size: 1, camera: 2, background: 2, horizontal: 39, vertical: 39 });
    const rng = Rng.fromSeed(1);
    for (let i = 0; i < 1000; i++) {
      const index = rng.int(MPI3D_COUNT);
      expect(mpi3dIndex(mpi3dValues(index))).toBe(index);
    }
    expect(() => mpi3dValues(MPI3D_COUNT)).toThrow(/outside 0\.\.460799/);
    expect(() => mpi3dIndex({ ...base, camera: 3 })).toThrow(/camera 3 is outside 0\.\.2/);
  });
});

describe('the MPI3D renderer', () => {
  const digest = (img: Uint8Array) => createHash('sha256').update(img).digest('hex');

  it('is deterministic: the same factors give the same bytes', () => {
    const a = renderMpi3d(base, 64);
    expect(a.length).toBe(64 * 64 * 3);
    expect(digest(renderMpi3d({ ...base }, 64))).toBe(digest(a));
    expect(renderMpi3d(base, 32).length).toBe(32 * 32 * 3);
  });

  it('expresses every factor: changing any one value changes the image, at 64 and at 32 pixels', () => {
    for (const size of [64, 32]) {
      for (const f of MPI3D_FACTORS) {
        const images = new Set<string>();
        for (let v = 0; v < MPI3D_SIZES[f]; v++) images.add(digest(renderMpi3d({ ...base, [f]: v }, size)));
        expect(images.size, `${f} at ${size}×${size}`).toBe(MPI3D_SIZES[f]);
      }
    }
  });

  it('puts the object where horizontal and vertical say, in the colour color says', () => {
    const centroid = (v: Mpi3dValues) => {
      const img = renderMpi3d(v, 64);
      const wall = renderMpi3d({ ...v, size: 0, horizontal: 0, vertical: 0 }, 64); // object elsewhere: mostly the wall
      let sx = 0,
        sy = 0,
        n = 0;
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 64; x++) {
          const o = (y * 64 + x) * 3;
          const diff = Math.abs(img[o]! - wall[o]!) + Math.abs(img[o + 1]! - wall[o + 1]!) + Math.abs(img[o + 2]! - wall[o + 2]!);
          if (diff > 60 && !(x < 20 && y < 20)) {
            sx += x;
            sy += y;
            n++;
          }
        }
      return [sx / n / 64, sy / n / 64];
    };
    const [x1, y1] = centroid({ ...base, horizontal: 30, vertical: 10 });
    expect(x1).toBeCloseTo(POSITION_MIN + (POSITION_SPAN * 30) / 39, 1);
    expect(y1).toBeCloseTo(POSITION_MIN + (POSITION_SPAN * 10) / 39, 1);
    // the object's centre pixel has the object's colour (red)
    const img = renderMpi3d({ ...base, color: 3, horizontal: 20, vertical: 20 }, 64);
    const cx = Math.floor((POSITION_MIN + (POSITION_SPAN * 20) / 39) * 64);
    const o = (cx * 64 + cx) * 3;
    expect(img[o]!).toBeGreaterThan(200);
    expect(img[o + 1]!).toBeLessThan(60);
  });

  it('rejects bad factor values and sizes with one line', () => {
    expect(() => renderMpi3d({ ...base, shape: 4 })).toThrow(/shape 4 is outside 0\.\.3/);
    expect(() => renderMpi3d(base, 4)).toThrow(/image size must be an integer of at least 8/);
  });
});

describe('MPI3D captions', () => {
  it('has the selection and perturbation levels of docs/experiments.md, with encoding size max(3, |unbiased|)', () => {
    expect(mpi3dBiasSets({ selection: 1 })).toEqual({ selected: ['color'], perturbed: [], unbiased: ['color'], encodingSize: 3 });
    expect(mpi3dBiasSets({ selection: 3 }).selected).toEqual(['color', 'shape', 'size']);
    expect(mpi3dBiasSets({ selection: 5 }).encodingSize).toBe(5);
    expect(mpi3dBiasSets({ perturbation: 1 }).perturbed).toEqual([]);
    expect(mpi3dBiasSets({ perturbation: 2 }).perturbed).toEqual(['background']);
    expect(mpi3dBiasSets({ perturbation: 5 })).toMatchObject({ perturbed: ['shape', 'size', 'camera', 'background'], unbiased: ['color'], encodingSize: 3 });
    expect(() => mpi3dBiasSets({ selection: 6 })).toThrow(/selection level must be 1\.\.5, got 6/);
  });

  it('mentions exactly the selected factors, in each of the three templates', () => {
    const rng = Rng.fromSeed(2);
    const allWords = Object.fromEntries(Object.entries(MPI3D_WORDS).map(([f, ws]) => [f, new Set<string>(ws)]));
    for (let level = 1; level <= 5; level++) {
      const { selected } = mpi3dBiasSets({ selection: level });
      const templates = new Set<number>();
      for (let i = 0; i < 60; i++) {
        const values = mpi3dValues(rng.int(MPI3D_COUNT));
        const c = mpi3dCaption(values, { selection: level }, rng);
        templates.add(c.template);
        const tokens = new Set(tokenize(c.text));
        for (const [f, words] of Object.entries(allWords)) {
          const mentioned = [...words].filter((w) => tokens.has(w));
          if (selected.includes(f as never))
            expect(mentioned, `${f} in "${c.text}"`).toEqual([MPI3D_WORDS[f as keyof typeof MPI3D_WORDS][values[f as keyof typeof MPI3D_WORDS]]]);
          else expect(mentioned, `${f} in "${c.text}"`).toEqual([]);
        }
        expect(c.redrawn).toEqual([]);
      }
      expect(templates.size).toBe(3);
    }
    expect(fillTemplate(0, { color: 'red', shape: 'cube', size: 'small', camera: 'top', background: 'teal' })).toBe(
      'a small red cube seen from the top in front of a teal wall',
    );
    expect(fillTemplate(2, { color: 'red' })).toBe('object : red');
  });

  it('redraws perturbable words with probability 0.9 and leaves the others exact', () => {
    const rng = Rng.fromSeed(3);
    const n = 4000;
    let redrawn = 0;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const values = mpi3dValues(rng.int(MPI3D_COUNT));
      const c = mpi3dCaption(values, { perturbation: 3 }, rng); // {camera, background}
      for (const f of ['color', 'shape', 'size'] as const) expect(c.said[f]).toBe(values[f]);
      redrawn += c.redrawn.length;
      for (const f of ['camera', 'background'] as const) if (c.said[f] !== values[f]) wrong++;
      expect(c.redrawn.every((f) => f === 'camera' || f === 'background')).toBe(true);
    }
    const rate = redrawn / (2 * n);
    expect(Math.abs(rate - 0.9)).toBeLessThan(5 * Math.sqrt(0.09 / (2 * n)));
    // a redrawn word is uniform over all 3 values, so it is wrong 2/3 of the time: 0.9 · 2/3 = 0.6
    expect(Math.abs(wrong / (2 * n) - 0.6)).toBeLessThan(0.03);
  });
});

describe('tokens', () => {
  it('tokenises words and punctuation, builds the vocabulary from the training texts, one-hot pads', () => {
    expect(tokenize('There is a Red cube, camera at the top')).toEqual(['there', 'is', 'a', 'red', 'cube', ',', 'camera', 'at', 'the', 'top']);
    const vocab = Vocabulary.fromTexts(['a red cube', 'a green ball']);
    expect(vocab.tokens).toEqual(['<pad>', '<unk>', 'a', 'ball', 'cube', 'green', 'red']);
    expect(vocab.encode('a purple cube')).toEqual([2, 1, 4]);
    const oh = vocab.oneHot('a red cube', 4);
    expect(oh.length).toBe(4 * 7);
    expect([0, 1, 2, 3].map((i) => oh.subarray(i * 7, i * 7 + 7).indexOf(1))).toEqual([2, 6, 4, 0]);
    expect(() => vocab.oneHot('a red cube', 2)).toThrow(/3 tokens, more than the sequence length 2/);
    expect(Vocabulary.fromTokens(vocab.tokens).encode('green ball')).toEqual([5, 3]);
    expect(() => Vocabulary.fromTokens(['a', 'b'])).toThrow(/must start with <pad>, <unk>/);
  });
});
