// Training settings: the options type, the defaults and one Field per key
// (type, range, help, flag) so that configs and command lines check alike.
// Data only.

import type { Schema } from "../options.js";
import { SHIFT_MODES, type ShiftMode } from "../pixels.js";

export const OPTIMIZERS = ["adamw", "adam", "sgd"] as const;
export const LR_SCHEDULES = ["cosine", "constant", "warmup-cosine"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  /**
   * cosine: lr (1 + cos(pi step / totalSteps)) / 2; constant: lr throughout; warmup-cosine: linear from
   * warmupStart lr to lrPeak lr over warmupSteps, then cosine to lrFinal at decaySteps (the paper's).
   */
  lrSchedule: (typeof LR_SCHEDULES)[number];
  warmupSteps: number;
  /** Warmup starts at this fraction of lr. */
  warmupStart: number;
  /** The warmup ends at this multiple of lr. */
  lrPeak: number;
  lrFinal: number;
  /** Steps from the start to the end of the cosine (0 = the run's total steps). */
  decaySteps: number;
  weightDecay: number;
  momentum: number;
  seed: number;
  /** Random shift augmentation per sample and epoch (pixels, 0 = off); what "auto" augmentation uses outside CIFAR. */
  shift: number;
  /** Shift mode of --shift and --shifted-copies: zero-fill translation or circular wrap. */
  shiftMode: ShiftMode;
  /** Shifted copies added to every training image before training (the reference: 4; 0 = none). */
  shiftedCopies: number;
  /** Largest shift of those copies, pixels (the reference: 3). */
  copyShift: number;
  /** Augmentation spec (data/augment.ts): auto, none, cifar10, cifar100, hflip, vflip, key=value entries. */
  augment: string;
  /** Evaluate on the held-out set every this many steps (0 = at epoch ends only). */
  evalEvery: number;
  /** Stop after this many steps (0 = run all epochs). */
  maxSteps: number;
}

export const TRAIN_DEFAULTS: TrainOptions = {
  epochs: 30,
  batchSize: 64,
  optimizer: "adamw",
  lr: 1e-3,
  lrSchedule: "cosine",
  warmupSteps: 1000,
  warmupStart: 0.1,
  lrPeak: 1.3,
  lrFinal: 1e-6,
  decaySteps: 0,
  weightDecay: 1e-4,
  momentum: 0.9,
  seed: 0,
  shift: 2,
  shiftMode: "zero",
  shiftedCopies: 0,
  copyShift: 3,
  augment: "auto",
  evalEvery: 0,
  maxSteps: 0,
};

export const TRAIN_FIELDS: Schema = {
  epochs: { type: "int", min: 1, arg: "N", help: "training epochs" },
  batchSize: { type: "int", min: 1, arg: "N", help: "mini-batch size" },
  optimizer: { type: "string", choices: OPTIMIZERS, arg: "O", help: OPTIMIZERS.join(" | ") },
  lr: { type: "number", min: 0, arg: "LR", help: "learning rate" },
  lrSchedule: {
    type: "string",
    choices: LR_SCHEDULES,
    arg: "S",
    help:
      `${LR_SCHEDULES.join(" | ")}: cosine decays to 0 over the run; ` +
      "warmup-cosine warms up, then decays to --lr-final at --decay-steps",
  },
  warmupSteps: { type: "int", min: 0, arg: "N", help: "warmup-cosine: steps of linear warmup" },
  warmupStart: { type: "number", min: 0, arg: "F", help: "warmup-cosine: the warmup starts at F x lr" },
  lrPeak: { type: "number", min: 0, arg: "F", help: "warmup-cosine: the warmup ends at F x lr" },
  lrFinal: { type: "number", min: 0, arg: "LR", help: "warmup-cosine: the learning rate at --decay-steps and after" },
  decaySteps: { type: "int", min: 0, arg: "N", help: "warmup-cosine: the step where the cosine ends (0 = the run's last step)" },
  weightDecay: { type: "number", min: 0, arg: "WD", help: "weight decay (decoupled for adamw)" },
  momentum: { type: "number", min: 0, max: 1, arg: "M", help: "SGD momentum" },
  shift: {
    type: "int",
    min: 0,
    arg: "K",
    help: "augmentation: random shift up to K pixels per sample and epoch (0 = off; what --augment auto does outside CIFAR)",
  },
  shiftMode: {
    type: "string",
    choices: SHIFT_MODES,
    arg: "M",
    help: "shift mode: zero (translate, fill with 0) | circular (wrap around, as the reference)",
  },
  shiftedCopies: { type: "int", min: 0, arg: "N", help: "augmentation: add N shifted copies of every training image (reference: 4)" },
  copyShift: { type: "int", min: 0, arg: "K", help: "largest shift of the --shifted-copies, pixels" },
  augment: {
    type: "string",
    arg: "SPEC",
    help:
      "augmentation, comma-separated: auto (the CIFAR-10 / CIFAR-100 recipe for that data, else --shift), none, cifar10, cifar100, " +
      "hflip, vflip, shift=K, rotate=TURN, zoom=F, brightness=D, contrast=F, erase=P (later entries override)",
  },
  evalEvery: { type: "int", min: 0, arg: "N", help: "evaluate every N steps (0 = each epoch end)" },
  maxSteps: { type: "int", min: 0, arg: "N", help: "stop after N steps (0 = all epochs)" },
  seed: { type: "int", arg: "N", help: "seed for routing, init, shuffling and augmentation" },
};
