/**
 * `misalign probe` on files: the results a run gets, progress on stderr,
 * float16 embeddings, and every bad input of the issue as one line with exit
 * status 2 (a column with too many classes for its rows among them).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/common/npy.js';
import { runCli } from './helpers/cli.js';
import { syntheticEmbeddings } from './helpers/embeddings.js';
import { halfBits, halfNpy } from './helpers/float16.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-probe');

/** The synthetic embeddings and factors (with an id column) as emb.npy and factors.csv in `dir`. */
async function files(dir: string) {
  const { emb, npy, lines, csv } = syntheticEmbeddings(400, true);
  await writeFile(join(dir, 'emb.npy'), npy);
  await writeFile(join(dir, 'factors.csv'), csv);
  return { emb, lines };
}

describe('misalign probe', () => {
  it('writes metrics.json, metrics.csv, the heatmap and the page; verdicts from --expect-kept', async () => {
    const dir = await tempDir();
    await files(dir);
    const out = join(dir, 'out');
    const r = await runCli(
      'probe',
      '--embeddings',
      join(dir, 'emb.npy'),
      '--factors',
      join(dir, 'factors.csv'),
      '--ignore',
      'id',
      '--expect-kept',
      'a,shape',
      '--out',
      out,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('verdicts: 3/3 agree with the expectation');
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ totalRows: 400, readRows: 400, fitRows: 200, scoreRows: 200, judged: 3, passed: 3 });
    expect(metrics.rows.map((x: { factor: string }) => x.factor)).toEqual(['a', 'shape', 'colour']);
    expect((await readFile(join(out, 'metrics.csv'), 'utf8')).split('\n')[0]).toBe('encoding,factor,kind,metric,linear,nonlinear,predicted,verdict');
    expect(await readFile(join(out, 'heatmap.svg'), 'utf8')).toContain('<svg');
    expect(await readFile(join(out, 'heatmap.png')).then((b) => b.subarray(1, 4).toString())).toBe('PNG');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('Verdicts: 3 of 3 agree');
    // Progress on stderr: a line per factor as it finishes, with the time so far and an ETA.
    const progress = r.err.trim().split('\n');
    expect(progress).toHaveLength(3);
    progress.forEach((line, i) => expect(line).toMatch(new RegExp(`^probe: factor ${i + 1}/3 '(a|shape|colour)' done, \\d+ s elapsed, ETA \\d+ s$`)));
    expect(progress.map((l) => /'(\w+)'/.exec(l)![1]).sort()).toEqual(['a', 'colour', 'shape']);
  }, 60_000);

  it('reads float16 embeddings (a PyTorch .half() tensor saved by NumPy): the metrics of the float32 ones', async () => {
    const dir = await tempDir();
    const { emb } = await files(dir);
    await writeFile(join(dir, 'emb16.npy'), halfNpy(Array.from(emb, halfBits), [400, 3]));
    const run = async (image: string, text?: string) => {
      const out = join(dir, `out-${image}-${text ?? ''}`);
      const r = await runCli(
        'probe',
        '--embeddings',
        join(dir, image),
        ...(text ? ['--embeddings-text', join(dir, text)] : []),
        '--factors',
        join(dir, 'factors.csv'),
        '--ignore',
        'id',
        '--out',
        out,
      );
      expect(r.code, r.err).toBe(0);
      return {
        err: r.err,
        rows: JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')).rows as { encoding: string; factor: string; linear: number; nonlinear: number }[],
      };
    };
    // Both as the image's and the text's embeddings (the probes' random streams follow the names).
    const full = await run('emb.npy', 'emb.npy');
    const half = await run('emb16.npy', 'emb16.npy');
    expect(half.rows.map((x) => `${x.encoding}:${x.factor}`)).toEqual(['image:a', 'image:shape', 'image:colour', 'text:a', 'text:shape', 'text:colour']);
    half.rows.forEach((h, i) => {
      const f = full.rows[i]!;
      if (h.factor === 'colour') {
        // not in the embeddings: chance either way (an MCC on noise, 200 scoring rows; the MLP's moves by about 0.01)
        for (const v of [h.linear, h.nonlinear, f.linear, f.nonlinear]) expect(Math.abs(v), `${h.encoding} colour`).toBeLessThan(0.2);
      } else {
        // kept: the same values to 1e-3 (half precision's rounding is 2^−11 of each value)
        expect(Math.abs(h.linear - f.linear), `${h.encoding} ${h.factor}`).toBeLessThan(1e-3);
        expect(Math.abs(h.nonlinear - f.nonlinear), `${h.encoding} ${h.factor}`).toBeLessThan(1e-3);
      }
    });
    // With two embeddings the progress lines name the one each probe read.
    const progress = half.err.trim().split('\n');
    expect(progress).toHaveLength(6);
    expect(progress[5]).toMatch(/^probe: factor 6\/6 '\w+' \(text\) done, \d+ s elapsed, ETA \d+ s$/);
  }, 60_000);

  it('refuses a discrete column with fewer than 10 rows per class (an id of 4,000 rows), naming it, without probing', async () => {
    const dir = await tempDir();
    const { npy, csv } = syntheticEmbeddings(4000, true);
    await writeFile(join(dir, 'emb.npy'), npy);
    await writeFile(join(dir, 'factors.csv'), csv);
    const t0 = performance.now();
    const r = await runCli('probe', '--embeddings', join(dir, 'emb.npy'), '--factors', join(dir, 'factors.csv'), '--out', join(dir, 'never'));
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(
      /^misalign: factor 'id' has 4000 classes in 4000 rows: a discrete factor needs at least 10 rows per class on average \(at most 400 classes here\).*--ignore id leaves it out/,
    );
    expect(r.err.trim().split('\n')).toHaveLength(1); // no progress: nothing was probed
    expect(performance.now() - t0).toBeLessThan(20_000);
    await expect(readFile(join(dir, 'never', 'metrics.json'))).rejects.toThrow(/ENOENT/);
  }, 60_000);

  it('bad input: one line, exit 2', async () => {
    const dir = await tempDir();
    const { emb, lines } = await files(dir);
    const e = join(dir, 'emb.npy');
    const f = join(dir, 'factors.csv');
    await writeFile(join(dir, 'short.csv'), lines.slice(0, 301).join('\n'));
    const nan = emb.slice();
    nan[3 * 6 + 1] = NaN;
    nan[3 * 9] = Infinity;
    await writeFile(join(dir, 'nan.npy'), encodeNpy(nan, [400, 3]));
    const whole = encodeNpy(emb, [400, 3]);
    await writeFile(join(dir, 'cut.npy'), whole.subarray(0, whole.length - 10));
    await writeFile(join(dir, 'constant.csv'), ['k,a', ...lines.slice(1).map((l) => `1,${l.split(',')[1]}`)].join('\n'));
    await writeFile(join(dir, 'tiny.npy'), encodeNpy(emb.subarray(0, 60), [20, 3]));
    await writeFile(join(dir, 'tiny.csv'), lines.slice(0, 21).join('\n'));
    // 41 classes in 400 rows: one short of 10 rows per class on average (40 would do)
    await writeFile(join(dir, 'classes.csv'), ['k,a', ...lines.slice(1).map((l, i) => `c${i % 41},${l.split(',')[1]}`)].join('\n'));
    for (const [args, message] of [
      [['--embeddings', e, '--factors', join(dir, 'short.csv')], /short\.csv has 300 rows, .*emb\.npy 400/],
      [
        ['--embeddings', join(dir, 'nan.npy'), '--factors', f],
        /2 rows of the embeddings hold NaN or Inf, the first is row 7; --drop-nonfinite leaves them out/,
      ],
      [['--embeddings', e, '--factors', join(dir, 'constant.csv')], /factor 'k' is constant/],
      [
        ['--embeddings', join(dir, 'tiny.npy'), '--factors', join(dir, 'tiny.csv'), '--ignore', 'id'],
        /the probes need at least 32 rows in each of the fitting and scoring sets; got 10 and 10/,
      ],
      [['--embeddings', e, '--factors', f, '--discrete', 'size'], /--discrete names column 'size', which the factors do not have/],
      [['--embeddings', join(dir, 'cut.npy'), '--factors', f], /cut\.npy is truncated: \d+ bytes, its shape \(400, 3\) needs \d+/],
      [['--embeddings', e, '--factors', f, '--expect-kept', 'size'], /expected factor 'size' is not among the factors/],
      [['--embeddings', join(dir, 'none.npy'), '--factors', f], /none\.npy does not exist/],
      [['--factors', f], /probe needs --embeddings FILE/],
      [['--embeddings', e, '--factors', f, '--group', 'nonsense'], /--group must be name=column/],
      [
        ['--embeddings', e, '--factors', f],
        /factor 'id' has 400 classes in 400 rows: .* --ignore id leaves it out \(or --continuous id, if its numbers are a quantity\)$/m,
      ],
      [
        ['--embeddings', e, '--factors', join(dir, 'classes.csv')],
        /factor 'k' has 41 classes in 400 rows: .*\(at most 40 classes here\).* --ignore k leaves it out$/m,
      ],
    ] as const) {
      const r = await runCli('probe', ...args, '--out', join(dir, 'never'));
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    await expect(readFile(join(dir, 'never', 'metrics.json'))).rejects.toThrow(/ENOENT/);
    // --drop-nonfinite goes on without those rows.
    const r = await runCli('probe', '--embeddings', join(dir, 'nan.npy'), '--factors', f, '--ignore', 'id', '--drop-nonfinite', '--out', join(dir, 'dropped'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('400 rows, 2 dropped (NaN or Inf); 199 fitting, 199 scoring');
  }, 60_000);
});
