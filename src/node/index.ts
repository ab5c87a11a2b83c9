// scrramble/node: the Node adapters of the library. Worker threads for the
// kernels, dataset folders, checkpoint files, atomic writes and training into
// a run folder. With src/cli/, the only code that imports node:*.

export { spawnNodeWorker } from "./threads.js";
export { loadBundledMnist, loadIdxDir, loadCifarDir, loadCifar, type IdxDirOptions } from "./data-files.js";
export { loadData, DATA_FIELDS, DATASETS, SPLITS, type DataOptions, type DataSplits } from "./data.js";
export { readCheckpoint, writeCheckpoint, checkpointPath } from "./checkpoint-file.js";
export { writeFileAtomic, readFileChecked, ensureFolder } from "./atomic.js";
export {
  trainRun,
  resumeRun,
  readStoredRun,
  runDescription,
  type RunEvents,
  type RunOptions,
  type RunResult,
  type RunInterrupted,
  type StoredRun,
} from "./run.js";
export { RUN_FILES, checkRunFolder, prepareRunFolder, removeStaleTempFiles, type RunFolderMode } from "./run-folder.js";
export { peakRssMb } from "./process.js";
export { runPosted, type SpawnWorker, type WorkerInit, type WorkerLike, type KernelCall } from "../wasm/pool.js";
