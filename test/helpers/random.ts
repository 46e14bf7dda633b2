/** Random test inputs from the project's seeded Rng. */
import { Rng } from '../../src/common/rng.js';

/** n standard normal draws (times `scale`) from a seed or a stream. */
export function randn(n: number, seed: number | Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  (typeof seed === 'number' ? Rng.fromSeed(seed) : seed).fillNormal(out);
  return scale === 1 ? out : out.map((v) => v * scale);
}
