// Model and optimiser options of the CLI and their translation into configs.
// One table serves train (all options) and report/routing (model options only).

import { SCRRAMBLE_MLP_DEFAULTS, type ScrrambleMlpConfig } from "../nn/scrramble-mlp.js";
import { DENSE_BASELINE_DEFAULTS, type DenseBaselineConfig } from "../nn/dense-baseline.js";
import { CORE_INITS } from "../nn/init.js";
import { LR_SCHEDULES, OPTIMIZERS, TRAIN_DEFAULTS, type TrainOptions } from "../train/trainer.js";
import { choice, intList, num, type OptionTable, type Parsed } from "./args.js";

const d = SCRRAMBLE_MLP_DEFAULTS;
const t = TRAIN_DEFAULTS;

export const MODEL_KINDS = ["scrramble", "dense"] as const;

export const MODEL_OPTIONS: OptionTable = {
  model: { type: "string", arg: "KIND", default: "scrramble", help: `model: scrramble (capsule MLP) or dense (partial-sums baseline)` },
  cores: { type: "string", arg: "LIST", default: d.cores.join(","), help: "ScRRAMBLe cores per layer, input cores first" },
  "core-size": { type: "string", arg: "N", default: String(d.coreSize), help: "crossbar size N (N x N conductances per core)" },
  "slot-size": { type: "string", arg: "S", default: String(d.slotSize), help: "slot size s (must divide the core size)" },
  p: { type: "string", arg: "P", default: String(d.p), help: "connection probability of the routing, in [0, 1]" },
  activation: { type: "string", arg: "A", default: d.activation, help: "relu, or qrelu (the output ADC model)" },
  "adc-bits": { type: "string", arg: "B", default: String(d.adcBits), help: "ADC bits for --activation qrelu" },
  "adc-max": { type: "string", arg: "M", default: String(d.adcMax), help: "ADC full-scale value for --activation qrelu" },
  init: { type: "string", arg: "I", help: `core weight init: ${CORE_INITS.join(" | ")} (default: glorot5d; glorot-core with --activation qrelu, since the ADC floors glorot5d's tiny first activations to zero and no gradient flows)` },
  reconstruction: { type: "string", arg: "W", default: "0", help: "weight of the reconstruction head loss (0 = no head; the reference uses 1e-4)" },
  "routing-seed": { type: "string", arg: "N", help: "routing seed (default: --seed)" },
  "dense-sizes": { type: "string", arg: "LIST", default: DENSE_BASELINE_DEFAULTS.sizes.join(","), help: "dense baseline layer widths" },
  "group-size": { type: "string", arg: "N", default: String(DENSE_BASELINE_DEFAULTS.groupSize), help: "dense baseline outputs averaged per class" },
};

export const TRAIN_OPTIONS: OptionTable = {
  epochs: { type: "string", arg: "N", default: String(t.epochs), help: "training epochs" },
  "batch-size": { type: "string", arg: "N", default: String(t.batchSize), help: "mini-batch size" },
  optimizer: { type: "string", arg: "O", default: t.optimizer, help: OPTIMIZERS.join(" | ") },
  lr: { type: "string", arg: "LR", default: String(t.lr), help: "learning rate" },
  "lr-schedule": { type: "string", arg: "S", default: t.lrSchedule, help: LR_SCHEDULES.join(" | ") + " (cosine decays to 0 over the run)" },
  "weight-decay": { type: "string", arg: "WD", default: String(t.weightDecay), help: "weight decay (decoupled for adamw)" },
  momentum: { type: "string", arg: "M", default: String(t.momentum), help: "SGD momentum" },
  shift: { type: "string", arg: "K", default: String(t.shift), help: "augmentation: random circular shift up to K pixels (0 = off)" },
  "eval-every": { type: "string", arg: "N", default: String(t.evalEvery), help: "evaluate every N steps (0 = each epoch end)" },
  "max-steps": { type: "string", arg: "N", default: String(t.maxSteps), help: "stop after N steps (0 = all epochs)" },
  seed: { type: "string", arg: "N", default: String(t.seed), help: "seed for routing, init, shuffling and augmentation" },
};

export function modelConfig(v: Parsed, classes: number): { kind: "scrramble"; config: ScrrambleMlpConfig } | { kind: "dense"; config: DenseBaselineConfig } {
  const kind = choice(v, "model", MODEL_KINDS);
  const seed = num(v, "seed", { int: true });
  if (kind === "dense") {
    return { kind, config: { sizes: intList(v, "dense-sizes"), classes, groupSize: num(v, "group-size", { int: true, min: 1 }), initSeed: seed } };
  }
  const config: ScrrambleMlpConfig = {
    cores: intList(v, "cores"),
    coreSize: num(v, "core-size", { int: true, min: 1 }),
    slotSize: num(v, "slot-size", { int: true, min: 1 }),
    p: num(v, "p", { min: 0, max: 1 }),
    activation: choice(v, "activation", ["relu", "qrelu"] as const),
    adcBits: num(v, "adc-bits", { int: true, min: 1, max: 24 }),
    adcMax: num(v, "adc-max"),
    classes,
    init: v.init === undefined ? (v.activation === "qrelu" ? "glorot-core" : "glorot5d") : choice(v, "init", CORE_INITS),
    routingSeed: v["routing-seed"] !== undefined ? num(v, "routing-seed", { int: true }) : seed,
    initSeed: seed,
    reconstruction: num(v, "reconstruction", { min: 0 }),
    reconstructionSize: 784,
  };
  return { kind, config };
}

export function trainOptions(v: Parsed): TrainOptions {
  return {
    epochs: num(v, "epochs", { int: true, min: 1 }),
    batchSize: num(v, "batch-size", { int: true, min: 1 }),
    optimizer: choice(v, "optimizer", OPTIMIZERS),
    lr: num(v, "lr", { min: 0 }),
    lrSchedule: choice(v, "lr-schedule", LR_SCHEDULES),
    weightDecay: num(v, "weight-decay", { min: 0 }),
    momentum: num(v, "momentum", { min: 0, max: 1 }),
    seed: num(v, "seed", { int: true }),
    shift: num(v, "shift", { int: true, min: 0 }),
    evalEvery: num(v, "eval-every", { int: true, min: 0 }),
    maxSteps: num(v, "max-steps", { int: true, min: 0 }),
  };
}
