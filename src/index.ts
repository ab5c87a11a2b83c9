// The full library: engine, tensors, autograd, ops, optimisers, RNG, data,
// routing, models and checkpoints. Runs unchanged in Node, Deno, Bun and
// browsers (no node:* imports anywhere below this file; the CLI has those).

export { engine, initEngine, endStep, type Engine } from "./engine.js";
export { Tensor, sizeOf, type Shape } from "./tensor.js";
export { backward, noGrad, tapeLength } from "./autograd/tape.js";
export * as ops from "./ops/index.js";
export { parameter } from "./nn/parameter.js";
export { Optimizer } from "./optim/optimizer.js";
export { Adam, AdamW, type AdamOptions } from "./optim/adam.js";
export { SGD, type SgdOptions } from "./optim/sgd.js";
export { Rng, detLog, hashString } from "./rng.js";
export { loadKernels, relaxedSimdSupported, type LoadOptions, type SimdVariant } from "./wasm/load.js";
