/**
 * The real MPI3D-Complex images (Node), for users who have the file: a NumPy
 * .npz whose `images` array is uint8 of shape (460800, H, W, 3) or
 * (4, 4, 2, 3, 3, 40, 40, H, W, 3), in factor order (mpi3d-factors.ts).
 *
 * The file is never read whole: the zip's directory (yauzl) says where the
 * array is. Stored entries (np.savez) are read in place, one image per
 * positioned read. A compressed entry (np.savez_compressed) cannot be read
 * at random, so it is inflated once, streaming, into a cache file beside it
 * (`<file>.images.u8`, written to a temporary name, then renamed) and read
 * from there on.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { MisalignError } from '../common/errors.js';
import { MPI3D_COUNT, MPI3D_FACTORS, MPI3D_SIZES } from './mpi3d-factors.js';

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ZIP_STORED = 0;

/** The header of a .npy array: its data's element type, order and shape, and where the data starts. */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the data. */
  dataOffset: number;
}

/** Parses a .npy header from the first bytes of the array (versions 1 to 3). */
export function parseNpyHeader(bytes: Buffer, what = 'array'): NpyHeader {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(NPY_MAGIC)) throw new MisalignError('CHECKPOINT_CORRUPT', `${what} is not a NumPy .npy array`);
  const major = bytes[6]!;
  const [lenBytes, len] = major === 1 ? [2, bytes.readUInt16LE(8)] : [4, bytes.readUInt32LE(8)];
  const start = 8 + lenBytes;
  if (bytes.length < start + len) throw new MisalignError('CHECKPOINT_CORRUPT', `${what}: the .npy header is cut short`);
  const text = bytes.subarray(start, start + len).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new MisalignError('CHECKPOINT_CORRUPT', `${what}: unreadable .npy header ${JSON.stringify(text.trim())}`);
  return {
    descr,
    fortranOrder: fortran === 'True',
    shape: shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number),
    dataOffset: start + len,
  };
}

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

export class Mpi3dFile {
  private constructor(
    private readonly fh: FileHandle,
    /** Byte offset of image 0 in the file read. */
    private readonly base: number,
    readonly height: number,
    readonly width: number,
    /** Where the images are read from: the .npz itself, or its cache. */
    readonly source: string,
  ) {}

  /** Bytes per image, H·W·3. */
  get imageBytes(): number {
    return this.height * this.width * 3;
  }

  static async open(path: string): Promise<Mpi3dFile> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(path, { autoClose: false });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new MisalignError(code === 'ENOENT' ? 'CHECKPOINT_MISSING' : 'CHECKPOINT_CORRUPT', code === 'ENOENT' ? `${path} does not exist` : `${path} is not a readable .npz (zip) file: ${(error as Error).message}`);
    }
    try {
      let entry: yauzl.Entry | null = null;
      for await (const e of zip.eachEntry()) {
        if (e.fileName === 'images.npy') entry = e;
      }
      if (!entry) throw new MisalignError('CHECKPOINT_CORRUPT', `${path} has no 'images' array`);
      const what = `${path}: images`;
      const head = parseNpyHeader(await readAll(await zip.openReadStreamPromise(entry), Math.min(entry.uncompressedSize, 4096)), what);
      if (!/^[|<>]?u1$/.test(head.descr)) throw new MisalignError('CHECKPOINT_CORRUPT', `${what} must be uint8, got '${head.descr}'`);
      if (head.fortranOrder) throw new MisalignError('CHECKPOINT_CORRUPT', `${what} must be in C order, not Fortran order`);
      const factorShape = MPI3D_FACTORS.map((f) => MPI3D_SIZES[f]);
      const lead = head.shape.length === 4 ? [head.shape[0]!] : head.shape.slice(0, factorShape.length);
      const [h, w, c] = head.shape.slice(lead.length);
      const leadOk = lead.length === 1 ? lead[0] === MPI3D_COUNT : lead.join() === factorShape.join();
      if (!leadOk || head.shape.length !== lead.length + 3 || c !== 3 || !(h! > 0 && w! > 0)) {
        throw new MisalignError('CHECKPOINT_CORRUPT', `${what} has shape (${head.shape.join(', ')}); expected (${MPI3D_COUNT}, H, W, 3) or (${factorShape.join(', ')}, H, W, 3)`);
      }
      const dataBytes = MPI3D_COUNT * h! * w! * 3;
      if (entry.uncompressedSize !== head.dataOffset + dataBytes) throw new MisalignError('CHECKPOINT_CORRUPT', `${what} holds ${entry.uncompressedSize} bytes, its shape needs ${head.dataOffset + dataBytes}`);

      if (entry.compressionMethod === ZIP_STORED) {
        const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
        return new Mpi3dFile(await open(path, 'r'), fileDataStart + head.dataOffset, h!, w!, path);
      }
      // Compressed: inflate once into a cache beside the file (streaming), then read from it.
      const cache = `${path}.images.u8`;
      const ready = await stat(cache).then((s) => s.size === entry.uncompressedSize, () => false);
      if (!ready) {
        const tmp = `${cache}.tmp-${process.pid}`;
        try {
          await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(tmp));
          await rename(tmp, cache);
        } catch (error) {
          await rm(tmp, { force: true });
          throw new MisalignError('CHECKPOINT_CORRUPT', `${what}: cannot inflate into ${cache}: ${(error as Error).message}`);
        }
      }
      return new Mpi3dFile(await open(cache, 'r'), head.dataOffset, h!, w!, cache);
    } finally {
      zip.close();
    }
  }

  /** Image `index` (factor order) as (H, W, 3) uint8, into `out` or a new array. */
  async image(index: number, out: Uint8Array = new Uint8Array(this.imageBytes)): Promise<Uint8Array> {
    if (!Number.isInteger(index) || index < 0 || index >= MPI3D_COUNT) throw new MisalignError('INDEX_OUT_OF_RANGE', `MPI3D image index ${index} is outside 0..${MPI3D_COUNT - 1}`);
    const { bytesRead } = await this.fh.read(out, 0, this.imageBytes, this.base + index * this.imageBytes);
    if (bytesRead !== this.imageBytes) throw new MisalignError('CHECKPOINT_CORRUPT', `${this.source} ends before image ${index}`);
    return out;
  }

  /** Images `indices`, (n, H, W, 3) uint8. */
  async images(indices: readonly number[]): Promise<Uint8Array> {
    const out = new Uint8Array(indices.length * this.imageBytes);
    for (let i = 0; i < indices.length; i++) await this.image(indices[i]!, out.subarray(i * this.imageBytes, (i + 1) * this.imageBytes));
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
