import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** Writes an .npz: each array's .npy bytes as `<name>.npy` in a zip, stored (np.savez) or deflated (np.savez_compressed). */
export async function writeNpz(path: string, arrays: Record<string, Buffer>, compress: boolean): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, buf] of Object.entries(arrays)) zip.addBuffer(buf, `${name}.npy`, { compress });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}
