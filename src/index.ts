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
export { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS, validateScrrambleConfig, layerRoutingSeed, type ScrrambleMlpConfig } from "./nn/scrramble-mlp.js";
export { DenseBaseline, DENSE_BASELINE_DEFAULTS, type DenseBaselineConfig } from "./nn/dense-baseline.js";
export { argmaxRows, type Model, type BatchInput } from "./nn/model.js";
export { CORE_INITS, coreInitStd, type CoreInit } from "./nn/init.js";
export { generateRouting, routingFromArrays, transposeRouting, type Routing } from "./routing/routing.js";
export { routingStats, expectedPositiveRoutes, type RoutingStats } from "./routing/stats.js";
export { routingSvg } from "./routing/svg.js";
export type { Dataset } from "./data/dataset.js";
export { subset, splitValidation, classCounts } from "./data/dataset.js";
export { parseIdx, maybeGunzip, idxToDataset } from "./data/idx.js";
export { parseCifar } from "./data/cifar.js";
export { bundledMnistFromDigits, parseDigitJson } from "./data/mnist-bundled.js";
export { resizeNearest, shiftCircular, expandShifted } from "./data/transforms.js";
export { DataLoader, type DataLoaderOptions, type Batch } from "./data/loader.js";
export { trainModel, evaluate, evalLoader, TRAIN_DEFAULTS, type TrainOptions, type EvalResult } from "./train/trainer.js";
export { encodeSafetensors, decodeSafetensors, expectTensor } from "./io/safetensors.js";
export { saveCheckpoint, loadCheckpoint } from "./io/checkpoint.js";
export { lineChartSvg } from "./plot/svg.js";
