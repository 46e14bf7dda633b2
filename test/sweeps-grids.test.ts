import { describe, expect, it } from 'vitest';
import { MisalignError } from '../src/common/errors.js';
import { resolveNumericConfig } from '../src/experiments/numeric/config.js';
import { identifiedFactors } from '../src/latent/bias.js';
import { parseGridFile } from '../src/sweeps/grid-file.js';
import { builtinGrid, expandGrid } from '../src/sweeps/grids.js';

const identified = (settings: Parameters<typeof resolveNumericConfig>[0]): number[] => {
  const c = resolveNumericConfig(settings);
  return identifiedFactors({ ns: c.ns, nm: c.nm, selected: c.selected, perturbed: c.perturbed });
};

describe('built-in grids (docs/experiments.md)', () => {
  it('selection: {1}, [2], ..., [10] with no perturbation', () => {
    const g = builtinGrid('selection');
    expect(g.settings.map((s) => s.label)).toEqual(['{1}', '[2]', '[3]', '[4]', '[5]', '[6]', '[7]', '[8]', '[9]', '[10]']);
    expect(g.settings.map((s) => identified(s.settings).length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // [5] is the paper's θ = 386.
    expect(resolveNumericConfig(g.settings[4]!.settings).selected).toEqual([1, 2, 3, 4, 5]);
  });

  it('perturbation: full selection with I_ρ = ∅, {1}, [2], ..., [9]', () => {
    const g = builtinGrid('perturbation');
    expect(g.settings.map((s) => s.label)).toEqual(['∅', '{1}', '[2]', '[3]', '[4]', '[5]', '[6]', '[7]', '[8]', '[9]']);
    expect(g.settings.map((s) => resolveNumericConfig(s.settings).perturbed.length)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(identified(g.settings[9]!.settings)).toEqual([10]);
  });

  it('ablations: encoding size 5 for [3]; joint [8] with [2] keeps exactly s3..s8', () => {
    const e = resolveNumericConfig(builtinGrid('encoding-size').settings[0]!.settings);
    expect(e.selected).toEqual([1, 2, 3]);
    expect(e.encodingSize).toBe(5);
    expect(identified(builtinGrid('joint').settings[0]!.settings)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('an unknown grid name is refused', () => {
    expect(() => builtinGrid('nope' as 'joint')).toThrow(/unknown grid 'nope'/);
  });
});

describe('expandGrid', () => {
  it('crosses settings × dependence × seeds, seed fastest, with distinct configurations', () => {
    const runs = expandGrid(builtinGrid('selection'), { dependence: ['independent', 'dependent'], seeds: 3, preset: 'quick' });
    expect(runs).toHaveLength(10 * 2 * 3);
    expect(runs.slice(0, 4).map((r) => [r.setting, r.dependence, r.seed])).toEqual([
      ['{1}', 'independent', 0],
      ['{1}', 'independent', 1],
      ['{1}', 'independent', 2],
      ['{1}', 'dependent', 0],
    ]);
    const configs = new Set(runs.map((r) => JSON.stringify(resolveNumericConfig(r.settings))));
    expect(configs.size).toBe(60);
    expect(resolveNumericConfig(runs[3]!.settings)).toMatchObject({ dependence: 'dependent', seed: 0, preset: 'quick' });
  });

  it('base settings apply under the grid own settings', () => {
    const [run] = expandGrid(builtinGrid('joint'), { seeds: 1, base: { steps: 7, encodingSize: 2, select: '1' } });
    const c = resolveNumericConfig(run!.settings);
    expect(c.steps).toBe(7);
    expect(c.selected).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // the grid wins over base
    expect(c.encodingSize).toBe(2);
  });

  it('refuses zero seeds, an unknown dependence, duplicate labels', () => {
    expect(() => expandGrid(builtinGrid('joint'), { seeds: 0 })).toThrow(/seeds must be a positive integer/);
    expect(() => expandGrid(builtinGrid('joint'), { dependence: ['tied' as 'dependent'] })).toThrow(/dependence must be/);
    const dup = {
      name: 'd',
      experiment: 'numeric' as const,
      dependence: true,
      settings: [
        { label: 'a', settings: {} },
        { label: 'a', settings: {} },
      ],
    };
    expect(() => expandGrid(dup)).toThrow(/two settings labelled 'a'/);
  });
});

describe('grid files', () => {
  const yaml = `name: mine
base: { ns: 6, nm: 3, steps: 100 }
settings:
  - label: first two
    select: 1-2
  - select: 1-4
    perturb: "4"
    encodingSize: 4
`;

  it('YAML and JSON give the same grid, base under each setting, default labels', () => {
    const g = parseGridFile(yaml, 'g.yaml');
    expect(g.name).toBe('mine');
    expect(g.settings.map((s) => s.label)).toEqual(['first two', 'select 1-4, perturb 4, encodingSize 4']);
    expect(g.settings[1]!.settings).toEqual({ ns: 6, nm: 3, steps: 100, select: '1-4', perturb: '4', encodingSize: 4 });
    const json = JSON.stringify({
      name: 'mine',
      base: { ns: 6, nm: 3, steps: 100 },
      settings: [
        { label: 'first two', select: '1-2' },
        { select: '1-4', perturb: '4', encodingSize: 4 },
      ],
    });
    expect(parseGridFile(json, 'g.json')).toEqual(g);
    expect(parseGridFile('name: one\nsettings:\n  - select: 2\n', 'o.yaml').settings[0]!.settings.select).toEqual([2]);
    expect(resolveNumericConfig(g.settings[1]!.settings)).toMatchObject({ ns: 6, nm: 3, selected: [1, 2, 3, 4], perturbed: [4], steps: 100 });
  });

  it('a malformed file gets one line naming the field', () => {
    const cases: [string, string, RegExp][] = [
      ['name: x\nsettings:\n  - select: 1\n    stepz: 3\n', 'a.yaml', /a\.yaml: settings\[0\]: unknown setting 'stepz'/],
      ['name: x\nsettings:\n  - steps: -3\n', 'a.yaml', /a\.yaml: settings\[0\]\.steps: /],
      ['name: x\nsettings: []\n', 'a.yaml', /a\.yaml: settings: /],
      ['name: x\nsettings:\n  - select: true\n', 'a.yaml', /a\.yaml: settings\[0\]\.select: expected factors such as/],
      ['settings:\n  - select: 1\n', 'a.yaml', /a\.yaml: name: Required/],
      ['name: x\nbase: { negatives: all }\nsettings:\n  - select: 1\n', 'a.yaml', /a\.yaml: base\.negatives: /],
      ['{"name": "x", ', 'b.json', /b\.json is not valid JSON/],
      ['name: [x\n', 'c.yml', /c\.yml is not valid YAML/],
    ];
    for (const [text, source, message] of cases) {
      let error: unknown;
      try {
        parseGridFile(text, source);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(MisalignError);
      expect((error as MisalignError).code).toBe('INVALID_GRID');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
