/**
 * How much a Causal3DIdent caption needs its shape word to find its image in
 * a batch (docs/image-text.md#why-shape-is-lost): for each selection level,
 * over batches of B scenes, the share of scenes whose caption *without* the
 * shape word already differs from every other caption of the batch. InfoNCE
 * with in-batch negatives has to tell a pair from the B − 1 others; where the
 * other words already do that, shape lowers the loss only through the rare
 * negatives that share every other word. Also: how many distinct words each
 * mentioned factor takes (the colour words are palette names of the hue).
 *
 *   tsx bench/c3d-identifiability.ts [B=128] [batches=200]
 */
import { Rng } from '../src/common/rng.js';
import { c3dBiasSets, c3dCaption, C3D_LEVELS, wordOf } from '../src/scenes/causal3d-captions.js';
import { sampleC3dLatents } from '../src/scenes/causal3d-factors.js';

const B = Number(process.argv[2] ?? 128);
const batches = Number(process.argv[3] ?? 200);
const rng = Rng.fromSeed(7);
for (let level = 1; level <= C3D_LEVELS; level++) {
  const bias = { selection: level };
  const { unbiased } = c3dBiasSets(bias);
  const distinct = new Map<string, Set<string>>(unbiased.map((f) => [f, new Set()]));
  let unique = 0;
  for (let b = 0; b < batches; b++) {
    const keys = Array.from({ length: B }, () => {
      const z = sampleC3dLatents(rng);
      const { said } = c3dCaption(z, bias, rng);
      // the caption's content as words, less the shape (phrasing aside: it is random, not a scene factor)
      const words = unbiased.map((f) => `${f}=${wordOf(f, said[f]!)}`);
      for (const f of unbiased) distinct.get(f)!.add(wordOf(f, said[f]!));
      return words.filter((w) => !w.startsWith('shape=')).join(' ');
    });
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    unique += keys.filter((k) => counts.get(k) === 1).length;
  }
  console.log(
    JSON.stringify({
      level,
      kept: unbiased,
      uniqueWithoutShape: +(unique / (B * batches)).toFixed(3),
      words: Object.fromEntries([...distinct].map(([f, w]) => [f, w.size])),
    }),
  );
}
