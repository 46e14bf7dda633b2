/**
 * The compute core's exports as types: what build/misalign.wasm and
 * build/misalign-threads.wasm export, as the compiler declares them, with
 * compile-time checks that the two builds agree and that no export takes an
 * optional parameter. Types only: module.ts (loading) and threads.ts (helper
 * threads) both read them, and neither imports the other for them.
 */
// The compiler's own declarations of the exports: `asc` writes them next to
// each module (asconfig.json "bindings": ["raw"] -> build/misalign.d.ts and
// build/misalign-threads.d.ts) before tsc runs, so a kernel whose parameters
// change in assembly/ no longer matches its calls in src/kernels/ and
// `npm run build` (asc, then tsc) fails. Only types are imported: the
// generated JavaScript is never loaded. A wasm i32, f32 or f64 is a JS
// number, so tsc catches a parameter added, removed or turned into an i64
// (bigint), not two same-typed parameters swapped.
import type { instantiate as instantiateRelease } from '../../build/misalign.js';
import type { instantiate as instantiateThreads } from '../../build/misalign-threads.js';

type ReleaseExports = Awaited<ReturnType<typeof instantiateRelease>>;
type ThreadsExports = Awaited<ReturnType<typeof instantiateThreads>>;

/** Whether A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** The exports whose declarations differ between two builds (never when none does). */
type DifferingExports<A, B> = {
  [K in keyof A | keyof B]: K extends keyof A ? (K extends keyof B ? (Same<A[K], B[K]> extends true ? never : K) : K) : K;
}[keyof A | keyof B];
/**
 * Both builds compile assembly/index.ts, so their exports must be declared
 * alike; the threads build imports its (shared) memory and exports it too.
 * On a mismatch, tsc names the differing exports here.
 */
type ThreadsBuildMatches<Differing extends never> = Differing;
type _ThreadsBuildMatchesRelease = ThreadsBuildMatches<DifferingExports<ReleaseExports, ThreadsExports>>;

/**
 * Exports with an optional (defaulted) parameter: asc compiles them to a stub
 * that reads the argument count from `__setArgumentsLength`, which these raw
 * calls never set, so such a call traps ("unreachable"). On one, tsc names it
 * here.
 */
type WithOptionalParameters<E> = {
  [K in keyof E]: E[K] extends (...args: infer P) => unknown ? (Same<P, Required<P>> extends true ? never : K) : never;
}[keyof E];
type NoOptionalParameters<Optional extends never> = Optional;
type _NoOptionalParameters = NoOptionalParameters<WithOptionalParameters<ReleaseExports>>;

/**
 * The raw exports of the module, as the compiler declares them: pointers are
 * byte offsets, lengths count elements; `memory` is the module's memory (the
 * shared one in the threads build).
 */
export type KernelExports = ReleaseExports;

/** The exported functions (what a Job may call). */
export type KernelFunctionName = {
  [K in keyof KernelExports]: KernelExports[K] extends (...args: never[]) => unknown ? K : never;
}[keyof KernelExports];
