// misalign compute core: the WebAssembly entry point.
//
// Every kernel works on raw f32 buffers that TypeScript places in this
// module's linear memory (src/kernels/arena.ts) and passes by byte offset, so
// no allocation happens inside the module and nothing is copied per call.
// One kernel family per file; each has a plain TypeScript reference in
// src/kernels/reference/ that the tests compare it with.

export { heapBase } from "./memory";
export {
  leakyReluForward,
  leakyReluBackward,
  biasAdd,
  columnSums,
} from "./activations";
export { gemm, gemmWorkspaceFloats } from "./gemm";
export { expBatch } from "./vecmath";
export { lpsimclrRows, lpsimclrWorkFloats } from "./lpsimclr";
export { infonce, infonceWorkFloats } from "./infonce";
export { sumSquares, scale, addInto, adamStep } from "./optim";
export { groupedForward, groupedBackward, squaredErrorGrad } from "./grouped";
export { probeBankForward4, probeBankGrad4, probeBankBackward4 } from "./probebank";
export { sampleObservations, samplerWorkBytes, samplerLn } from "./sampler";
export { im2col, col2im, sparseConvForward, sparseConvFilterGrad } from "./conv";
