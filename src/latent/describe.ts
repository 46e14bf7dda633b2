/**
 * The theory's answer to "which factors will my model keep?" (docs/model.md): for a
 * bias configuration, the identified block I_θ \ I_ρ is kept (up to an
 * invertible map), every other semantic factor and all modality-specific
 * factors are dropped.
 */
import { biasNumbers, identifiedFactors, resolveBias, type BiasConfig, type BiasNumbers, type BiasOptions } from './bias.js';

export interface BiasDescription extends BiasNumbers {
  ns: number;
  nm: number;
  /** I_θ, 1-based. */
  selected: number[];
  /** I_ρ, 1-based. */
  perturbed: number[];
  /** I_θ \ I_ρ: the semantic factors the theory says are kept. */
  identified: number[];
  /** Semantic factors the theory says are dropped (unselected or perturbed). */
  dropped: number[];
  /** Dimension of z_x = (s, m_x). */
  zxDim: number;
  /** Dimension of z_t = (s̃[I_θ], m_t). */
  ztDim: number;
  /** Default encoding size |I_θ \ I_ρ|. */
  encodingSize: number;
}

export function describeBias(config: BiasConfig): BiasDescription {
  const identified = identifiedFactors(config);
  const kept = new Set(identified);
  const dropped: number[] = [];
  for (let i = 1; i <= config.ns; i++) if (!kept.has(i)) dropped.push(i);
  return {
    ns: config.ns,
    nm: config.nm,
    selected: [...config.selected],
    perturbed: [...config.perturbed],
    identified,
    dropped,
    zxDim: config.ns + config.nm,
    ztDim: config.selected.length + config.nm,
    encodingSize: identified.length,
    ...biasNumbers(config),
  };
}

/** Resolves a bias named in any convention and describes it. */
export function describe(options: BiasOptions): BiasDescription {
  return describeBias(resolveBias(options));
}
