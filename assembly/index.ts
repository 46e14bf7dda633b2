// misalign compute core: the WebAssembly entry point.
//
// Every kernel works on raw f32 buffers that TypeScript places in this
// module's linear memory (src/kernels/arena.ts) and passes by byte offset, so
// no allocation happens inside the module and nothing is copied per call.
// One kernel family per file, each checked against a plain reference by the
// tests: activations, gemm, grouped, infonce, lpsimclr, optim and conv
// against src/kernels/reference/; probebank (the probes' grouped MLPs)
// against a probe bank built of the gemm and activation kernels
// (test/probe-bank.test.ts); sampler (drawing and mixing a batch on the core)
// against the TypeScript DataGenerator (test/sampler.test.ts); vecmath's
// expBatch against Math.exp (test/kernels-optim.test.ts); c3drender (the Causal3DIdent
// stand-in's pixel loop) against src/scenes/causal3d-render.ts, byte for byte. fma holds the multiply-add both
// builds share: plain (SIMD128) or fused (relaxed SIMD), see fma.ts.

export { heapBase } from "./memory";
export { fusedMultiplyAdd } from "./fma";
export {
  leakyReluForward,
  leakyReluBackward,
  biasAdd,
  columnSums,
} from "./activations";
export { gemm, gemmWorkspaceFloats } from "./gemm";
export { expBatch } from "./vecmath";
export { lpsimclrRows, lpsimclrWorkFloats } from "./lpsimclr";
export { lossGemmColNorms, lossGemmSoftmax, lossGemmFinish } from "./lossgemm";
export { infonce, infonceWorkFloats } from "./infonce";
export { sumSquares, scale, addInto, adamStep } from "./optim";
export { groupedForward, groupedBackward, squaredErrorGrad } from "./grouped";
export { probeBankForward4, probeBankGrad4, probeBankBackward4 } from "./probebank";
export { sampleObservations, samplerWorkBytes, samplerLn } from "./sampler";
export { im2col, col2im, sparseConvForward, sparseConvFilterGrad, convDirectFits, padImage, convDirectForward, convDirectFilterGrad } from "./conv";
export { renderC3dBatch } from "./c3drender";
