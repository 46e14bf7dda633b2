/**
 * Loads the compute core in Node or in a browser, with no native code, and
 * gives typed access to its exports, an arena in its memory, and the
 * persistent scratch the GEMM needs.
 *
 * Four builds of assembly/ exist (npm run build:wasm): build/misalign.wasm
 * with its own memory, and build/misalign-threads.wasm, which imports a
 * shared memory so that helper threads (threads.ts) can run kernels on the
 * same buffers; each also as a relaxed-SIMD build with fused multiply-adds
 * (misalign-relaxed.wasm, misalign-threads-relaxed.wasm; assembly/fma.ts).
 * `Kernels.load({ threads: n })` uses a threads build when n > 1 and the
 * environment can share memory (browsers need cross-origin isolation), and
 * falls back to one thread otherwise; it uses a relaxed build when the engine
 * runs relaxed SIMD (features.ts), unless `fma: false` or the environment
 * variable MISALIGN_FMA=0 says not to. The two kinds agree to float rounding,
 * not bit for bit, so a run records which one it used (`Kernels.fma`).
 *
 * The kernel families have their bindings next to this file (activations.ts,
 * gemm.ts, grouped.ts, lpsimclr.ts, infonce.ts, optim.ts, conv.ts,
 * sampler.ts), each but the sampler beside a plain TypeScript reference in
 * reference/ (the sampler's reference is the DataGenerator, mixing/); the
 * probe bank's binding is in probes/probe-bank.ts.
 */
import { isNode } from '../common/env.js';
import { MisalignError } from '../common/errors.js';
import { Arena, type F32Buffer } from './arena.js';
import type { KernelExports } from './exports.js';
import { relaxedSimdAvailable } from './features.js';
import { ThreadPool, threadsAvailable, type Job } from './threads.js';

/** Where the compiled modules are, relative to this file (src/kernels or dist/kernels). */
export const DEFAULT_WASM_URL = new URL('../../build/misalign.wasm', import.meta.url);
export const DEFAULT_THREADS_WASM_URL = new URL('../../build/misalign-threads.wasm', import.meta.url);
export const DEFAULT_RELAXED_WASM_URL = new URL('../../build/misalign-relaxed.wasm', import.meta.url);
export const DEFAULT_THREADS_RELAXED_WASM_URL = new URL('../../build/misalign-threads-relaxed.wasm', import.meta.url);

/** Pages of 64 KiB: the shared memory starts small and may grow to 2 GiB. */
const SHARED_INITIAL_PAGES = 16;
const SHARED_MAXIMUM_PAGES = 32768;

export interface KernelsOptions {
  /** Threads to compute with (the calling one included); 'auto' = one per core. Default 1. */
  threads?: number | 'auto';
  /** The single-thread module's bytes or location (default: the built file next to the package). */
  wasm?: BufferSource | URL;
  /** The threads build's bytes or location. */
  threadsWasm?: BufferSource | URL;
  /**
   * Fused multiply-adds: 'auto' (the default) uses the relaxed-SIMD builds where the engine runs
   * them, true requires them (an error where it cannot), false keeps the SIMD128 builds. In Node,
   * MISALIGN_FMA=0 or 1 overrides 'auto'. Ignored when `wasm` or `threadsWasm` gives a module.
   */
  fma?: boolean | 'auto';
}

/** What MISALIGN_FMA asks for in Node ('auto' when unset or elsewhere). */
function fmaFromEnvironment(): boolean | 'auto' {
  const value = isNode() ? process.env.MISALIGN_FMA : undefined;
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === '0' || value === '1') return value === '1';
  throw new MisalignError('OUT_OF_RANGE', `MISALIGN_FMA must be 0, 1 or auto, got '${value}'`);
}

/** Whether to load the relaxed-SIMD (fused multiply-add) builds. */
async function useFma(asked: boolean | 'auto'): Promise<boolean> {
  const wanted = asked === 'auto' ? fmaFromEnvironment() : asked;
  if (wanted === false) return false;
  const available = await relaxedSimdAvailable();
  if (wanted === true && !available) {
    throw new MisalignError('ENGINE_UNAVAILABLE', 'fused multiply-add was asked for, but this engine does not run relaxed SIMD (Node 20+, Chrome 114+)');
  }
  return available;
}

