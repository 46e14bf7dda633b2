import { describe, expect, it } from 'vitest';
import { captionSets, cycleRole, defaultRoles, rolesFromQuery } from '../src/web/roles.js';
import { WEB_PRESETS } from '../src/web/presets.js';
import { resolveNumericConfig } from '../src/experiments/numeric/config.js';

describe("the web page's factor chips", () => {
  it('cycle mentioned → wrong → omitted and map to I_θ and I_ρ', () => {
    expect(['kept', 'perturbed', 'omitted'].map((r) => cycleRole(r as 'kept'))).toEqual(['perturbed', 'omitted', 'kept']);
    expect(captionSets(['kept', 'perturbed', 'omitted', 'kept'])).toEqual({ select: [1, 2, 4], perturb: [2] });
    expect(defaultRoles(5)).toEqual(['kept', 'kept', 'kept', 'omitted', 'omitted']);
    expect(defaultRoles(3, ['omitted', 'perturbed', 'kept', 'kept'])).toEqual(['omitted', 'perturbed', 'kept']);
  });

  it('come from a linked address', () => {
    expect(rolesFromQuery(4, new URLSearchParams('select=1,3&perturb=3'))).toEqual(['kept', 'omitted', 'perturbed', 'omitted']);
    expect(rolesFromQuery(3, new URLSearchParams('perturb=2'))).toEqual(['kept', 'perturbed', 'kept']);
    expect(rolesFromQuery(3, new URLSearchParams('ns=3'))).toBeNull();
  });

  it("presets resolve to the CLI's configurations (tiny: the quick recipe, shortened)", () => {
    const tiny = resolveNumericConfig({ ...WEB_PRESETS.tiny.settings, ns: 4, nm: 2, select: [1, 3] });
    expect(tiny).toMatchObject({ preset: 'quick', steps: 5000, batch: 512, lr: 0.01, evalSamples: 4096 });
    expect(resolveNumericConfig({ ...WEB_PRESETS.quick.settings, ns: 10, nm: 5, select: '1-5' }).steps).toBe(16_000);
    expect(resolveNumericConfig({ ...WEB_PRESETS.paper.settings, select: '1-5' })).toMatchObject({ steps: 100_001, batch: 6144 });
  });
});
