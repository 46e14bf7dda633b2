/**
 * The real MPI3D-Complex images (Node), for users who have the file: a NumPy
 * .npz whose `images` array is uint8 of shape (460800, H, W, 3) or
 * (4, 4, 2, 3, 3, 40, 40, H, W, 3), in factor order (mpi3d-factors.ts).
 *
 * The file is never read whole (common/npy-file.ts): a stored array
 * (np.savez) is read in place, one image per positioned read; a compressed
 * one (np.savez_compressed) is inflated once into a cache beside the file
 * (`<file>.images.npy.raw`) and read from there on.
 */
import { MisalignError } from '../common/errors.js';
import { NpyFile } from '../common/npy-file.js';
import { MPI3D_COUNT, MPI3D_FACTORS, MPI3D_SIZES } from './mpi3d-factors.js';

export class Mpi3dFile {
  private constructor(
    private readonly npy: NpyFile,
    readonly height: number,
    readonly width: number,
  ) {}

  /** Where the images are read from: the .npz itself, or its cache. */
  get source(): string {
    return this.npy.source;
  }

  /** Bytes per image, H·W·3. */
  get imageBytes(): number {
    return this.height * this.width * 3;
  }

  static async open(path: string): Promise<Mpi3dFile> {
    const npy = await NpyFile.open(path, 'images');
    try {
      const { header: head, what } = npy;
      if (!/^[|<>]?u1$/.test(head.descr)) throw new MisalignError('FILE_CORRUPT', `${what} must be uint8, got '${head.descr}'`);
      if (head.fortranOrder) throw new MisalignError('FILE_CORRUPT', `${what} must be in C order, not Fortran order`);
      const factorShape = MPI3D_FACTORS.map((f) => MPI3D_SIZES[f]);
      const lead = head.shape.length === 4 ? [head.shape[0]!] : head.shape.slice(0, factorShape.length);
      const [h, w, c] = head.shape.slice(lead.length);
      const leadOk = lead.length === 1 ? lead[0] === MPI3D_COUNT : lead.join() === factorShape.join();
      if (!leadOk || head.shape.length !== lead.length + 3 || c !== 3 || !(h! > 0 && w! > 0)) {
        throw new MisalignError(
          'FILE_CORRUPT',
          `${what} has shape (${head.shape.join(', ')}); expected (${MPI3D_COUNT}, H, W, 3) or (${factorShape.join(', ')}, H, W, 3)`,
        );
      }
      return new Mpi3dFile(npy, h!, w!);
    } catch (error) {
      await npy.close();
      throw error;
    }
  }

  /** Image `index` (factor order) as (H, W, 3) uint8, into `out` or a new array. */
  async image(index: number, out: Uint8Array = new Uint8Array(this.imageBytes)): Promise<Uint8Array> {
    if (!Number.isInteger(index) || index < 0 || index >= MPI3D_COUNT)
      throw new MisalignError('INDEX_OUT_OF_RANGE', `MPI3D image index ${index} is outside 0..${MPI3D_COUNT - 1}`);
    return this.npy.bytes(index * this.imageBytes, this.imageBytes, out);
  }

  /** Images `indices`, (n, H, W, 3) uint8. */
  async images(indices: readonly number[]): Promise<Uint8Array> {
    const out = new Uint8Array(indices.length * this.imageBytes);
    for (let i = 0; i < indices.length; i++) await this.image(indices[i]!, out.subarray(i * this.imageBytes, (i + 1) * this.imageBytes));
    return out;
  }

  async close(): Promise<void> {
    await this.npy.close();
  }
}
