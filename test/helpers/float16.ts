/**
 * float16 .npy files as NumPy writes them (`np.save(path, a.astype(np.float16))`,
 * or a PyTorch `.half()` tensor's `.numpy()`), for tests of the reader: an
 * encoder of binary16 written independently of the decoder in common/npy.ts.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to `x` (as float32 first), ties to even; NaN as 0x7e00. */
export function halfBits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | (mant ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // a subnormal: m·2^(exp − 150) = h·2^−24
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry moves into the exponent, as it should
  return sign | h;
}

/** A .npy (version 1) of binary16 bits, '<f2' or '>f2', C or Fortran order; `bits` row-major (rows, cols). */
export function halfNpy(bits: ArrayLike<number>, shape: readonly number[], { bigEndian = false, fortran = false } = {}): Buffer {
  let header = `{'descr': '${bigEndian ? '>' : '<'}f2', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(header.length, 8);
  const [rows, cols = 1] = shape as [number, number?];
  const data = Buffer.alloc(bits.length * 2);
  for (let k = 0; k < bits.length; k++) {
    const v = fortran ? bits[(k % rows) * cols + Math.floor(k / rows)]! : bits[k]!;
    if (bigEndian) data.writeUInt16BE(v, 2 * k);
    else data.writeUInt16LE(v, 2 * k);
  }
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}