async function readWasm(source: BufferSource | URL): Promise<BufferSource> {
  if (!(source instanceof URL)) return source;
  if (source.protocol === 'file:' && isNode()) {
    const fs = await import('node:fs/promises');
    return fs.readFile(source);
  }
  const response = await fetch(source);
  if (!response.ok) throw new Error(`could not load the compute core from ${source.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function coreCount(): Promise<number> {
  if (isNode()) {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
}

/** The kind of build the last `Kernels.load` in this process used, or null before any. */
let lastBuild: 'relaxed-simd' | 'simd128' | null = null;

/** Which build of the core this process computed with: 'relaxed-simd' (fused multiply-adds), 'simd128', or null if none was loaded. */
export function loadedBuild(): 'relaxed-simd' | 'simd128' | null {
  return lastBuild;
}

export class Kernels {
  private constructor(
    readonly exports: KernelExports,
    readonly memory: WebAssembly.Memory,
    readonly arena: Arena,
    /** GEMM scratch (packed panels), one per thread, allocated first so that no arena mark can free them. */
    readonly gemmWork: F32Buffer[],
    /** Helper threads, or null when computing on the calling thread only. */
    readonly pool: ThreadPool | null,
    /** Whether this is a relaxed-SIMD build, whose multiply-adds are fused. */
    readonly fma: boolean,
  ) {}

  /** Threads kernels may split work across (1 without a pool). */
  get threads(): number {
    return this.gemmWork.length;
  }

  /** Instantiates the compute core: from the built files by default, on `threads` threads. */
  static async load(options: KernelsOptions = {}): Promise<Kernels> {
    const requested = options.threads === 'auto' ? await coreCount() : (options.threads ?? 1);
    if (!Number.isInteger(requested) || requested < 1) {
      throw new MisalignError('OUT_OF_RANGE', `threads must be a positive integer or 'auto', got ${String(options.threads)}`);
    }
    const threaded = requested > 1 && threadsAvailable();
    const given = threaded ? options.threadsWasm : options.wasm;
    const relaxed = given === undefined && (await useFma(options.fma ?? 'auto'));
    let module: WebAssembly.Module;
    let memory: WebAssembly.Memory;
    let exports: KernelExports;
    if (threaded) {
      module = await WebAssembly.compile(await readWasm(given ?? (relaxed ? DEFAULT_THREADS_RELAXED_WASM_URL : DEFAULT_THREADS_WASM_URL)));
      memory = new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAXIMUM_PAGES, shared: true });
      exports = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as KernelExports;
    } else {
      module = await WebAssembly.compile(await readWasm(given ?? (relaxed ? DEFAULT_RELAXED_WASM_URL : DEFAULT_WASM_URL)));
      exports = (await WebAssembly.instantiate(module, {})).exports as unknown as KernelExports;
      memory = exports.memory;
    }
    const threads = threaded ? requested : 1;
    const arena = new Arena(memory, exports.heapBase());
    const gemmWork = Array.from({ length: threads }, () => arena.alloc(exports.gemmWorkspaceFloats()));
    const pool = threaded ? await ThreadPool.start(module, memory, exports, arena, threads) : null;
    const fma = exports.fusedMultiplyAdd() === 1;
    lastBuild = fma ? 'relaxed-simd' : 'simd128';
    return new Kernels(exports, memory, arena, gemmWork, pool, fma);
  }

  /** Runs jobs (one per thread at most) on the helper threads, or one after another here; returns their results. */
  run(jobs: Job[]): number[] {
    if (this.pool !== null) return this.pool.run(jobs);
    return jobs.map((job) => (this.exports[job.fn] as (...args: number[]) => number | undefined)(...job.args) ?? 0);
  }

  /** Stops the helper threads (a single-thread instance has none). */
  close(): void {
    this.pool?.stop();
  }
}

/** Throws unless `buffer` holds at least `needed` floats. */
export function checkBuffer(what: string, buffer: F32Buffer, needed: number): void {
  if (buffer.length < needed) {
    throw new MisalignError('SHAPE_MISMATCH', `${what} holds ${buffer.length} floats, needs ${needed}`);
  }
}

/**
 * Splits [0, n) into at most `parts` contiguous ranges whose starts are
 * multiples of `align` (so SIMD blocks are not cut), dropping empty ones.
 */
export function splitRange(n: number, parts: number, align: number): [number, number][] {
  const chunk = Math.ceil(n / parts / align) * align;
  const ranges: [number, number][] = [];
  for (let start = 0; start < n; start += chunk) ranges.push([start, Math.min(n, start + chunk)]);
  return ranges;
}
