/**
 * NumPy arrays: the in-memory reader and writer (common/npy.ts) and the
 * in-place file reader (common/npy-file.ts), on files written here byte by
 * byte as NumPy writes them (checked against NumPy 2.4's np.save output: the
 * writer's bytes for a (4, 3) float32 array are identical).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NpyFile } from '../src/common/npy-file.js';
import { encodeNpy, halfToFloat, readNpy } from '../src/common/npy.js';
import { halfBits, halfNpy } from './helpers/float16.js';
import { writeNpz } from './helpers/npz.js';
import { tempDirs } from './helpers/temp.js';

const tempDir = tempDirs('misalign-npy');

/** A .npy of `values` (row-major (rows, cols)) with any descr and order, as NumPy lays it out. */
function npy(values: number[], shape: number[], descr: string, fortran = false): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const [rows, cols = 1] = shape;
  const order = fortran ? Array.from({ length: rows! * cols }, (_, k) => values[(k % rows!) * cols + Math.floor(k / rows!)]!) : values;
  const size = Number(descr.slice(2));
  const data = Buffer.alloc(order.length * size);
  const le = descr[0] !== '>';
  order.forEach((v, k) => {
    const o = k * size;
    const kind = descr[1];
    if (kind === 'f') size === 4 ? (le ? data.writeFloatLE(v, o) : data.writeFloatBE(v, o)) : le ? data.writeDoubleLE(v, o) : data.writeDoubleBE(v, o);
    else if (kind === 'b' || size === 1) data[o] = kind === 'i' ? v & 255 : v;
    else if (size === 2) kind === 'i' ? data.writeInt16LE(v, o) : data.writeUInt16LE(v, o);
    else if (size === 4) kind === 'i' ? (le ? data.writeInt32LE(v, o) : data.writeInt32BE(v, o)) : data.writeUInt32LE(v, o);
    else kind === 'i' ? data.writeBigInt64LE(BigInt(v), o) : data.writeBigUInt64LE(BigInt(v), o);
  });
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

const npz = writeNpz;

const M = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5]; // (4, 3)

describe('readNpy and encodeNpy', () => {
  it('reads float32/64 in either byte order, integers and booleans, C and Fortran order, 1-D as one column', () => {
    for (const descr of ['<f4', '>f4', '<f8', '>f8']) {
      for (const fortran of [false, true]) expect(Array.from(readNpy(npy(M, [4, 3], descr, fortran)).data), `${descr} ${fortran}`).toEqual(M);
    }
    expect(readNpy(npy([-2, -1, 0, 1, 2], [5], '<i8'))).toMatchObject({ rows: 5, cols: 1, data: Float64Array.from([-2, -1, 0, 1, 2]) });
    expect(Array.from(readNpy(npy([-3, 7], [2], '<i4')).data)).toEqual([-3, 7]);
    expect(Array.from(readNpy(npy([-3, 7], [2], '>i4')).data)).toEqual([-3, 7]);
    expect(Array.from(readNpy(npy([-3, 7], [2], '|i1')).data)).toEqual([-3, 7]);
    expect(Array.from(readNpy(npy([200, 7], [2], '|u1')).data)).toEqual([200, 7]);
    expect(Array.from(readNpy(npy([1, 0, 1], [3], '|b1')).data)).toEqual([1, 0, 1]);
  });

  it('writes what it reads back, with NumPy’s header layout', () => {
    const bytes = encodeNpy(Float32Array.from(M), [4, 3]);
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
    expect(readNpy(bytes)).toMatchObject({ rows: 4, cols: 3, data: Float64Array.from(M) });
    expect(readNpy(encodeNpy(new Float64Array([1, 2, 3]), [3])).cols).toBe(1);
  });

  it('refuses a truncated file, other element types and other ranks with one line', () => {
    const full = npy(M, [4, 3], '<f4');
    expect(() => readNpy(full.subarray(0, full.length - 5), 'e.npy')).toThrow(/^e\.npy is truncated: \d+ bytes, its shape \(4, 3\) needs \d+$/);
    expect(() => readNpy(npy([1], [1], '<c8'), 'e.npy')).toThrow(
      /e\.npy has element type '<c8'; expected float16, float32, float64, an integer or a boolean type/,
    );
    expect(() => readNpy(npy([], [0], '<f16'), 'e.npy')).toThrow(/element type '<f16'/);
    expect(() => readNpy(npy(M, [2, 2, 3], '<f4'), 'e.npy')).toThrow(/e\.npy has shape \(2, 2, 3\); expected \(N, d\) or \(N,\)/);
    expect(() => readNpy(Buffer.from('a,b\n1,2\n'), 'e.npy')).toThrow(/e\.npy is not a NumPy \.npy array/);
  });
});

