/**
 * The out-of-distribution shift of docs/model.md#distribution-shift, used to test robustness: in the
 * marginal of s, each shifted dimension becomes 2·sign(s)·|s|², and with
 * probability 0.1 per sample (drawn separately per dimension) it is replaced
 * by a spike sign(s)·10. The defaults are the public code's.
 */
import { MisalignError } from '../common/errors.js';
import type { Rng } from '../common/rng.js';

export interface ShiftOptions {
  /** 1-based semantic dimensions to shift. Default [9, 10]. */
  dims?: readonly number[];
  /** Exponent of the power transform. Default 2. */
  power?: number;
  /** Scale of the power transform. Default 2. */
  scale?: number;
  /** Probability per sample and dimension of a spike. Default 0.1. */
  spikeProb?: number;
  /** Magnitude of a spike. Default 10. */
  spike?: number;
}

export const DEFAULT_SHIFT_DIMS: readonly number[] = [9, 10];

/** The shift transform with defaults filled in, checked against ns. */
export function resolveShift(options: ShiftOptions, ns: number): Required<ShiftOptions> {
  const dims = options.dims ?? DEFAULT_SHIFT_DIMS;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1 || d > ns) {
      throw new MisalignError('INDEX_OUT_OF_RANGE', `shift dimension ${d} is outside 1..${ns}`);
    }
  }
  const spikeProb = options.spikeProb ?? 0.1;
  if (!(spikeProb >= 0 && spikeProb <= 1)) throw new MisalignError('OUT_OF_RANGE', `spike probability must be in [0, 1], got ${spikeProb}`);
  return { dims, power: options.power ?? 2, scale: options.scale ?? 2, spikeProb, spike: options.spike ?? 10 };
}

/** Applies the shift in place to s, (rows, ns) row-major. */
export function applyShift(s: Float64Array, rows: number, ns: number, shift: Required<ShiftOptions>, rng: Rng): void {
  for (const d of shift.dims) {
    const c = d - 1;
    for (let r = 0; r < rows; r++) {
      const v = s[r * ns + c]!;
      const sign = Math.sign(v);
      const a = Math.abs(v);
      // a * a is exact IEEE arithmetic; Math.pow may differ between engines in the last bit.
      const powered = shift.power === 2 ? a * a : a ** shift.power;
      s[r * ns + c] = rng.uniform() < shift.spikeProb ? sign * shift.spike : sign * shift.scale * powered;
    }
  }
}
