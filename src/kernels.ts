/**
 * misalign/kernels: the WebAssembly compute core for users who build their
 * own models on it (docs/performance.md): loading it, its memory arena and
 * helper threads, and one binding per kernel family, each with the plain
 * TypeScript reference the tests compare it with.
 */
export { Kernels, DEFAULT_WASM_URL, DEFAULT_THREADS_WASM_URL, type KernelsOptions } from './kernels/module.js';
export { Arena, F32Buffer } from './kernels/arena.js';
export { ThreadPool, threadsAvailable } from './kernels/threads.js';
export { leakyReluForward, leakyReluBackward, biasAdd, columnSums } from './kernels/activations.js';
export { gemm, type GemmArgs } from './kernels/gemm.js';
export { LpSimclr, type LpSimclrOptions, type LpSimclrGradBuffers, type LpSimclrLosses } from './kernels/lpsimclr.js';
export { InfoNce, type InfoNceForm, type InfoNceOptions } from './kernels/infonce.js';
export { Adam, clipGradNorm, type AdamOptions } from './kernels/optim.js';
export { Conv2d, convOutSize, type Conv2dShape } from './kernels/conv.js';
export { ObservationSampler, type SamplerWorld } from './kernels/sampler.js';
