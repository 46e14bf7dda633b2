/**
 * tfjs for the benchmarks' baselines: the union package (CommonJS, gradients
 * registered) with the wasm backend (SIMD, single thread in Node).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

export async function useBackend(name: 'wasm' | 'cpu'): Promise<typeof tf> {
  tf.enableProdMode(); // no debug checks, no banner
  if (name === 'wasm') setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  await tf.setBackend(name);
  await tf.ready();
  return tf;
}

export { tf };
