/**
 * A NumPy array in a file, read in place (Node): a .npy, or a named array of
 * an .npz (a zip of .npy files, whose directory yauzl reads). The file is
 * never read whole: the header says where the elements are, and each read
 * fetches only the bytes asked for.
 *
 * An array stored uncompressed (np.save, np.savez) is read in place. A
 * compressed one (np.savez_compressed) cannot be read at random, so it is
 * inflated once, streaming, into a cache file beside the .npz
 * (`<file>.<array>.npy.raw`, written to a temporary name and renamed) and read
 * from there on.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { MisalignError } from './errors.js';
import { decodeNpyValues, matrixShape, npyDtype, parseNpyHeader, type NpyDtype, type NpyHeader } from './npy.js';

const ZIP_STORED = 0;
/** Bytes per positioned read when a read spans many rows. */
const CHUNK = 1 << 24;

async function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    n += chunk.length;
    if (n >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

function openError(path: string, error: unknown, kind: string): MisalignError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MisalignError('FILE_MISSING', `${path} does not exist`);
  return new MisalignError('FILE_CORRUPT', `${path} is not a readable ${kind}: ${(error as Error).message.split('\n')[0]}`);
}

export class NpyFile {
  private constructor(
    private readonly fh: FileHandle,
    /** Byte offset of element 0 in the file read. */
    private readonly base: number,
    readonly header: NpyHeader,
    /** What error messages call it: `file.npy`, or `file.npz: name`. */
    readonly what: string,
    /** The file the elements are read from: the .npy or .npz itself, or the inflated cache. */
    readonly source: string,
  ) {}

  /**
   * Opens `path`: a .npy, or the array `array` of an .npz (default: its only
   * array). A file shorter than its shape needs is an error saying so.
   */
  static async open(path: string, array?: string): Promise<NpyFile> {
    if (!path.endsWith('.npz')) {
      if (array !== undefined) throw new MisalignError('CONFLICTING_OPTIONS', `${path} is a .npy: it holds one array, not a named one ('${array}')`);
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (error) {
        throw openError(path, error, '.npy file');
      }
      try {
        const head = Buffer.alloc(4096);
        const { bytesRead } = await fh.read(head, 0, head.length, 0);
        const header = parseNpyHeader(head.subarray(0, bytesRead), path);
        checkSize(header, (await fh.stat()).size, path);
        return new NpyFile(fh, header.dataOffset, header, path, path);
      } catch (error) {
        await fh.close();
        throw error;
      }
    }
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { autoClose: false });
    } catch (error) {
      throw openError(path, error, '.npz (zip) file');
    }
    try {
      const entries: yauzl.Entry[] = [];
      for await (const e of zip.eachEntry()) if (e.fileName.endsWith('.npy')) entries.push(e);
      const names = entries.map((e) => e.fileName.slice(0, -4));
      if (array === undefined && entries.length !== 1) {
        throw new MisalignError('MISSING_OPTION', `${path} holds ${entries.length} arrays (${names.join(', ') || 'none'}); name one (file.npz:name)`);
      }
      const entry = array === undefined ? entries[0]! : entries.find((e) => e.fileName === `${array}.npy`);
      if (!entry) throw new MisalignError('FILE_CORRUPT', `${path} has no array '${array}' (it has ${names.join(', ') || 'none'})`);
      const name = entry.fileName.slice(0, -4);
      const what = `${path}: ${name}`;
      const header = parseNpyHeader(await readAll(await zip.openReadStreamPromise(entry), Math.min(entry.uncompressedSize, 4096)), what);
      checkSize(header, entry.uncompressedSize, what);
      if (entry.compressionMethod === ZIP_STORED) {
        const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
        return new NpyFile(await open(path, 'r'), fileDataStart + header.dataOffset, header, what, path);
      }
      const cache = `${path}.${name}.npy.raw`;
      const ready = await stat(cache).then(
        (s) => s.size === entry.uncompressedSize,
        () => false,
      );
      if (!ready) {
        const tmp = `${cache}.tmp-${process.pid}`;
        try {
          await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(tmp));
          await rename(tmp, cache);
        } catch (error) {
          await rm(tmp, { force: true });
          throw new MisalignError('FILE_CORRUPT', `${what}: cannot inflate into ${cache}: ${(error as Error).message}`);
        }
      }
      return new NpyFile(await open(cache, 'r'), header.dataOffset, header, what, cache);
    } finally {
      zip.close();
    }
  }

  get dtype(): NpyDtype {
    return npyDtype(this.header.descr, this.what);
  }

  /** (rows, cols) of a 1-D or 2-D array. */
  get matrix(): [number, number] {
    return matrixShape(this.header, this.what);
  }

  /** `length` bytes from byte `offset` of the elements, into `out` or a new buffer. */
  async bytes(offset: number, length: number, out: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, Math.min(CHUNK, length - done), this.base + offset + done);
      if (bytesRead === 0) throw new MisalignError('FILE_CORRUPT', `${this.what} ends ${length - done} bytes early`);
      done += bytesRead;
    }
    return out;
  }

  /**
   * Rows `indices` of a 1-D or 2-D array as a row-major (n, cols) float64
   * matrix. C order: consecutive rows are fetched in one read (up to 16 MB).
   * Fortran order: each column is read in 16 MB pieces, keeping the rows asked for.
   */
  async rows(indices: readonly number[], out?: Float64Array): Promise<Float64Array> {
    const [rows, cols] = this.matrix;
    const dtype = this.dtype;
    const result = out ?? new Float64Array(indices.length * cols);
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= rows) throw new MisalignError('INDEX_OUT_OF_RANGE', `row ${i} is outside 0..${rows - 1} of ${this.what}`);
    }
    const rowBytes = cols * dtype.size;
    if (!this.header.fortranOrder || cols === 1) {
      const perRead = Math.max(1, Math.floor(CHUNK / rowBytes));
      for (let k = 0; k < indices.length; ) {
        let run = 1;
        while (k + run < indices.length && run < perRead && indices[k + run] === indices[k]! + run) run++;
        const buf = await this.bytes(indices[k]! * rowBytes, run * rowBytes);
        decodeNpyValues(buf, dtype, run * cols, result.subarray(k * cols, (k + run) * cols));
        k += run;
      }
      return result;
    }
    const want = new Map<number, number[]>();
    indices.forEach((r, k) => want.get(r)?.push(k) ?? want.set(r, [k]));
    const perRead = Math.max(1, Math.floor(CHUNK / dtype.size));
    const values = new Float64Array(perRead);
    for (let c = 0; c < cols; c++) {
      for (let r0 = 0; r0 < rows; r0 += perRead) {
        const n = Math.min(perRead, rows - r0);
        decodeNpyValues(await this.bytes((c * rows + r0) * dtype.size, n * dtype.size), dtype, n, values);
        for (let r = r0; r < r0 + n; r++) for (const k of want.get(r) ?? []) result[k * cols + c] = values[r - r0]!;
      }
    }
    return result;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

function checkSize(header: NpyHeader, size: number, what: string): void {
  const dtype = npyDtype(header.descr, what);
  const need = header.dataOffset + header.shape.reduce((a, b) => a * b, 1) * dtype.size;
  if (size < need) throw new MisalignError('FILE_CORRUPT', `${what} is truncated: ${size} bytes, its shape (${header.shape.join(', ')}) needs ${need}`);
}