describe('float16 (a PyTorch .half() tensor saved by NumPy)', () => {
  // Bit patterns and their exact values (IEEE 754 binary16): zeros, the smallest and largest
  // subnormals, the smallest normal, ordinary values, the largest finite, infinities, NaNs.
  const EXACT: [number, number][] = [
    [0x0000, 0],
    [0x8000, -0],
    [0x0001, 2 ** -24],
    [0x8001, -(2 ** -24)],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x3c00, 1],
    [0x3bff, 1 - 2 ** -11],
    [0x3555, 0.333251953125],
    [0xc000, -2],
    [0x7bff, 65504],
    [0xfbff, -65504],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x7e00, NaN],
    [0xfc01, NaN],
  ];

  it('decodes every kind of value: subnormals, ±0, ±Infinity and NaN included', () => {
    for (const [bits, value] of EXACT)
      expect(Object.is(halfToFloat(bits), value) || (Number.isNaN(value) && Number.isNaN(halfToFloat(bits))), bits.toString(16)).toBe(true);
    const bitsOnly = EXACT.map(([b]) => b);
    for (const bigEndian of [false, true]) {
      const m = readNpy(halfNpy(bitsOnly, [bitsOnly.length], { bigEndian }), 'h.npy');
      expect(m.header.descr).toBe(bigEndian ? '>f2' : '<f2');
      EXACT.forEach(([, value], k) => expect(Object.is(m.data[k], value) || (Number.isNaN(value) && Number.isNaN(m.data[k]!)), `${bigEndian} ${k}`).toBe(true));
    }
  });

  it('reads float16 embeddings as the float32 ones they were made from, within half precision, C and Fortran order, in memory and in place', async () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31) * 2 - 1;
    };
    const rows = 50;
    const cols = 8;
    const emb = Float32Array.from({ length: rows * cols }, (_, k) => next() * 3 ** ((k % 7) - 3)); // 0.04 .. 27 in size
    const bits = Array.from(emb, halfBits);
    const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => {
      expect(got.length, what).toBe(want.length);
      // round to nearest: within half a unit in the last place, 2^−11 relative for normal values
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!), `${what} ${k}`).toBeLessThanOrEqual(Math.abs(want[k]!) * 2 ** -11 + 2 ** -25);
    };
    const dir = await tempDir();
    for (const fortran of [false, true]) {
      const file = halfNpy(bits, [rows, cols], { fortran });
      close(readNpy(file).data, emb, `readNpy ${fortran}`);
      await writeFile(join(dir, 'h.npy'), file);
      const f = await NpyFile.open(join(dir, 'h.npy'));
      expect(f.matrix).toEqual([rows, cols]);
      const picked = [3, 0, 49, 4];
      close(
        await f.rows(picked),
        picked.flatMap((r) => Array.from(emb.subarray(r * cols, (r + 1) * cols))),
        `NpyFile ${fortran}`,
      );
      await f.close();
    }
  });
});

describe('NpyFile: arrays read in place', () => {
  it('reads any rows of a .npy and of stored and compressed .npz arrays, C or Fortran order', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'c.npy'), npy(M, [4, 3], '<f4'));
    await writeFile(join(dir, 'f.npy'), npy(M, [4, 3], '>f8', true));
    await npz(join(dir, 'stored.npz'), { emb: npy(M, [4, 3], '<f4'), labels: npy([1, 2, 3, 4], [4], '<i8') }, false);
    await npz(join(dir, 'packed.npz'), { emb: npy(M, [4, 3], '<f4', true) }, true);
    const want = [4.5, 5, 5.5, 0, 0.5, 1, 1.5, 2, 2.5, 1.5, 2, 2.5]; // rows 3, 0, 1, 1
    for (const [file, array] of [['c.npy'], ['f.npy'], ['stored.npz', 'emb'], ['packed.npz'], ['packed.npz', 'emb']] as const) {
      const f = await NpyFile.open(join(dir, file), array);
      expect(f.matrix).toEqual([4, 3]);
      expect(Array.from(await f.rows([3, 0, 1, 1])), file).toEqual(want);
      await f.close();
    }
    const labels = await NpyFile.open(join(dir, 'stored.npz'), 'labels');
    expect(Array.from(await labels.rows([0, 1, 2, 3]))).toEqual([1, 2, 3, 4]);
    await expect(labels.rows([4])).rejects.toThrow(/row 4 is outside 0\.\.3 of .*stored\.npz: labels/);
    await labels.close();
  });

  it('bad files: one line naming the file and the problem', async () => {
    const dir = await tempDir();
    const full = npy(M, [4, 3], '<f4');
    await writeFile(join(dir, 'cut.npy'), full.subarray(0, full.length - 4));
    await npz(join(dir, 'two.npz'), { a: full, b: full }, false);
    await writeFile(join(dir, 'text.npz'), 'hello');
    for (const [file, array, message] of [
      ['none.npy', undefined, /none\.npy does not exist/],
      ['cut.npy', undefined, /cut\.npy is truncated: 172 bytes, its shape \(4, 3\) needs 176/],
      ['two.npz', undefined, /two\.npz holds 2 arrays \(a, b\); name one/],
      ['two.npz', 'c', /two\.npz has no array 'c' \(it has a, b\)/],
      ['text.npz', undefined, /text\.npz is not a readable \.npz \(zip\) file/],
      ['cut.npy', 'x', /cut\.npy is a \.npy: it holds one array/],
    ] as const) {
      const error = await NpyFile.open(join(dir, file), array).then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message, file).toMatch(message);
      expect(error!.message).not.toContain('\n');
    }
  });
});
