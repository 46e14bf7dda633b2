/**
 * Selection and perturbation biases, in every numbering people use (docs/numbering.md).
 *
 * A bias configuration is a set of selected semantic factors I_θ (the ones
 * the captions mention) and a proper subset I_ρ ⊂ I_θ (the ones the captions
 * may get wrong). Users name them by:
 *
 * - θ, paper numbering (`theta`): 1-based graded rank, 1 = {1}, 2^ns − 1 = all;
 * - θ, code numbering (`thetaCode`): the public code's 0-based rank;
 * - ρ, paper tables (`rho`): 1 = ∅, k >= 2 is the (k−1)-th non-empty subset
 *   of the full index set {1..ns} (so ρ = 12 with θ = 968 is I_ρ = {1, 2});
 * - ρ, paper definition (`rhoWithin`): the proper subsets of I_θ itself,
 *   1 = ∅, then graded order over I_θ's elements (Example 3.1);
 * - ρ, code numbering (`rhoCode`): −1 = ∅, otherwise the 0-based rank over
 *   {1..ns} (paper-table ρ = code ρ + 2);
 * - or directly as lists (`select`, `perturb`: "1,2,5", "1-5").
 *
 * Unlike the public code, which silently intersects I_ρ with I_θ, a
 * perturbation set outside the selection is an error here.
 */
import { checkInteger, MisalignError } from '../common/errors.js';
import { checkIndexList, formatSet, parseIndexList } from './index-lists.js';
import { MAX_FACTORS, nonEmptySubsetCount, rankSubset, unrankSubset } from './subsets.js';

/** Default numbers of semantic and modality-specific factors (the paper's). */
export const DEFAULT_NS = 10;
export const DEFAULT_NM = 5;
/** A generous bound on modality-specific factors, to catch typos. */
export const MAX_MODALITY_FACTORS = 1000;

/** A resolved bias configuration. Indices are 1-based and sorted. */
export interface BiasConfig {
  readonly ns: number;
  readonly nm: number;
  /** I_θ: semantic factors the text mentions. Non-empty. */
  readonly selected: readonly number[];
  /** I_ρ: selected factors the text may perturb. A proper subset of `selected`. */
  readonly perturbed: readonly number[];
}

/** How to name a bias configuration: one selection option and at most one perturbation option. */
export interface BiasOptions {
  ns?: number;
  nm?: number;
  theta?: number;
  thetaCode?: number;
  select?: string | readonly number[];
  rho?: number;
  rhoWithin?: number;
  rhoCode?: number;
  perturb?: string | readonly number[];
}

/** A configuration's numbers in every convention. */
export interface BiasNumbers {
  theta: { paper: number; code: number };
  rho: { paper: number; within: number; code: number };
}

function checkDimensions(ns: number, nm: number): void {
  if (!Number.isInteger(ns)) throw new MisalignError('NOT_AN_INTEGER', `ns must be an integer, got ${ns}`);
  if (ns > MAX_FACTORS) throw new MisalignError('TOO_MANY_FACTORS', `ns = ${ns} is more than the ${MAX_FACTORS} semantic factors supported`);
  checkInteger('ns', ns, 1, MAX_FACTORS);
  checkInteger('nm', nm, 0, MAX_MODALITY_FACTORS);
}

function onlyOne(kind: string, given: [string, unknown][]): string | undefined {
  const present = given.filter(([, v]) => v !== undefined).map(([k]) => k);
  if (present.length > 1) {
    throw new MisalignError('CONFLICTING_OPTIONS', `give only one ${kind} option, got ${present.join(' and ')}`);
  }
  return present[0];
}

function listOf(what: string, value: string | readonly number[], ns: number): number[] {
  return typeof value === 'string' ? parseIndexList(what, value, ns) : checkIndexList(what, value, ns);
}

/** I_θ from its paper (1-based) graded number. */
export function selectionFromTheta(theta: number, ns: number): number[] {
  checkInteger(`theta (ns = ${ns})`, theta, 1, nonEmptySubsetCount(ns));
  return unrankSubset(theta - 1, ns);
}

/** I_θ from the public code's 0-based number. */
export function selectionFromThetaCode(thetaCode: number, ns: number): number[] {
  checkInteger(`theta-code (ns = ${ns})`, thetaCode, 0, nonEmptySubsetCount(ns) - 1);
  return unrankSubset(thetaCode, ns);
}

/** I_ρ from the paper tables' number: 1 = ∅, k >= 2 the (k−1)-th non-empty subset of {1..ns}. */
export function perturbationFromRho(rho: number, ns: number): number[] {
  checkInteger(`rho (ns = ${ns})`, rho, 1, nonEmptySubsetCount(ns) + 1);
  return rho === 1 ? [] : unrankSubset(rho - 2, ns);
}

