import { describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';

function moments(xs: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i]!;
  m /= xs.length;
  let v = 0;
  let k = 0; // fourth central moment
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - m;
    v += d * d;
    k += d ** 4;
  }
  return { mean: m, variance: v / xs.length, kurtosis: k / xs.length / (v / xs.length) ** 2 };
}

describe('Rng', () => {
  it('is xoshiro128**: matches the reference C implementation', () => {
    // Outputs of Blackman and Vigna's xoshiro128starstar.c from state {1, 2, 3, 4}
    const a = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => a.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    const b = Rng.fromState([0xdeadbeef, 0x12345678, 0x9abcdef0, 0x0badf00d]);
    for (let i = 0; i < 1000; i++) b.nextUint32();
    expect(Array.from({ length: 4 }, () => b.nextUint32())).toEqual([285280189, 3509135031, 4017953115, 1797157445]);
  });

  it('keeps its seeded streams stable across versions (pinned values)', () => {
    const r = Rng.fromSeed(42);
    expect(Array.from({ length: 4 }, () => r.nextUint32())).toEqual([394269745, 3380559550, 3938212197, 475378188]);
    const n = Rng.fromSeed(42).fork('normals');
    const draws = Array.from({ length: 5 }, () => n.normal());
    expect(draws).toEqual([-0.023599049724601223, 1.0991349589568555, 0.3415991895836277, -1.3449221529274855, 1.669476919869356]);
  });

  it('gives identical streams for the same seed and label, different ones otherwise', () => {
    const draw = (rng: Rng) => Array.from({ length: 16 }, () => rng.nextUint32());
    expect(draw(Rng.fromSeed(7))).toEqual(draw(Rng.fromSeed(7)));
    expect(draw(Rng.fromSeed(7))).not.toEqual(draw(Rng.fromSeed(8)));
    expect(draw(Rng.fromSeed(7).fork('a'))).toEqual(draw(Rng.fromSeed(7).fork('a')));
    expect(draw(Rng.fromSeed(7).fork('a'))).not.toEqual(draw(Rng.fromSeed(7).fork('b')));
    expect(draw(Rng.fromSeed(7).fork('ab'))).not.toEqual(draw(Rng.fromSeed(7).fork('a').fork('b')));
    expect(draw(Rng.fromSeed(2 ** 40 + 7))).not.toEqual(draw(Rng.fromSeed(7)));
  });

  it('forks from the seed path, not the current state', () => {
    const a = Rng.fromSeed(3);
    const before = Array.from({ length: 4 }, () => a.fork('x').nextUint32());
    for (let i = 0; i < 100; i++) a.uniform();
    expect(a.fork('x').nextUint32()).toBe(before[0]);
  });

  it('draws uniforms in [0, 1) with the right moments', () => {
    const rng = Rng.fromSeed(11);
    const xs = new Float64Array(200_000);
    rng.fillUniform(xs);
    expect(xs.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
    expect(xs.reduce((a, b) => Math.max(a, b))).toBeLessThan(1);
    const { mean, variance } = moments(xs);
    expect(mean).toBeCloseTo(0.5, 2); // se 0.00065
    expect(variance).toBeCloseTo(1 / 12, 3);
  });

  it('draws standard normals: mean 0, variance 1, kurtosis 3, tails as expected', () => {
    const rng = Rng.fromSeed(12);
    const xs = new Float64Array(400_000);
    rng.fillNormal(xs);
    const { mean, variance, kurtosis } = moments(xs);
    expect(Math.abs(mean)).toBeLessThan(0.01); // se 0.0016
    expect(Math.abs(variance - 1)).toBeLessThan(0.015); // se 0.0022
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.06); // se 0.0077
    const beyond2 = xs.filter((x) => Math.abs(x) > 1.959964).length / xs.length;
    expect(Math.abs(beyond2 - 0.05)).toBeLessThan(0.002); // se 0.00034
  });

  it('draws unbiased integers', () => {
    const rng = Rng.fromSeed(13);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // se 93
    expect(() => rng.int(0)).toThrow(/bound/);
  });

  it('rejects seeds that are not non-negative integers', () => {
    expect(() => Rng.fromSeed(-1)).toThrow(/seed/);
    expect(() => Rng.fromSeed(1.5)).toThrow(/seed/);
  });
});
