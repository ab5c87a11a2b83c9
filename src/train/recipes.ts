// Named training presets ("recipes"): settings that together reproduce a
// published protocol. A recipe fills defaults only; every explicit option still
// wins. Model settings apply to the kinds that have them; data settings fill the
// data options (e.g. the split). Data only.

import type { TrainOptions } from "./options.js";

export interface Recipe {
  summary: string;
  /** Training settings the recipe sets. */
  train: Partial<TrainOptions>;
  /** Model settings by config key (applied to kinds that have the key). */
  model: Record<string, number | string>;
  /** Data settings by key of the data options (e.g. the split). */
  data: Record<string, string>;
  /** What the recipe cannot change here and why (printed, documented). */
  notes: string[];
}

export const RECIPES = {
  default: { summary: "this project's defaults", train: {}, model: {}, data: {}, notes: [] },
  reference: {
    summary:
      "the authors' MNIST protocol: AdamW lr 1e-4 constant, reconstruction head 1e-4, 4 circular shifted copies of +-3 px, 50k steps",
    train: {
      optimizer: "adamw",
      lr: 1e-4,
      lrSchedule: "constant",
      weightDecay: 1e-4,
      batchSize: 64,
      shift: 0,
      shiftMode: "circular",
      shiftedCopies: 4,
      copyShift: 3,
      maxSteps: 50000,
      epochs: 100000,
      evalEvery: 1000,
    },
    model: { reconstruction: 1e-4 },
    data: {},
    notes: [
      "inputs are bytes / 255, the same 8-bit grid as the reference's fake quantisation to 8 bits over [0, 1]",
      "the reference's step counts range from 20k (batch 100) to 50k (batch 64); this recipe runs 50k at batch 64",
    ],
  },
  paper: {
    summary:
      "the paper's CIFAR protocol (SCRRAMBLE.md section 5): AdamW lr 3e-4, wd 1e-4, batch 64, warmup-cosine " +
      "(lr/10 -> 1.3 lr over 1k steps, cosine to 1e-6 at 50k), 50k steps, the dataset's augmentation, --split reference",
    train: {
      optimizer: "adamw",
      lr: 3e-4,
      weightDecay: 1e-4,
      batchSize: 64,
      lrSchedule: "warmup-cosine",
      warmupSteps: 1000,
      warmupStart: 0.1,
      lrPeak: 1.3,
      lrFinal: 1e-6,
      decaySteps: 50000,
      maxSteps: 50000,
      epochs: 1000,
      augment: "auto",
      evalEvery: 1000,
    },
    model: {},
    data: { split: "reference" },
    notes: ["the reference validates on the first half of the test set and reports on the second half (--split reference)"],
  },
} as const satisfies Record<string, Recipe>;

export type RecipeName = keyof typeof RECIPES;
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];
