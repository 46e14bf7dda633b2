/**
 * The seeded random number generator every stage of misalign draws from.
 *
 * Reproducibility is a feature here: a `config.json` plus its seed must give
 * the same data, the same mixing functions and the same model in Node and in
 * any browser. So:
 *
 * - The core generator is xoshiro128** (Blackman and Vigna), 32-bit integer
 *   arithmetic only (Math.imul, shifts), which every JavaScript engine
 *   computes identically.
 * - Normal draws use Marsaglia's polar method. It needs sqrt (correctly
 *   rounded by IEEE 754, so identical everywhere) and a logarithm; engines
 *   are free to differ in the last bit of Math.log, so we use stdlib's
 *   pure-arithmetic port of FreeBSD's log instead.
 * - Streams are named: `rng.fork('mixing-x')` derives a new generator from the
 *   parent's seed path and the label, not from the parent's current state.
 *   Adding a consumer to one stream therefore never shifts another.
 */
import ln from '@stdlib/math-base-special-ln';
import { MisalignError } from './errors.js';

const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** murmur3's 32-bit finaliser: a bijective avalanche mix of one word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Words that identify a stream: the seed (as two 32-bit halves) then each label's UTF-16 units. */
function seedWords(seed: number): number[] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new MisalignError('OUT_OF_RANGE', `seed must be a non-negative integer, got ${seed}`);
  }
  return [(seed % TWO_POW_32) >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

function labelWords(label: string): number[] {
  const words = [0x2f2f2f2f]; // separator, so fork('ab') differs from fork('a').fork('b')
  for (let i = 0; i < label.length; i++) words.push(label.charCodeAt(i));
  return words;
}

/** A generator's complete state (see Rng.getState). */
export interface RngState {
  words: [number, number, number, number];
  spare: number;
  hasSpare: boolean;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  private constructor(private readonly path: readonly number[]) {
    // Hash the path into 4 state words; mixing a different constant into each
    // keeps them distinct, and xoshiro's only forbidden state (all zero) is
    // replaced by a fixed non-zero one.
    let h = 0x6a09e667;
    for (const w of path) h = fmix32((h ^ w) + GOLDEN);
    this.s0 = fmix32(h + 0x243f6a88);
    this.s1 = fmix32(h + 0x85a308d3);
    this.s2 = fmix32(h + 0x13198a2e);
    this.s3 = fmix32(h + 0x03707344);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator for a non-negative integer seed. */
  static fromSeed(seed: number): Rng {
    return new Rng(seedWords(seed));
  }

  /**
   * A generator started from an explicit xoshiro128** state (four 32-bit
   * words, not all zero). For checking the generator against the reference
   * C implementation; experiments use fromSeed and fork.
   */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const rng = new Rng([]);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((w) => w >>> 0) as [number, number, number, number];
    if ((rng.s0 | rng.s1 | rng.s2 | rng.s3) === 0) {
      throw new MisalignError('OUT_OF_RANGE', 'xoshiro128** state must not be all zero');
    }
    return rng;
  }

  /** The full generator state: the four xoshiro128** words and the polar method's kept normal. */
  getState(): RngState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare, hasSpare: this.hasSpare };
  }

  /** Continues from a state getState returned (the WebAssembly sampler hands its stream back this way). */
  setState(state: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = state.words.map((w) => w >>> 0) as [number, number, number, number];
    this.spare = state.spare;
    this.hasSpare = state.hasSpare;
  }

  /** An independent generator named `label`, derived from this one's seed path (not its state). */
  fork(label: string): Rng {
    return new Rng([...this.path, ...labelWords(label)]);
  }

  /** The next 32 random bits, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform in [lo, hi). */
  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** An unbiased integer in [0, n), for 1 <= n <= 2^32. */
  int(n: number): number {
    if (!(n >= 1 && n <= TWO_POW_32 && Number.isInteger(n))) {
      throw new MisalignError('OUT_OF_RANGE', `Rng.int needs an integer bound in 1..2^32, got ${n}`);
    }
    // Rejection sampling on the top of the range removes modulo bias.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** A standard normal draw (Marsaglia's polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * ln(s)) / s);
        this.spare = v * f;
        this.hasSpare = true;
        return u * f;
      }
    }
  }

  /** Fills `out` with standard normal draws. */
  fillNormal(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }

  /** Fills `out` with uniform draws in [lo, hi). */
  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = this.uniformRange(lo, hi);
  }
}
