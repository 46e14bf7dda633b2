/**
 * Helper threads for the compute core: workers (worker_threads in Node, Web
 * Workers in browsers) that each instantiate the threads build of the module
 * (build/misalign-threads.wasm) on the same shared memory, then wait for
 * jobs. A job is an export's name and its numeric arguments; the calling
 * thread always runs the first share itself, so with n threads there are
 * n − 1 workers.
 *
 * Jobs travel through a control block in the shared memory, not through
 * messages: per worker 4 int32 (state, function index, argument count, error
 * flag) and 24 float64 (result, then arguments). Workers sleep in
 * Atomics.wait and are woken by Atomics.notify, so dispatch costs
 * microseconds. Where the calling thread may not block (a browser's main
 * thread), it spins on Atomics.load instead.
 */
import { isNode } from '../common/env.js';
import { MisalignError } from '../common/errors.js';
import type { Arena, F32Buffer } from './arena.js';
import type { KernelExports, KernelFunctionName } from './exports.js';

// Slot states (the worker program uses the same numbers literally): 0 idle, 1 posted, 2 done, 3 stop.
const IDLE = 0;
const POSTED = 1;
const STOP = 3;
const SLOT_BYTES = 16 + 24 * 8; // 4 int32, then result + 23 arguments as float64
const MAX_ARGS = 23;

/** A call of one exported function with its arguments (typed from the compiler's declarations, see module.ts). */
export type Job = {
  [F in KernelFunctionName]: { fn: F; args: Parameters<KernelExports[F]> };
}[KernelFunctionName];

/**
 * The worker's whole program, as plain JavaScript source (a string, so no
 * transpiler can rewrite it with helpers that do not exist in the worker).
 * It receives { module, memory, control, names }, instantiates the module on
 * the shared memory, says 'ready', then serves jobs from its control slot.
 */
const WORKER_SOURCE = `
const isNode = typeof process !== 'undefined' && process.versions && typeof process.versions.node === 'string';
const port = isNode ? require('node:worker_threads').parentPort : null;
const post = (m) => (port ? port.postMessage(m) : self.postMessage(m));
async function start({ module, memory, control, names }) {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const fns = names.map((n) => instance.exports[n]);
  const i32 = new Int32Array(memory.buffer, control, 4);
  const f64 = new Float64Array(memory.buffer, control + 16, 24);
  post('ready');
  for (;;) {
    Atomics.wait(i32, 0, 0);
    const state = Atomics.load(i32, 0);
    if (state === 3) break;
    if (state !== 1) continue;
    const args = [];
    for (let i = 0; i < i32[2]; i++) args.push(f64[i + 1]);
    try {
      f64[0] = fns[i32[1]](...args) ?? 0;
      i32[3] = 0;
    } catch (e) {
      i32[3] = 1;
    }
    Atomics.store(i32, 0, 2);
    Atomics.notify(i32, 0);
  }
}
if (port) port.once('message', (d) => void start(d));
else self.onmessage = (e) => void start(e.data);
`;

interface WorkerHandle {
  terminate(): unknown;
}

async function spawn(init: unknown): Promise<WorkerHandle> {
  const source = WORKER_SOURCE;
  if (isNode()) {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(source, { eval: true });
    worker.unref(); // helper threads never keep the process alive
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.postMessage(init);
    });
    return worker;
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(init);
  });
  URL.revokeObjectURL(url);
  return worker;
}

/** Whether this environment can share memory between threads (browsers need cross-origin isolation). */
export function threadsAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined';
}

export class ThreadPool {
  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly exports: KernelExports,
    private readonly control: F32Buffer,
    private readonly workers: WorkerHandle[],
    private readonly names: string[],
  ) {}

  /** Starts `count − 1` workers on `module` (the threads build) sharing `memory`. */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, exports: KernelExports, arena: Arena, count: number): Promise<ThreadPool> {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const control = arena.alloc(((count - 1) * SLOT_BYTES) / 4);
    const workers = await Promise.all(Array.from({ length: count - 1 }, (_, w) => spawn({ module, memory, control: control.ptr + w * SLOT_BYTES, names })));
    return new ThreadPool(memory, exports, control, workers, names);
  }

  /** Threads in all, the calling one included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Runs jobs[0] here and jobs[1..] on the workers, and waits for all; returns their results. */
  run(jobs: Job[]): number[] {
    if (jobs.length > this.size) throw new MisalignError('OUT_OF_RANGE', `${jobs.length} jobs for ${this.size} threads`);
    const slots = jobs.slice(1).map((job, w) => {
      const base = this.control.ptr + w * SLOT_BYTES;
      const i32 = new Int32Array(this.memory.buffer, base, 4);
      const f64 = new Float64Array(this.memory.buffer, base + 16, 24);
      if (job.args.length > MAX_ARGS) throw new MisalignError('OUT_OF_RANGE', `a job takes at most ${MAX_ARGS} arguments`);
      i32[1] = this.names.indexOf(job.fn);
      i32[2] = job.args.length;
      job.args.forEach((a, i) => (f64[i + 1] = a));
      Atomics.store(i32, 0, POSTED);
      Atomics.notify(i32, 0);
      return { i32, f64 };
    });
    const first = jobs[0];
    const results = [first ? ((this.exports[first.fn] as (...a: number[]) => number | undefined)(...first.args) ?? 0) : 0];
    for (const { i32, f64 } of slots) {
      waitWhile(i32, POSTED);
      const failed = i32[3] !== 0;
      results.push(f64[0]!);
      Atomics.store(i32, 0, IDLE);
      if (failed) throw new Error('a compute-core helper thread failed');
    }
    return results;
  }

  /** Stops the workers. */
  stop(): void {
    this.workers.forEach((_, w) => {
      const i32 = new Int32Array(this.memory.buffer, this.control.ptr + w * SLOT_BYTES, 4);
      Atomics.store(i32, 0, STOP);
      Atomics.notify(i32, 0);
    });
    for (const worker of this.workers) void worker.terminate();
  }
}

let canBlock: boolean | undefined;

/** Waits until i32[0] is no longer `value`: Atomics.wait where allowed, spinning where not. */
function waitWhile(i32: Int32Array, value: number): void {
  if (canBlock !== false) {
    try {
      while (Atomics.load(i32, 0) === value) Atomics.wait(i32, 0, value);
      canBlock = true;
      return;
    } catch {
      canBlock = false; // a browser main thread: Atomics.wait throws
    }
  }
  while (Atomics.load(i32, 0) === value) {
    // spin
  }
}
