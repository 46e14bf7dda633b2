/**
 * Which build of the compute core this engine can run: the relaxed-SIMD one, whose multiply-adds
 * are fused (assembly/fma.ts), or the SIMD128 one that every engine with WebAssembly SIMD runs
 * (docs/performance.md, "Fused multiply-add").
 *
 * Chrome 114+, Firefox 120+ and Node 22+ accept relaxed SIMD as they are. Node 20 has it behind
 * a V8 flag, which may still be set while the process runs, before the module is compiled
 * (worker threads started afterwards inherit it): `relaxedSimdAvailable` sets it in Node, then
 * asks the engine to validate a one-function module that uses `f32x4.relaxed_madd`.
 */
import { isNode } from '../common/env.js';

/** A module with one function, `() -> v128`: relaxed_madd(0, 0, 0). */
function probeModule(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // no locals; f32x4.relaxed_madd (0xfd 0x105); end
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // types: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // functions: one, of type 0
    ...[0x0a, body.length + 2, 0x01, body.length, ...body], // code
  ]);
}

let cached: Promise<boolean> | null = null;

/** Whether this engine runs relaxed SIMD (in Node 20, after turning its flag on). */
export function relaxedSimdAvailable(): Promise<boolean> {
  cached ??= (async () => {
    if (typeof WebAssembly === 'undefined') return false;
    if (isNode()) {
      try {
        const v8 = await import('node:v8');
        v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      } catch {
        // No node:v8 (another runtime posing as Node): validation below decides.
      }
    }
    return WebAssembly.validate(probeModule());
  })();
  return cached;
}
