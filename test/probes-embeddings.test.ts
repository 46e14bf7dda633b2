/**
 * probeEmbeddings: the evaluation of misalign's runs on anyone's embeddings.
 * Synthetic embeddings whose columns are known functions of the factors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/common/rng.js';
import { Kernels } from '../src/kernels/module.js';
import { probeEmbeddings, splitRows, type FactorSpec } from '../src/probes/embeddings.js';
import { parseFactorCsv } from '../src/probes/factor-table.js';
import { expectMisalignError } from './helpers/errors.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

/** n rows: a ~ N(0,1), b a class 0..2; the embedding is (a, b, noise); c is noise the embedding does not hold. */
function world(n: number) {
  const rng = Rng.fromSeed(7);
  const a = Float64Array.from({ length: n }, () => rng.normal());
  const b = Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 3));
  const c = Float64Array.from({ length: n }, () => rng.normal());
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) data.set([a[i]!, b[i]! + 0.05 * rng.normal(), rng.normal()], i * 3);
  const factors: FactorSpec[] = [
    { name: 'a', kind: 'continuous', columns: 1, values: a },
    { name: 'c', kind: 'continuous', columns: 1, values: c },
    { name: 'b', kind: 'discrete', classes: ['x', 'y', 'z'], codes: b },
  ];
  return { set: { name: 'image', data, rows: n, dim: 3 }, factors };
}

