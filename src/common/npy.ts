/**
 * NumPy's .npy format, in memory (anywhere: Node and browsers). A .npy file
 * is a magic string, a version, a header (a Python dict literal giving the
 * element type `descr`, `fortran_order` and `shape`), then the elements.
 *
 *   \x93NUMPY  major minor  header_len (u16 in v1, u32 in v2/3)  header  data
 *
 * Supported element types: little- or big-endian floats of 2, 4 and 8 bytes
 * (float16 is what PyTorch's `.half()` tensors save as; decoded here, since
 * Node 20's DataView has no getFloat16), signed and unsigned integers of 1–8
 * bytes, and booleans; every value is read as a float64. C order is
 * row-major; Fortran order is column-major. Large files are read in place by
 * npy-file.ts (Node), which uses the header parser here.
 */
import { MisalignError } from './errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The header of a .npy array: its data's element type, order and shape, and where the data starts. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the data. */
  dataOffset: number;
}

/** An element type: kind (float, signed, unsigned, bool), bytes per element, byte order. */
export interface NpyDtype {
  kind: 'f' | 'i' | 'u' | 'b';
  size: number;
  littleEndian: boolean;
}

const corrupt = (message: string) => new MisalignError('FILE_CORRUPT', message);

/** Parses a .npy header from the first bytes of the array (versions 1 to 3). */
export function parseNpyHeader(bytes: Uint8Array, what = 'array'): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt(`${what} is not a NumPy .npy array`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const [lenBytes, len] = major === 1 ? [2, view.getUint16(8, true)] : [4, view.getUint32(8, true)];
  const start = 8 + lenBytes;
  if (bytes.length < start + len) throw corrupt(`${what}: the .npy header is cut short`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(start, start + len));
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw corrupt(`${what}: unreadable .npy header ${JSON.stringify(text.trim())}`);
  return {
    descr,
    fortranOrder: fortran === 'True',
    shape: shape
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number),
    dataOffset: start + len,
  };
}

/** The element type a descr names ('<f4', '>f8', '|u1', '|b1', ...); anything else is an error naming it. */
export function npyDtype(descr: string, what = 'array'): NpyDtype {
  const m = /^([<>|=]?)([fiub])(\d+)$/.exec(descr);
  const size = m ? Number(m[3]) : NaN;
  const ok = m && (m[2] === 'f' ? size === 2 || size === 4 || size === 8 : m[2] === 'b' ? size === 1 : [1, 2, 4, 8].includes(size));
  if (!ok) throw corrupt(`${what} has element type '${descr}'; expected float16, float32, float64, an integer or a boolean type`);
  return { kind: m[2] as NpyDtype['kind'], size, littleEndian: m[1] !== '>' };
}

/** 2^(e − 15) for the 32 exponent fields of a float16 (index 0: the subnormals' 2^−14). */
const HALF_SCALE = Float64Array.from({ length: 32 }, (_, e) => 2 ** (Math.max(e, 1) - 15));

/**
 * The IEEE 754 binary16 value of the bits `h`: sign (1 bit), exponent (5,
 * bias 15), fraction (10). Exponent 0 is zero or a subnormal, fraction·2^−24;
 * exponent 31 is ±Infinity (fraction 0) or NaN; otherwise (1 + fraction/1024)·2^(e−15).
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0x1f) return f === 0 ? sign * Infinity : NaN;
  return sign * (e === 0 ? f / 1024 : 1 + f / 1024) * HALF_SCALE[e]!;
}

/** Elements `count` of type `dtype` from `bytes` (which may start anywhere), as float64. */
export function decodeNpyValues(bytes: Uint8Array, dtype: NpyDtype, count: number, out: Float64Array = new Float64Array(count)): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dtype.littleEndian;
  const s = dtype.size;
  const read: (o: number) => number =
    dtype.kind === 'f'
      ? s === 2
        ? (o) => halfToFloat(view.getUint16(o, le))
        : s === 4
          ? (o) => view.getFloat32(o, le)
          : (o) => view.getFloat64(o, le)
      : dtype.kind === 'b' || (dtype.kind === 'u' && s === 1)
        ? (o) => view.getUint8(o)
        : dtype.kind === 'i' && s === 1
          ? (o) => view.getInt8(o)
          : s === 2
            ? dtype.kind === 'i'
              ? (o) => view.getInt16(o, le)
              : (o) => view.getUint16(o, le)
            : s === 4
              ? dtype.kind === 'i'
                ? (o) => view.getInt32(o, le)
                : (o) => view.getUint32(o, le)
              : dtype.kind === 'i'
                ? (o) => Number(view.getBigInt64(o, le))
                : (o) => Number(view.getBigUint64(o, le));
  for (let k = 0; k < count; k++) out[k] = read(k * s);
  return out;
}

/** The (rows, cols) of a 1-D (n → (n, 1)) or 2-D array; other ranks are an error naming the shape. */
export function matrixShape(header: NpyHeader, what = 'array'): [number, number] {
  const s = header.shape;
  if (s.length === 1) return [s[0]!, 1];
  if (s.length === 2) return [s[0]!, s[1]!];
  throw new MisalignError('SHAPE_MISMATCH', `${what} has shape (${s.join(', ')}); expected (N, d) or (N,)`);
}

/**
 * A whole .npy in memory as a row-major (rows, cols) float64 matrix (a
 * Fortran-order array is transposed into row-major). A file shorter than its
 * shape needs is an error saying by how much.
 */
export function readNpy(bytes: Uint8Array, what = 'array'): { rows: number; cols: number; data: Float64Array; header: NpyHeader } {
  const header = parseNpyHeader(bytes, what);
  const dtype = npyDtype(header.descr, what);
  const [rows, cols] = matrixShape(header, what);
  const need = header.dataOffset + rows * cols * dtype.size;
  if (bytes.length < need) throw corrupt(`${what} is truncated: ${bytes.length} bytes, its shape (${header.shape.join(', ')}) needs ${need}`);
  const flat = decodeNpyValues(bytes.subarray(header.dataOffset), dtype, rows * cols);
  if (!header.fortranOrder || cols === 1) return { rows, cols, data: flat, header };
  const data = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) data[r * cols + c] = flat[c * rows + r]!;
  return { rows, cols, data, header };
}

/**
 * The header of a .npy file of a float32 ('<f4') or float64 ('<f8') array in C
 * order (version 1, padded to a multiple of 64 bytes as NumPy writes it): the
 * file is these bytes, then the values little-endian. Lets a large array be
 * written in chunks.
 */
export function encodeNpyHeader(descr: '<f4' | '<f8', shape: readonly number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** A .npy file of a float32 or float64 array in C order (`encodeNpyHeader`, then the values). */
export function encodeNpy(data: Float32Array | Float64Array, shape: readonly number[]): Uint8Array {
  if (shape.reduce((a, b) => a * b, 1) !== data.length)
    throw new MisalignError('SHAPE_MISMATCH', `${data.length} values do not fill shape (${shape.join(', ')})`);
  const header = encodeNpyHeader(data instanceof Float32Array ? '<f4' : '<f8', shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header);
  const body = new DataView(out.buffer, header.length);
  const s = data.BYTES_PER_ELEMENT;
  for (let k = 0; k < data.length; k++) {
    if (s === 4) body.setFloat32(k * 4, data[k]!, true);
    else body.setFloat64(k * 8, data[k]!, true);
  }
  return out;
}
