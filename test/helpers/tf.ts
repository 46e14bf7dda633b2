/**
 * tfjs for the parity tests: the union package (its CommonJS bundle registers
 * every gradient) on the cpu backend, the independent reference our kernels
 * are compared with.
 */
import * as tf from '@tensorflow/tfjs';

tf.enableProdMode(); // also silences the banner suggesting tfjs-node
await tf.setBackend('cpu');
await tf.ready();

export { tf };

/** Normwise relative error max|got − want| / max|want|. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return scale === 0 ? err : err / scale;
}