/** I_ρ from the public code's number: −1 = ∅, otherwise a 0-based rank over {1..ns}. */
export function perturbationFromRhoCode(rhoCode: number, ns: number): number[] {
  checkInteger(`rho-code (ns = ${ns})`, rhoCode, -1, nonEmptySubsetCount(ns) - 1);
  return rhoCode === -1 ? [] : unrankSubset(rhoCode, ns);
}

/** I_ρ from the paper definition: proper subsets of I_θ, 1 = ∅, then graded order over I_θ's elements. */
export function perturbationFromRhoWithin(rhoWithin: number, selected: readonly number[]): number[] {
  const k = selected.length;
  checkInteger(`rho-within (|selection| = ${k})`, rhoWithin, 1, 2 ** k - 1);
  if (rhoWithin === 1) return [];
  return unrankSubset(rhoWithin - 2, k).map((position) => selected[position - 1]!);
}

/** Throws unless I_ρ is a proper subset of I_θ. */
export function checkPerturbation(selected: readonly number[], perturbed: readonly number[]): void {
  const inSelection = new Set(selected);
  const outside = perturbed.filter((i) => !inSelection.has(i));
  if (outside.length > 0) {
    throw new MisalignError('PERTURBATION_NOT_IN_SELECTION', `perturbed factors ${formatSet(outside)} are not in the selection ${formatSet(selected)}`);
  }
  if (perturbed.length === selected.length) {
    throw new MisalignError('PERTURBATION_EQUALS_SELECTION', `the perturbation ${formatSet(perturbed)} equals the selection: no factor is left to learn`);
  }
}

/** Resolves any of the accepted ways of naming a bias into one checked configuration. */
export function resolveBias(options: BiasOptions): BiasConfig {
  const ns = options.ns ?? DEFAULT_NS;
  const nm = options.nm ?? DEFAULT_NM;
  checkDimensions(ns, nm);

  const selectBy = onlyOne('selection', [
    ['theta', options.theta],
    ['theta-code', options.thetaCode],
    ['select', options.select],
  ]);
  let selected: number[];
  switch (selectBy) {
    case 'theta':
      selected = selectionFromTheta(options.theta!, ns);
      break;
    case 'theta-code':
      selected = selectionFromThetaCode(options.thetaCode!, ns);
      break;
    case 'select':
      selected = listOf('select', options.select!, ns);
      break;
    default:
      throw new MisalignError('MISSING_OPTION', 'a selection is required: give theta, theta-code or select');
  }
  if (selected.length === 0) throw new MisalignError('EMPTY_SELECTION', 'the selection must contain at least one factor');

  const perturbBy = onlyOne('perturbation', [
    ['rho', options.rho],
    ['rho-within', options.rhoWithin],
    ['rho-code', options.rhoCode],
    ['perturb', options.perturb],
  ]);
  let perturbed: number[] = [];
  switch (perturbBy) {
    case 'rho':
      perturbed = perturbationFromRho(options.rho!, ns);
      break;
    case 'rho-within':
      perturbed = perturbationFromRhoWithin(options.rhoWithin!, selected);
      break;
    case 'rho-code':
      perturbed = perturbationFromRhoCode(options.rhoCode!, ns);
      break;
    case 'perturb':
      perturbed = listOf('perturb', options.perturb!, ns);
      break;
  }
  checkPerturbation(selected, perturbed);
  return { ns, nm, selected, perturbed };
}

/** The numbers of a configuration in every convention (the reverse of resolveBias). */
export function biasNumbers(config: BiasConfig): BiasNumbers {
  const thetaRank = rankSubset(config.selected, config.ns);
  const empty = config.perturbed.length === 0;
  const rhoRank = empty ? -1 : rankSubset(config.perturbed, config.ns);
  const position = new Map(config.selected.map((e, i) => [e, i + 1]));
  const rhoWithin = empty
    ? 1
    : rankSubset(
        config.perturbed.map((e) => position.get(e)!),
        config.selected.length,
      ) + 2;
  return {
    theta: { paper: thetaRank + 1, code: thetaRank },
    rho: { paper: rhoRank + 2, within: rhoWithin, code: rhoRank },
  };
}

/** The identified block I_θ \ I_ρ: what the theory says the model keeps. */
export function identifiedFactors(config: BiasConfig): number[] {
  const perturbed = new Set(config.perturbed);
  return config.selected.filter((i) => !perturbed.has(i));
}
