import { describe as group, expect, it } from 'vitest';
import { biasNumbers, resolveBias, type BiasOptions } from '../src/latent/bias.js';
import { describe } from '../src/latent/describe.js';
import type { MisalignErrorCode } from '../src/common/errors.js';
import { expectMisalignError } from './helpers/errors.js';

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

group('bias conventions (docs/numbering.md)', () => {
  it('reads θ in paper and code numbering and as lists', () => {
    expect(resolveBias({ theta: 968 }).selected).toEqual(range(1, 8));
    expect(resolveBias({ thetaCode: 967 }).selected).toEqual(range(1, 8));
    expect(resolveBias({ select: '1-8' }).selected).toEqual(range(1, 8));
    expect(resolveBias({ select: '5, 1,2' }).selected).toEqual([1, 2, 5]);
    expect(resolveBias({ select: [5, 1, 2] }).selected).toEqual([1, 2, 5]);
    expect(resolveBias({ select: '1-3,7' }).selected).toEqual([1, 2, 3, 7]);
  });

  it('reads the paper-table ρ: ∅, {1}, [2], ..., [9] are 1, 2, 12, 57, ..., 1014', () => {
    const rhos = [1, 2, 12, 57, 177, 387, 639, 849, 969, 1014];
    rhos.forEach((rho, k) => {
      const config = resolveBias({ theta: 1023, rho });
      expect(config.perturbed).toEqual(range(1, k));
      expect(biasNumbers(config).rho.paper).toBe(rho);
      expect(biasNumbers(config).rho.code).toBe(rho - 2);
    });
  });

  it('reads "ρ = 12 with θ = 968" as I_ρ = {1, 2} inside I_θ = [8]', () => {
    const d = describe({ theta: 968, rho: 12 });
    expect(d.selected).toEqual(range(1, 8));
    expect(d.perturbed).toEqual([1, 2]);
    expect(d.identified).toEqual(range(3, 8));
    expect(d.dropped).toEqual([1, 2, 9, 10]);
    expect(d.encodingSize).toBe(6);
    expect(d.zxDim).toBe(15);
    expect(d.ztDim).toBe(13);
    expect(d.theta).toEqual({ paper: 968, code: 967 });
    expect(d.rho).toEqual({ paper: 12, within: 10, code: 10 });
  });

  it('works Example 3.1: ns = 3, θ = 5 is {1, 3}, ρ = 3 (within) is {3}, only factor 1 is kept', () => {
    const d = describe({ ns: 3, theta: 5, rhoWithin: 3 });
    expect(d.selected).toEqual([1, 3]);
    expect(d.perturbed).toEqual([3]);
    expect(d.identified).toEqual([1]);
    expect(d.dropped).toEqual([2, 3]);
    expect(d.rho.within).toBe(3);
  });

  it('reads the code ρ: −1 is ∅ and otherwise paper ρ − 2', () => {
    expect(resolveBias({ theta: 968, rhoCode: -1 }).perturbed).toEqual([]);
    expect(resolveBias({ theta: 968, rhoCode: 10 }).perturbed).toEqual([1, 2]);
    expect(resolveBias({ theta: 968 }).perturbed).toEqual([]);
    expect(resolveBias({ theta: 968, perturb: 'none' }).perturbed).toEqual([]);
  });

  it('round-trips every configuration of ns = 5 through all conventions', () => {
    let checked = 0;
    for (let theta = 1; theta <= 31; theta++) {
      const selected = resolveBias({ ns: 5, theta }).selected;
      for (let rhoWithin = 1; rhoWithin <= 2 ** selected.length - 1; rhoWithin++) {
        const config = resolveBias({ ns: 5, theta, rhoWithin });
        const numbers = biasNumbers(config);
        expect(numbers.theta.paper).toBe(theta);
        expect(numbers.rho.within).toBe(rhoWithin);
        const views: BiasOptions[] = [
          { ns: 5, theta, rho: numbers.rho.paper },
          { ns: 5, thetaCode: numbers.theta.code, rhoCode: numbers.rho.code },
          { ns: 5, select: config.selected, perturb: config.perturbed },
        ];
        for (const v of views) expect(resolveBias(v)).toEqual(config);
        checked++;
      }
    }
    expect(checked).toBe(211); // Σ_k C(5,k)(2^k − 1)
  });

  it('numbers configurations at ns = 30', () => {
    const config = resolveBias({ ns: 30, select: '1-30', perturb: '30' });
    expect(biasNumbers(config).theta.paper).toBe(2 ** 30 - 1);
    expect(biasNumbers(config).rho.code).toBe(29);
    expect(biasNumbers(config).rho.within).toBe(31);
  });

  const bad: [string, BiasOptions, MisalignErrorCode, RegExp][] = [
    ['no selection', {}, 'MISSING_OPTION', /selection is required/],
    ['two selections', { theta: 1, select: '1' }, 'CONFLICTING_OPTIONS', /only one selection/],
    ['two perturbations', { theta: 968, rho: 1, rhoCode: -1 }, 'CONFLICTING_OPTIONS', /only one perturbation/],
    ['θ = 0', { theta: 0 }, 'OUT_OF_RANGE', /1\.\.1023/],
    ['θ too large', { theta: 1024 }, 'OUT_OF_RANGE', /1\.\.1023/],
    ['code θ too large', { thetaCode: 1023 }, 'OUT_OF_RANGE', /0\.\.1022/],
    ['θ not an integer', { theta: 2.5 }, 'NOT_AN_INTEGER', /integer/],
    ['ρ too large', { theta: 1023, rho: 1025 }, 'OUT_OF_RANGE', /1\.\.1024/],
    ['code ρ below −1', { theta: 1023, rhoCode: -2 }, 'OUT_OF_RANGE', /-1\.\.1022/],
    ['ρ-within too large', { theta: 968, rhoWithin: 256 }, 'OUT_OF_RANGE', /1\.\.255/],
    ['index 0', { select: '0,1' }, 'INDEX_OUT_OF_RANGE', /index 0 is outside 1\.\.10/],
    ['index 11', { select: '1-11' }, 'INDEX_OUT_OF_RANGE', /index 11 is outside 1\.\.10/],
    ['garbage list', { select: '1,x' }, 'INVALID_LIST', /'x' is not an index/],
    ['reversed range', { select: '5-1' }, 'INVALID_LIST', /runs backwards/],
    ['duplicate', { select: '1,1' }, 'INVALID_LIST', /listed twice/],
    ['empty selection', { select: '' }, 'EMPTY_SELECTION', /at least one factor/],
    ['perturbation outside selection', { select: '1-3', perturb: '3,4' }, 'PERTURBATION_NOT_IN_SELECTION', /\{4\} are not in the selection/],
    ['paper ρ outside selection', { theta: 1, rho: 3 }, 'PERTURBATION_NOT_IN_SELECTION', /\{2\}/],
    ['perturbation equals selection', { select: '1,2', perturb: '1-2' }, 'PERTURBATION_EQUALS_SELECTION', /no factor is left/],
    ['ns > 30', { ns: 31, theta: 1 }, 'TOO_MANY_FACTORS', /30/],
    ['ns = 0', { ns: 0, theta: 1 }, 'OUT_OF_RANGE', /ns/],
    ['negative nm', { nm: -1, theta: 1 }, 'OUT_OF_RANGE', /nm/],
  ];
  it.each(bad)('rejects %s with a typed error', (_name, options, code, message) => {
    expectMisalignError(() => resolveBias(options), code, message);
  });
});
