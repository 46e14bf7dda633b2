/**
 * probeEmbeddingFiles on files larger than the probes need: only a random
 * subset of rows (from the seed) is read, from the embeddings in place and from
 * a factors CSV as a stream; the result is the probes' on exactly those rows.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/common/npy.js';
import { Kernels } from '../src/kernels/module.js';
import { probeEmbeddingFiles, rowsToRead } from '../src/probes/embedding-files.js';
import { probeEmbeddings } from '../src/probes/embeddings.js';
import { parseFactorCsv } from '../src/probes/factor-table.js';
import { expectMisalignRejection } from './helpers/errors.js';
import { syntheticEmbeddings } from './helpers/embeddings.js';

let k: Kernels;
beforeAll(async () => {
  k = await Kernels.load();
});

const N = 1500;
const MAX = 500;
const probe = { maxEpochs: 20 };

describe('probing a subset of large files', () => {
  it('reads MAX rows chosen from the seed, and gives the probes’ result on exactly those rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'misalign-probe-files-'));
    const { emb, npy, lines } = syntheticEmbeddings(N);
    await writeFile(join(dir, 'emb.npy'), npy);
    await writeFile(join(dir, 'factors.csv'), lines.join('\n'));
    // factors as a .npy too: a, shape (colour is text, so left out)
    const numeric = new Float64Array(N * 2);
    lines.slice(1).forEach((l, i) => numeric.set(l.split(',').slice(0, 2).map(Number), i * 2));
    await writeFile(join(dir, 'factors.npy'), encodeNpy(numeric, [N, 2]));

    const got = await probeEmbeddingFiles(k, { embeddings: join(dir, 'emb.npy'), factors: join(dir, 'factors.csv'), maxRows: MAX, seed: 4, probe });
    expect([got.totalRows, got.readRows, got.droppedRows]).toEqual([N, MAX, 0]);
    expect(got.fitRows + got.scoreRows).toBe(MAX);

    // The same rows, picked in memory and probed directly.
    const rows = rowsToRead(N, MAX, 4);
    expect(rows).toHaveLength(MAX);
    expect(new Set(rows).size).toBe(MAX);
    expect(rows.every((r, i) => i === 0 || r > rows[i - 1]!)).toBe(true);
    const data = new Float32Array(MAX * 3);
    rows.forEach((r, i) => data.set(emb.subarray(r * 3, r * 3 + 3), i * 3));
    const table = parseFactorCsv([lines[0], ...rows.map((r) => lines[r + 1])].join('\n'));
    const want = probeEmbeddings(k, [{ name: 'embedding', data, rows: MAX, dim: 3 }], table.factors, { seed: 4, probe });
    expect(got.rows).toEqual(want.rows);
    expect(got.rows.find((r) => r.factor === 'a')!.linear).toBeGreaterThan(0.99);

    // Factors from a .npy with names: the same rows, the same numbers for a and shape.
    const fromNpy = await probeEmbeddingFiles(k, {
      embeddings: join(dir, 'emb.npy'),
      factors: join(dir, 'factors.npy'),
      names: ['a', 'shape'],
      maxRows: MAX,
      seed: 4,
      probe,
    });
    for (const f of ['a', 'shape']) expect(fromNpy.rows.find((r) => r.factor === f)).toEqual(got.rows.find((r) => r.factor === f));
  });

  it('checks every row’s count but only the rows read for values; errors name the file’s row', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'misalign-probe-files-'));
    const { npy, lines } = syntheticEmbeddings(N);
    await writeFile(join(dir, 'emb.npy'), npy);
    const rows = new Set(rowsToRead(N, MAX, 0));
    const unread = [...Array(N).keys()].find((r) => !rows.has(r))!;
    const read = [...rows][7]!;
    const withBad = (r: number) => lines.map((l, i) => (i === r + 1 ? l.replace(/^[^,]+/, 'oops') : l)).join('\n');
    const opts = (factors: string) => ({ embeddings: join(dir, 'emb.npy'), factors, maxRows: MAX, continuous: ['a'], probe });

    await writeFile(join(dir, 'unread.csv'), withBad(unread));
    await expect(probeEmbeddingFiles(k, opts(join(dir, 'unread.csv')))).resolves.toMatchObject({ readRows: MAX });
    await writeFile(join(dir, 'read.csv'), withBad(read));
    await expectMisalignRejection(
      () => probeEmbeddingFiles(k, opts(join(dir, 'read.csv'))),
      'NON_FINITE_INPUT',
      new RegExp(`factor 'a' row ${read + 1}: 'oops' is not a finite number`),
    );
    await writeFile(join(dir, 'short.csv'), lines.slice(0, N).join('\n'));
    await expectMisalignRejection(
      () => probeEmbeddingFiles(k, opts(join(dir, 'short.csv'))),
      'SHAPE_MISMATCH',
      new RegExp(`short\\.csv has ${N - 1} rows, .*emb\\.npy ${N}`),
    );
    await writeFile(join(dir, 'long.csv'), [...lines, lines[1]].join('\n'));
    await expectMisalignRejection(() => probeEmbeddingFiles(k, opts(join(dir, 'long.csv'))), 'SHAPE_MISMATCH', new RegExp(`long\\.csv has ${N + 1} rows`));
    await writeFile(join(dir, 'ragged.csv'), [...lines.slice(0, 900), '1,2', ...lines.slice(900)].join('\n'));
    await expectMisalignRejection(() => probeEmbeddingFiles(k, opts(join(dir, 'ragged.csv'))), 'FILE_CORRUPT', /ragged\.csv is not a readable CSV/);
    await expectMisalignRejection(() => probeEmbeddingFiles(k, opts(join(dir, 'none.csv'))), 'FILE_MISSING', /none\.csv does not exist/);
  });
});
