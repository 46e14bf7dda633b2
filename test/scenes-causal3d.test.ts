// Causal3DIdent scenes: latents by the causal equations of docs/experiments.md, captions
// per selection and perturbation level, colour names by nearest neighbour.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { c3dBiasSets, c3dCaption, colorWord, spotlightWord, C3D_SHAPE_WORDS, SPOTLIGHT_WORDS, X_WORDS, Y_WORDS } from '../src/scenes/causal3d-captions.js';
import { maxC3dCaptionTokens } from '../src/scenes/causal3d-data.js';
import { hsvToRgb, sampleC3dLatents, type C3dLatents } from '../src/scenes/causal3d-factors.js';
import { nearestColorName, palette } from '../src/scenes/palettes.js';
import { tokenize } from '../src/scenes/tokens.js';

function corr(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('Causal3D latents', () => {
  const rng = Rng.fromSeed(7);
  const z: C3dLatents[] = Array.from({ length: 20_000 }, () => sampleC3dLatents(rng));
  const col = (f: keyof C3dLatents) => z.map((v) => v[f]);

  it('draw the discrete factors uniformly and the free ones in [0, 1]', () => {
    for (const [f, k] of [
      ['shape', 7],
      ['x_pos', 3],
      ['y_pos', 3],
    ] as const) {
      const counts = new Array(k).fill(0);
      for (const v of col(f)) counts[v]++;
      for (const c of counts) expect(Math.abs(c / z.length - 1 / k)).toBeLessThan(0.015);
    }
    for (const f of ['s_pos', 'alpha', 'beta', 'gamma'] as const) {
      const v = col(f);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThan(1);
      expect(Math.abs(v.reduce((s, x) => s + x, 0) / v.length - 0.5)).toBeLessThan(0.01);
    }
  });

  it('follow the causal equations: color = (x+y)/6 + U/3, s_color = (s_pos + U)/2, b_color = (s_pos + s_color + U)/3', () => {
    const residuals = {
      color: z.map((v) => v.color - (v.x_pos + v.y_pos) / 6),
      s_color: z.map((v) => v.s_color - v.s_pos / 2),
      b_color: z.map((v) => v.b_color - (v.s_pos + v.s_color) / 3),
    };
    // Each residual is the noise term alone: U/3, U/2, U/3, uniform on its range with the right mean.
    for (const [f, scale] of [
      ['color', 1 / 3],
      ['s_color', 1 / 2],
      ['b_color', 1 / 3],
    ] as const) {
      const r = residuals[f];
      expect(Math.min(...r)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...r)).toBeLessThan(scale + 1e-12);
      expect(Math.abs(r.reduce((s, x) => s + x, 0) / r.length - scale / 2)).toBeLessThan(0.01 * scale);
    }
    // Causes and effects are correlated; independent factors are not.
    expect(
      corr(
        col('color'),
        z.map((v) => v.x_pos + v.y_pos),
      ),
    ).toBeGreaterThan(0.8);
    expect(corr(col('s_color'), col('s_pos'))).toBeGreaterThan(0.6);
    expect(corr(col('b_color'), col('s_pos'))).toBeGreaterThan(0.5);
    expect(Math.abs(corr(col('color'), col('s_pos')))).toBeLessThan(0.03);
    expect(Math.abs(corr(col('shape'), col('color')))).toBeLessThan(0.03);
    expect(Math.abs(corr(col('alpha'), col('b_color')))).toBeLessThan(0.03);
  });
});

