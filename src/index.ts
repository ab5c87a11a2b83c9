// The full library: engine, tensors, autograd, ops, optimisers, RNG, data,
// routing, models, simulation, accounting, sweeps and checkpoints. Runs
// unchanged in Node, Deno, Bun and browsers: no node:* imports anywhere below
// this file (the Node adapters are scrramble/node). Forward-only: ./infer.js.

export { engine, initEngine, engineReady, endStep, freeAll, type Engine, type EngineOptions } from "./engine.js";
export { Tensor, sizeOf, type Shape } from "./tensor.js";
export { noGrad, tapeLength } from "./autograd/tape.js";
export { backward } from "./autograd/backward.js";
export * as ops from "./ops/index.js";
export { gemm, type GemmForm } from "./gemm.js";
export { OptionError, checkFields, readFields, parseField, flagOf, type Field, type Schema, type OptionValues } from "./options.js";
export { parameter } from "./nn/parameter.js";
export { Optimizer, type OptimizerState } from "./optim/optimizer.js";
export { Adam, AdamW, type AdamOptions } from "./optim/adam.js";
export { SGD, type SgdOptions } from "./optim/sgd.js";
export { Rng, detLog, hashString, type RngState } from "./rng.js";
export { loadKernels, relaxedSimdSupported, type LoadOptions, type SimdVariant } from "./wasm/load.js";
export { spawnWebWorker, sharedMemoryUnavailable } from "./wasm/web-workers.js";
export {
  runPosted,
  startWorker,
  canBlock,
  KernelPool,
  type SpawnWorker,
  type WorkerInit,
  type WorkerLike,
  type KernelCall,
} from "./wasm/pool.js";
export { modelKinds, modelEntry, modelEntries, modelConfig, createModel, checkStoredConfig, type ModelEntry } from "./nn/registry.js";
export {
  ScrrambleMlp,
  SCRRAMBLE_MLP_DEFAULTS,
  SCRRAMBLE_MLP_FIELDS,
  validateScrrambleConfig,
  resolveCoreInit,
  type ScrrambleMlpConfig,
} from "./nn/scrramble-mlp.js";
export {
  DenseBaseline,
  DENSE_BASELINE_DEFAULTS,
  DENSE_BASELINE_FIELDS,
  validateDenseConfig,
  type DenseBaselineConfig,
} from "./nn/dense-baseline.js";
export { argmaxRows, type Model, type BatchInput, type ModelContext, type RoutedNetwork, type StoredTensor } from "./nn/model.js";
export { CORE_INITS, coreInitStd, type CoreInit } from "./nn/init.js";
export {
  ScrrambleResnet,
  SCRRAMBLE_RESNET_DEFAULTS,
  SCRRAMBLE_RESNET_FIELDS,
  CIFAR100_HEAD,
  SMALL_FRONT_END,
  validateResnetConfig,
  frontEndSize,
  projectionInputs,
  type ScrrambleResnetConfig,
} from "./nn/scrramble-resnet.js";
export { ResnetFront, type FrontEndShape } from "./nn/resnet-front.js";
export { BatchNorm } from "./nn/batch-norm.js";
export { scrrambleLayers, type ScrrambleLayer } from "./nn/scrramble-layers.js";
export { generateRouting, routingFromArrays, transposeRouting, type Routing } from "./routing/routing.js";
export { networkRoutings, layerRoutingSeed, checkCoreGeometry, type NetworkRoutingOptions } from "./routing/network.js";
export { routingStats, expectedPositiveRoutes, type RoutingStats } from "./routing/stats.js";
export { routingSvg } from "./routing/svg.js";
export type { Dataset } from "./data/dataset.js";
export { subset, splitValidation, classCounts } from "./data/dataset.js";
export { parseIdx, maybeGunzip, idxToDataset } from "./data/idx.js";
export { parseCifar, cifarFromTar, CIFAR_FILES } from "./data/cifar.js";
export { parseTar, tarMember, type TarEntry } from "./data/tar.js";
export { parseAugmentation, augmentImage, AUGMENT_PRESETS, NO_AUGMENTATION, type AugmentPolicy } from "./data/augment.js";
export { bundledMnistFromDigits, parseDigitJson, DigitJsonParser } from "./data/mnist-bundled.js";
export { resizeNearest, shiftCircular, shiftZero, shiftImage, SHIFT_MODES, type ShiftMode } from "./pixels.js";
export { expandShifted } from "./data/transforms.js";
export { DataLoader, type DataLoaderOptions, type Batch, type LoaderPosition, type EpochIterator } from "./data/loader.js";
export {
  trainModel,
  trainingSet,
  Trainer,
  TrainingDiverged,
  checkTrainable,
  stepMemory,
  learningRateAt,
  scheduledRate,
  makeOptimizer,
  type StepInfo,
  type EvalInfo,
  type TrainEvents,
  type TrainTiming,
  type TrainingState,
  type StepMemory,
} from "./train/trainer.js";
export { trainingStateParts, loadTrainingState, type TrainingStateInfo } from "./io/training-state.js";
export { evaluate, evalLoader, inputResize, type EvalResult } from "./train/evaluate.js";
export { TRAIN_DEFAULTS, TRAIN_FIELDS, OPTIMIZERS, LR_SCHEDULES, type TrainOptions, type OptimizerName } from "./train/options.js";
export { RECIPES, RECIPE_NAMES, type Recipe, type RecipeName } from "./train/recipes.js";
export { CROSSBAR_DEFAULTS, CROSSBAR_FIELDS, checkCrossbarOptions, type CrossbarOptions } from "./sim/options.js";
export { crossbarFor, hasCrossbar, type SimulatorOptions } from "./sim/simulators.js";
export { SimulatedHardware } from "./sim/sim-base.js";
export { ScrrambleCrossbar } from "./sim/crossbar.js";
export { DenseCrossbar } from "./sim/crossbar-dense.js";
export { ResnetCrossbar } from "./sim/crossbar-resnet.js";
export { CrossbarStack } from "./sim/crossbar-stack.js";
export { calibrationBatches } from "./sim/calibration.js";
export { MAPPINGS, type Mapping } from "./sim/mapping.js";
export { LEVEL_SPACINGS, conductanceLevels, type DeviceOptions } from "./sim/devices.js";
export { ACCOUNTING_DEFAULTS, type AccountingParams, type NetworkAccount } from "./sim/accounting.js";
export { hardwareReport, reportMarkdown, type HardwareReport, type ReportInput } from "./sim/report.js";
export {
  hardwareSweep,
  trainingSweep,
  runSweep,
  hardwareRunner,
  trainingRunner,
  type SweepPoint,
  type SweepSeries,
  type HardwareKnob,
  type TaskRunner,
} from "./sim/sweep.js";
export {
  planTasks,
  shardTasks,
  parseShard,
  aggregate,
  planFingerprint,
  pointRecord,
  checkPointRecord,
  combineRecords,
  contentDigest,
  type SweepPlan,
  type SweepTask,
  type TaskResult,
  type PointRecord,
  type SweepBuild,
  type FigureSpec,
} from "./sim/sweep-plan.js";
export { sweepFiles, sweepCsv, runsCsv, sweepSvg, type SweepData } from "./sim/sweep-figures.js";
export {
  trainingPlan,
  taskSetup,
  modelFigures,
  equalNeuronSizes,
  equalParamSizes,
  denseParams,
  TRAINING_SWEEPS,
  SEED_VARY,
  type TrainingSweepSpec,
  type TrainingSweepKind,
  type SeedVary,
} from "./sim/sweep-training.js";
export {
  overheadModel,
  overheadGrid,
  overheadContourSvg,
  addressBits,
  overheadFraction,
  OVERHEAD_DEFAULTS,
  type OverheadModel,
  type OverheadOptions,
} from "./sim/overhead.js";
export { PARTIAL_SUM_ADCS, type PartialSumAdc } from "./sim/options.js";
export { VERSION } from "./version.js";
export { meanStd } from "./sim/stats.js";
export { encodeSafetensors, decodeSafetensors, expectTensor } from "./io/safetensors.js";
export {
  saveCheckpoint,
  loadCheckpoint,
  checkpointParts,
  CHECKPOINT_VERSION,
  type CheckpointOptions,
  type LoadedCheckpoint,
} from "./io/checkpoint.js";
export { lineChartSvg } from "./plot/svg.js";
export { heatmapSvg } from "./plot/heatmap.js";
export { boxPlotSvg, boxStats } from "./plot/boxplot.js";
export { curvesSvg } from "./plot/curves.js";
export { predict, predictBatch, loadModel, modelInputs, prepareInference, type ImageGeometry, type Predictions } from "./infer.js";
export {
  bundleOf,
  bundleOfPlan,
  checkBundleOptions,
  BUNDLE_DEFAULTS,
  WEIGHT_FORMATS,
  type Bundle,
  type BundleOptions,
} from "./deploy/bundle.js";
export { bundleAccuracy, type Predictor } from "./deploy/accuracy.js";
export { crossbarFiles, loadCrossbarFiles, CROSSBAR_FILES, CROSSBAR_FORMAT, type CrossbarManifest } from "./deploy/crossbar-files.js";
export { quantizeRowsInt8, quantizeRowsLevels } from "./deploy/quantize.js";
export { forwardPlan } from "./nn/registry.js";
export { squareInput, type ForwardPlan, type PlanStep } from "./nn/plan.js";
