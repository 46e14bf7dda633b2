import { encodeNpy } from '../../src/common/npy.js';
import { Rng } from '../../src/common/rng.js';

/**
 * n rows of a known embedding and its factors: the embedding is (a, shape + noise,
 * noise), so it holds a (continuous) and shape (3 classes) but not colour (text,
 * unrelated). The factors CSV has the columns id (optional), a, shape, colour.
 */
export function syntheticEmbeddings(n = 400, withId = false): { emb: Float32Array; npy: Uint8Array; lines: string[]; csv: string } {
  const rng = Rng.fromSeed(5);
  const emb = new Float32Array(n * 3);
  const lines = [withId ? 'id,a,shape,colour' : 'a,shape,colour'];
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const shape = Math.floor(rng.uniform() * 3);
    emb.set([a, shape + 0.05 * rng.normal(), rng.normal()], i * 3);
    lines.push(`${withId ? `${i},` : ''}${a},${shape},${['red', 'green'][Math.floor(rng.uniform() * 2)]}`);
  }
  return { emb, npy: encodeNpy(emb, [n, 3]), lines, csv: lines.join('\n') };
}