describe('probeEmbeddings', () => {
  it('reads what the embedding holds (R² and MCC near 1) and not what it does not (near 0); verdicts from expectations', () => {
    const { set, factors } = world(800);
    const r = probeEmbeddings(k, [set], factors, { seed: 3, expectKept: ['a', 'b'], probe: { maxEpochs: 30 } });
    expect([r.fitRows, r.scoreRows]).toEqual([400, 400]);
    const row = (f: string) => r.rows.find((x) => x.factor === f)!;
    expect(row('a')).toMatchObject({ encoding: 'image', kind: 'continuous', metric: 'r2', predicted: 'kept', verdict: 'pass' });
    expect(row('a').linear).toBeGreaterThan(0.99);
    expect(row('c').nonlinear).toBeLessThan(0.05);
    expect(row('c')).toMatchObject({ predicted: 'dropped', verdict: 'pass' });
    expect(row('b')).toMatchObject({ kind: 'discrete', metric: 'mcc', verdict: 'pass' });
    expect(row('b').nonlinear).toBeGreaterThan(0.9);
    expect([r.judged, r.passed]).toEqual([3, 3]);
    // Without expectations: the same values, no verdicts.
    const plain = probeEmbeddings(k, [set], factors, { seed: 3, probe: { maxEpochs: 30 } });
    expect(plain.rows.map((x) => x.nonlinear)).toEqual(r.rows.map((x) => x.nonlinear));
    expect(plain.rows.every((x) => x.predicted === null && x.verdict === 'n/a')).toBe(true);
  });

  it('splits at random from the seed (half each, in row order) or as told', () => {
    const a = splitRows(10, 1);
    expect(a.fit.length + a.score.length).toBe(10);
    expect(a.score).toHaveLength(5);
    expect([...a.fit, ...a.score].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(splitRows(10, 1)).toEqual(a);
    expect(splitRows(10, 2)).not.toEqual(a);
    expect(splitRows(4, 0, Uint8Array.from([1, 0, 0, 1]))).toEqual({ fit: [1, 2], score: [0, 3] });
  });

  it('bad input: one line naming the problem', () => {
    const { set, factors } = world(100);
    expectMisalignError(
      () => probeEmbeddings(k, [set], [{ ...factors[0]!, values: new Float64Array(99) } as FactorSpec]),
      'SHAPE_MISMATCH',
      /the factor 'a' has 99 rows, the embeddings 100/,
    );
    expectMisalignError(
      () => probeEmbeddings(k, [set, { ...set, name: 'text', rows: 90 }], factors),
      'SHAPE_MISMATCH',
      /the embeddings 'text' have 90 rows, 'image' 100/,
    );
    expectMisalignError(
      () => probeEmbeddings(k, [set], factors, { expectKept: ['zz'] }),
      'INDEX_OUT_OF_RANGE',
      /expected factor 'zz' is not among the factors \(a, c, b\)/,
    );
    expectMisalignError(
      () => probeEmbeddings(k, [{ ...world(40).set }], world(40).factors),
      'OUT_OF_RANGE',
      /the probes need at least 32 rows in each of the fitting and scoring sets; got 20 and 20/,
    );
    expectMisalignError(() => splitRows(3, 0, Uint8Array.from([0, 1])), 'SHAPE_MISMATCH', /the split has 2 rows, the embeddings 3/);
    expectMisalignError(
      () => probeEmbeddings(k, [set], [{ ...factors[2]!, encodings: ['text'] }]),
      'INDEX_OUT_OF_RANGE',
      /factor 'b' is probed only from the 'text' embeddings, which are not given \(image\)/,
    );
  });

  it('probes a text-only factor from the text embeddings alone', () => {
    const { set, factors } = world(400);
    const r = probeEmbeddings(k, [set, { ...set, name: 'text' }], [factors[0]!, { ...factors[2]!, encodings: ['text'] }], {
      seed: 1,
      probe: { maxEpochs: 5 },
      classifierEpochs: 5,
    });
    expect(r.rows.map((x) => `${x.encoding}:${x.factor}`)).toEqual(['image:a', 'text:a', 'text:b']);
    expect(parseFactorCsv('a,b\n0.5,1\n0.7,2\n', { textOnly: ['b'] }).factors.map((f) => f.encodings)).toEqual([undefined, ['text']]);
    expectMisalignError(() => parseFactorCsv('a,b\n0.5,1\n0.7,2\n', { textOnly: ['c'] }), 'INDEX_OUT_OF_RANGE', /--text-only names column 'c'/);
  });
});

describe('factor tables', () => {
  const csv = ['id,color,size,angle,part,m1,m2', 'a,red,1,0.5,fit,0.1,1', 'b,blue,2,1.5,score,0.2,2', 'c,red,3,2.5,train,0.3,3', 'd,green,1,3,test,0.4,5'].join(
    '\n',
  );

  it('types columns: text and integers discrete (codes in sorted order), other numbers continuous; groups, splits, overrides', () => {
    const t = parseFactorCsv(csv, { split: 'part', groups: { m: ['m1', 'm2'] }, ignore: ['id'] });
    expect(t.rows).toBe(4);
    expect(Array.from(t.split!)).toEqual([0, 1, 0, 1]);
    expect(t.factors.map((f) => [f.name, f.kind])).toEqual([
      ['color', 'discrete'],
      ['size', 'discrete'],
      ['angle', 'continuous'],
      ['m', 'continuous'],
    ]);
    expect(t.factors[0]).toMatchObject({ classes: ['blue', 'green', 'red'], codes: Int32Array.from([2, 0, 2, 1]) });
    expect(t.factors[3]).toMatchObject({ columns: 2, values: Float64Array.from([0.1, 1, 0.2, 2, 0.3, 3, 0.4, 5]) });
    const over = parseFactorCsv(csv, { continuous: ['size'], discrete: ['angle'], ignore: ['id', 'part', 'm1', 'm2'] });
    expect(over.factors.map((f) => [f.name, f.kind])).toEqual([
      ['color', 'discrete'],
      ['size', 'continuous'],
      ['angle', 'discrete'],
    ]);
  });

  it('bad tables: one line naming the column and the row', () => {
    expectMisalignError(
      () => parseFactorCsv(csv, { discrete: ['colour'] }),
      'INDEX_OUT_OF_RANGE',
      /--discrete names column 'colour', which the factors do not have \(id, color, size, angle, part, m1, m2\)/,
    );
    expectMisalignError(() => parseFactorCsv('x,y\n1,2\n1,3\n', {}), 'OUT_OF_RANGE', /factor 'x' is constant \(every row is '1'\)/);
    expectMisalignError(() => parseFactorCsv('x,y\n0.5,2\n,3\n', { continuous: ['x'] }), 'NON_FINITE_INPUT', /factor 'x' row 2: '' is not a finite number/);
    expectMisalignError(() => parseFactorCsv(csv, { split: 'color' }), 'OUT_OF_RANGE', /split column 'color' row 1: 'red' is not fit\/score/);
    expectMisalignError(() => parseFactorCsv('x,x\n1,2\n', {}), 'FILE_CORRUPT', /two columns named 'x'/);
    expectMisalignError(() => parseFactorCsv('x,y\n1,2\n3\n', {}), 'FILE_CORRUPT', /not a readable CSV/);
  });
});
