/**
 * `misalign describe`: which factors a bias configuration selects, perturbs,
 * keeps (the theory's prediction) and drops, with its θ/ρ numbers in every
 * convention. A thin layer over the library's `describe`.
 */
import type { Command } from 'commander';
import { describe, type BiasDescription } from '../latent/describe.js';
import { formatSet } from '../latent/index-lists.js';
import type { CliIo } from './io.js';
import { integerOption, stringOption } from './options.js';

interface DescribeFlags {
  ns?: number;
  nm?: number;
  theta?: number;
  thetaCode?: number;
  select?: string;
  rho?: number;
  rhoWithin?: number;
  rhoCode?: number;
  perturb?: string;
  json?: boolean;
}

/** The human-readable report of `misalign describe`. */
export function formatDescription(d: BiasDescription): string {
  const rows: [string, string, string][] = [
    ['selected', `I_θ = ${formatSet(d.selected)}`, `θ = ${d.theta.paper} (paper), ${d.theta.code} (code)`],
    ['perturbed', `I_ρ = ${formatSet(d.perturbed)}`, `ρ = ${d.rho.paper} (paper tables), ${d.rho.within} (within I_θ), ${d.rho.code} (code)`],
    ['identified', formatSet(d.identified), 'kept: I_θ \\ I_ρ, recovered up to an invertible map'],
    ['dropped', formatSet(d.dropped), 'and m_x, m_t: not recoverable from the learned representation'],
  ];
  const width = Math.max(...rows.map(([, set]) => set.length)) + 2;
  return [
    `Bias configuration: ns = ${d.ns} semantic factors, nm = ${d.nm} modality-specific factors per modality`,
    '',
    ...rows.map(([label, set, note]) => `  ${label.padEnd(12)}${set.padEnd(width)}${note}`),
    '',
    `  z_x = (s, m_x) has ${d.zxDim} dimensions; z_t = (s̃[I_θ], m_t) has ${d.ztDim}.`,
    `  Default encoding size: ${d.encodingSize} (= |I_θ \\ I_ρ|).`,
    '',
  ].join('\n');
}

export function registerDescribe(program: Command, io: CliIo): void {
  program
    .command('describe')
    .description("which factors a selection/perturbation bias keeps and drops (the theory's prediction)")
    .option('--ns <n>', 'number of semantic factors (default 10, at most 30)', integerOption('--ns'))
    .option('--nm <n>', 'modality-specific factors per modality (default 5)', integerOption('--nm'))
    .option('--theta <n>', 'selection I_θ by its paper number (1-based graded order)', integerOption('--theta'))
    .option('--theta-code <n>', "selection by the public code's 0-based number", integerOption('--theta-code'))
    .option('--select <list>', 'selection as a list: 1,2,5 or 1-5', stringOption('--select'))
    .option('--rho <n>', 'perturbation I_ρ by the paper tables: 1 = ∅, k = (k−1)-th subset of {1..ns}', integerOption('--rho'))
    .option('--rho-within <n>', "perturbation by the paper's definition: proper subsets of I_θ, 1 = ∅", integerOption('--rho-within'))
    .option('--rho-code <n>', "perturbation by the public code's number: −1 = ∅", integerOption('--rho-code'))
    .option('--perturb <list>', 'perturbation as a list: 1,2 or 1-2 (none = ∅)', stringOption('--perturb'))
    .option('--json', 'print one JSON object')
    .action((flags: DescribeFlags) => {
      const { json, ...options } = flags;
      const description = describe(options);
      io.out(json ? `${JSON.stringify(description)}\n` : formatDescription(description));
    });
}
