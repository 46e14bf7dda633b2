/**
 * `misalign describe`: which factors a bias configuration selects, perturbs,
 * keeps (the theory's prediction) and drops, with its θ/ρ numbers in every
 * convention. A thin layer over the library's `describe`.
 */
import type { Command } from 'commander';
import { describe, type BiasDescription } from '../latent/describe.js';
import { formatSet } from '../latent/index-lists.js';
import type { CliIo } from './io.js';
import { withBiasOptions } from './options.js';

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
  withBiasOptions(program.command('describe').description("which factors a selection/perturbation bias keeps and drops (the theory's prediction)"))
    .option('--json', 'print one JSON object')
    .action((flags: DescribeFlags) => {
      const { json, ...options } = flags;
      const description = describe(options);
      io.out(json ? `${JSON.stringify(description)}\n` : formatDescription(description));
    });
}
