/**
 * Loads the compute core (build/misalign.wasm, compiled from assembly/ by
 * `npm run build:wasm`) in Node or in a browser, with no native code, and
 * gives typed access to its kernels and an arena in its memory.
 */
import { Arena, type F32Buffer } from './arena.js';

/** The raw exports of the module: pointers are byte offsets, lengths are element counts. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  leakyReluForward(x: number, y: number, n: number, slope: number): void;
  leakyReluBackward(x: number, dy: number, dx: number, n: number, slope: number): void;
  biasAdd(y: number, b: number, rows: number, cols: number): void;
  columnSums(x: number, out: number, rows: number, cols: number, beta: number): void;
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

  private constructor(readonly exports: KernelExports) {
    this.arena = new Arena(exports.memory, exports.heapBase());
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

  /** y = leaky_relu(x); y may be x. */
  leakyReluForward(x: F32Buffer, y: F32Buffer, slope: number, n = x.length): void {
    this.exports.leakyReluForward(x.ptr, y.ptr, n, slope);
  }

  /** dx = dy * leaky_relu'(x); dx may be dy. */
  leakyReluBackward(x: F32Buffer, dy: F32Buffer, dx: F32Buffer, slope: number, n = x.length): void {
    this.exports.leakyReluBackward(x.ptr, dy.ptr, dx.ptr, n, slope);
  }

  /** y (rows, cols) += b (cols) on every row. */
  biasAdd(y: F32Buffer, b: F32Buffer, rows: number, cols: number): void {
    this.exports.biasAdd(y.ptr, b.ptr, rows, cols);
  }

  /** out (cols) = beta * out + column sums of x (rows, cols). */
  columnSums(x: F32Buffer, out: F32Buffer, rows: number, cols: number, beta = 0): void {
    this.exports.columnSums(x.ptr, out.ptr, rows, cols, beta);
  }
}
