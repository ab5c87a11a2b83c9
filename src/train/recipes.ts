// Named training presets ("recipes"): settings that together reproduce a
// published protocol. A recipe fills defaults only; every explicit option still
// wins. Model settings apply to the kinds that have them. Data only.

import type { TrainOptions } from "./options.js";

export interface Recipe {
  summary: string;
  /** Training settings the recipe sets. */
  train: Partial<TrainOptions>;
  /** Model settings by config key (applied to kinds that have the key). */
  model: Record<string, number | string>;
  /** What the recipe cannot change here and why (printed, documented). */
  notes: string[];
}

export const RECIPES = {
  default: { summary: "this project's defaults", train: {}, model: {}, notes: [] },
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
    notes: [
      "inputs are bytes / 255, the same 8-bit grid as the reference's fake quantisation to 8 bits over [0, 1]",
      "the reference's step counts range from 20k (batch 100) to 50k (batch 64); this recipe runs 50k at batch 64",
    ],
  },
} as const satisfies Record<string, Recipe>;

export type RecipeName = keyof typeof RECIPES;
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];
