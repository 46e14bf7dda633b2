// The loader for the real MPI3D-Complex .npz, on small files of the same
// layout (460,800 images of 2×2 pixels, in factor order), written here.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MPI3D_COUNT } from '../src/scenes/mpi3d-factors.js';
import { parseNpyHeader } from '../src/common/npy.js';
import { Mpi3dFile } from '../src/scenes/mpi3d-file.js';
import { writeNpz } from './helpers/npz.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-npz');

/** A .npy of uint8 images whose 12 bytes are the index (3 bytes), then 9 bytes derived from it. */
function npy(shape: string, count = MPI3D_COUNT, pixels = 4): Buffer {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': ${shape}, }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const per = pixels * 3;
  const data = Buffer.alloc(count * per);
  for (let i = 0; i < count; i++) for (let b = 0; b < per; b++) data[i * per + b] = b < 3 ? (i >> (8 * b)) & 255 : (i * 31 + b) & 255;
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

const npz = writeNpz;

const expected = (i: number) => Uint8Array.from({ length: 12 }, (_, b) => (b < 3 ? (i >> (8 * b)) & 255 : (i * 31 + b) & 255));

describe('the MPI3D-Complex file loader', () => {
  it('reads images at random from a stored and from a compressed .npz, the latter through a cache', async () => {
    const dir = await tempDir();
    const images = npy(`(${MPI3D_COUNT}, 2, 2, 3)`);
    for (const compress of [false, true]) {
      const path = join(dir, compress ? 'compressed.npz' : 'stored.npz');
      await npz(path, { labels: Buffer.from('not an image'), images }, compress);
      const file = await Mpi3dFile.open(path);
      try {
        expect([file.height, file.width, file.imageBytes]).toEqual([2, 2, 12]);
        expect(file.source).toBe(compress ? `${path}.images.npy.raw` : path);
        for (const i of [0, 1, 4321, 123_456, MPI3D_COUNT - 1]) expect(await file.image(i)).toEqual(expected(i));
        const batch = await file.images([7, 3]);
        expect(batch.subarray(12, 24)).toEqual(expected(3));
        await expect(file.image(MPI3D_COUNT)).rejects.toThrow(/outside 0\.\.460799/);
      } finally {
        await file.close();
      }
      if (compress) {
        // the second open reuses the cache
        const before = (await stat(`${path}.images.npy.raw`)).mtimeMs;
        const again = await Mpi3dFile.open(path);
        expect(await again.image(99)).toEqual(expected(99));
        await again.close();
        expect((await stat(`${path}.images.npy.raw`)).mtimeMs).toBe(before);
      }
    }
  }, 60_000);

  it('accepts the factor-shaped array (4, 4, 2, 3, 3, 40, 40, H, W, 3)', async () => {
    const path = join(await tempDir(), 'factors.npz');
    await npz(path, { images: npy('(4, 4, 2, 3, 3, 40, 40, 1, 1, 3)', MPI3D_COUNT, 1) }, false);
    const file = await Mpi3dFile.open(path);
    expect(Array.from(await file.image(70_000))).toEqual([70_000 & 255, (70_000 >> 8) & 255, (70_000 >> 16) & 255]);
    await file.close();
  });

  it('refuses what is not the MPI3D array, with one line naming the problem', async () => {
    const dir = await tempDir();
    const cases: [string, () => Promise<void>, RegExp][] = [
      ['missing.npz', async () => {}, /does not exist/],
      ['text.npz', () => writeFile(join(dir, 'text.npz'), 'hello'), /not a readable \.npz/],
      ['no-images.npz', () => npz(join(dir, 'no-images.npz'), { labels: Buffer.from('x') }, false), /has no array 'images' \(it has labels\)/],
      [
        'shape.npz',
        () => npz(join(dir, 'shape.npz'), { images: npy('(1000, 2, 2, 3)', 1000) }, false),
        /has shape \(1000, 2, 2, 3\); expected \(460800, H, W, 3\)/,
      ],
    ];
    for (const [name, make, message] of cases) {
      await make();
      await expect(Mpi3dFile.open(join(dir, name))).rejects.toThrow(message);
    }
    expect(() => parseNpyHeader(Buffer.from('PK\u0003\u0004 not numpy'))).toThrow(/not a NumPy \.npy array/);
    expect(parseNpyHeader(npy('(2, 1, 1, 3)', 2, 1))).toMatchObject({ descr: '|u1', fortranOrder: false, shape: [2, 1, 1, 3], dataOffset: 128 }); // NumPy pads the header to a multiple of 64
  });
});
