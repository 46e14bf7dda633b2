/**
 * Loads the compute core (build/misalign.wasm, compiled from assembly/ by
 * `npm run build:wasm`) in Node or in a browser, with no native code, and
 * gives typed access to its exports, an arena in its memory, and the
 * persistent scratch the GEMM needs. The kernel families have their bindings
 * next to this file (activations.ts, gemm.ts, lpsimclr.ts, infonce.ts,
 * optim.ts), each beside a plain TypeScript reference in reference/.
 */
import { MisalignError } from '../common/errors.js';
import { Arena, type F32Buffer } from './arena.js';

/** The raw exports of the module: pointers are byte offsets, lengths count elements. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  leakyReluForward(x: number, y: number, n: number, slope: number): void;
  leakyReluBackward(x: number, dy: number, dx: number, n: number, slope: number): void;
  biasAdd(y: number, b: number, rows: number, cols: number): void;
  columnSums(x: number, out: number, rows: number, cols: number, beta: number): void;
  gemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
    work: number,
  ): void;
  gemmWorkspaceFloats(): number;
  expBatch(x: number, out: number, n: number): void;
  lpsimclrDirectional(
    a: number,
    b: number,
    c: number,
    N: number,
    M: number,
    d: number,
    tau: number,
    alpha: number,
    weight: number,
    ga: number,
    gb: number,
    gc: number,
    work: number,
  ): number;
  lpsimclrWorkFloats(M: number, d: number): number;
  infonce(x: number, y: number, B: number, d: number, tau: number, ntxent: number, weight: number, gx: number, gy: number, work: number): number;
  infonceWorkFloats(B: number, d: number, ntxent: number): number;
  sumSquares(g: number, n: number): number;
  scale(g: number, n: number, s: number): void;
  adamStep(p: number, g: number, m: number, v: number, n: number, stepSize: number, beta1: number, beta2: number, eps: number, invSqrtBc2: number): void;
}

/** Where the compiled module is, relative to this file (src/kernels or dist/kernels). */
export const DEFAULT_WASM_URL = new URL('../../build/misalign.wasm', import.meta.url);

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

async function readWasm(url: URL): Promise<BufferSource> {
  if (url.protocol === 'file:' && isNode()) {
    const fs = await import('node:fs/promises');
    return fs.readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the compute core from ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

export class Kernels {
  readonly arena: Arena;
  /** Scratch for gemm (packed panels), allocated once before anything else so no mark can free it. */
  readonly gemmWork: F32Buffer;

  private constructor(readonly exports: KernelExports) {
    this.arena = new Arena(exports.memory, exports.heapBase());
    this.gemmWork = this.arena.alloc(exports.gemmWorkspaceFloats());
  }

  /** Instantiates the module from bytes, or from a URL (default: the built file next to the package). */
  static async load(source: BufferSource | URL = DEFAULT_WASM_URL): Promise<Kernels> {
    const bytes = source instanceof URL ? await readWasm(source) : source;
    const { instance } = await WebAssembly.instantiate(bytes, {
      env: {
        abort(_message: number, _file: number, line: number, column: number): never {
          throw new Error(`compute core aborted at ${line}:${column}`);
        },
      },
    });
    return new Kernels(instance.exports as unknown as KernelExports);
  }
}

/** Throws unless `buffer` holds at least `needed` floats. */
export function checkBuffer(what: string, buffer: F32Buffer, needed: number): void {
  if (buffer.length < needed) {
    throw new MisalignError('SHAPE_MISMATCH', `${what} holds ${buffer.length} floats, needs ${needed}`);
  }
}