describe('colour names', () => {
  it('come from palettes of 10 (Tableau), 148 (CSS) and 949 (XKCD) names', () => {
    expect(palette('tableau')).toHaveLength(10);
    expect(palette('css')).toHaveLength(148);
    expect(palette('xkcd')).toHaveLength(949);
    expect(hsvToRgb(0)).toEqual([1, 0, 0]);
    expect(hsvToRgb(1 / 3).map((v) => +v.toFixed(12))).toEqual([0, 1, 0]);
    expect(hsvToRgb(2 / 3).map((v) => +v.toFixed(12))).toEqual([0, 0, 1]);
  });

  it('are the nearest palette entry in RGB (brute force agrees; a palette colour names itself)', () => {
    const rng = Rng.fromSeed(3);
    for (const name of ['tableau', 'css', 'xkcd'] as const) {
      const p = palette(name);
      for (const c of p.slice(0, 40)) {
        const got = p.find((q) => q.name === nearestColorName(name, c.rgb))!;
        expect(got.rgb).toEqual(c.rgb); // itself, or an alias with the same value (CSS: gray/grey, aqua/cyan)
      }
      for (let i = 0; i < 200; i++) {
        const rgb = [rng.uniform(), rng.uniform(), rng.uniform()] as const;
        const d = (q: (typeof p)[number]) => (q.rgb[0] - rgb[0]) ** 2 + (q.rgb[1] - rgb[1]) ** 2 + (q.rgb[2] - rgb[2]) ** 2;
        const best = Math.min(...p.map(d));
        expect(d(p.find((q) => q.name === nearestColorName(name, rgb))!)).toBe(best);
      }
    }
    expect(colorWord('color', 0)).toBe('red');
    expect(colorWord('s_color', 0)).toBe('red');
    expect(colorWord('b_color', 2 / 3)).toBe('primary blue');
  });
});

describe('Causal3D captions', () => {
  it('have the levels of docs/experiments.md and the encoding sizes 3, 3, 4, 5, 5, 6, 7', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((k) => c3dBiasSets({ selection: k }).encodingSize)).toEqual([3, 3, 4, 5, 5, 6, 7]);
    expect(c3dBiasSets({ selection: 3 }).selected).toEqual(['shape', 'x_pos', 'y_pos']);
    expect(c3dBiasSets({ perturbation: 1 }).perturbed).toEqual([]);
    expect(c3dBiasSets({ perturbation: 3 })).toMatchObject({ perturbed: ['s_color', 'b_color'], unbiased: ['shape', 'x_pos', 'y_pos', 's_pos', 'color'] });
    expect(c3dBiasSets({ perturbation: 7 }).unbiased).toEqual(['shape']);
    expect(() => c3dBiasSets({ selection: 8 })).toThrow(/selection level must be 1\.\.7/);
  });

  it('mention exactly the selected factors, in each phrasing', () => {
    const rng = Rng.fromSeed(5);
    const phrases = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const z = sampleC3dLatents(rng);
      for (let level = 1; level <= 7; level++) {
        const c = c3dCaption(z, { selection: level }, rng);
        phrases.add(c.phrase);
        const tokens = tokenize(c.text);
        expect(c.text).toContain(C3D_SHAPE_WORDS[z.shape]!);
        expect(tokens.includes(X_WORDS[z.x_pos]!)).toBe(level >= 2);
        expect(tokens.includes(Y_WORDS[z.y_pos]!) && c.text.includes(`${Y_WORDS[z.y_pos]}-`)).toBe(level >= 3);
        // "center" is both a position and a spotlight word (as in the public code): count the spotlight's separately.
        const spotlightTokens = tokens.filter((t) => (SPOTLIGHT_WORDS as readonly string[]).includes(t)).length - (level >= 2 && z.x_pos === 1 ? 1 : 0);
        expect(spotlightTokens).toBe(level >= 4 ? 1 : 0);
        if (level >= 4) expect(tokens).toContain(spotlightWord(z.s_pos));
        const quoted = [...c.text.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
        expect(quoted).toEqual(
          [colorWord('color', z.color), colorWord('s_color', z.s_color), colorWord('b_color', z.b_color)].slice(0, Math.max(0, level - 4)),
        );
        expect(c.said).toEqual(Object.fromEntries(c3dBiasSets({ selection: level }).selected.map((f) => [f, z[f]])));
        expect(tokenize(c.text).length).toBeLessThanOrEqual(maxC3dCaptionTokens({ selection: level }));
      }
    }
    expect([...phrases].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('redraw the perturbed factors in every caption and keep the others exact', () => {
    const rng = Rng.fromSeed(6);
    let changed = 0;
    for (let i = 0; i < 500; i++) {
      const z = sampleC3dLatents(rng);
      const c = c3dCaption(z, { perturbation: 4 }, rng);
      expect(c.redrawn).toEqual(['color', 's_color', 'b_color']);
      for (const f of ['shape', 'x_pos', 'y_pos', 's_pos'] as const) expect(c.said[f]).toBe(z[f]);
      if (c.said.color !== z.color) changed++;
      expect(tokenize(c.text).length).toBeLessThanOrEqual(maxC3dCaptionTokens({ perturbation: 4 }));
    }
    expect(changed).toBe(500);
  });
});
