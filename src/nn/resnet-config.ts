// The ScRRAMBLe-ResNet's settings: the config type, the defaults (the paper's CIFAR-10 model), the
// CIFAR-100 head and the small front end as presets, one Field per key, validation and the derived
// sizes (front-end channels and blocks, projection inputs). Data and checks only; the model is
// scrramble-resnet.ts.

import { checkCoreGeometry } from "../routing/network.js";
import { checkFields, type Schema } from "../options.js";
import { CORE_INITS, type CoreInit } from "./init.js";

export interface ScrrambleResnetConfig {
  /** Image side the model sees (inputs of another size are resized, nearest); divisible by 2^stages. */
  imageSize: number;
  inputChannels: number;
  /** Channels per stage at width 1. */
  channels: number[];
  /** Residual blocks per stage at depth 1. */
  blocks: number[];
  /** Channel multiplier: a stage has max(4, round(channels * width)) channels. */
  width: number;
  /** Depth multiplier: a stage has max(1, round(blocks * depth)) blocks. */
  depth: number;
  bn: "separate" | "shared";
  /** Statistics that normalise at evaluation: "running" averages, or each evaluation batch's own (the reference's behaviour). */
  bnEval: "running" | "batch";
  bnMomentum: number;
  /** Cores per ScRRAMBLe layer, the projection's output cores first. */
  cores: number[];
  coreSize: number;
  slotSize: number;
  p: number;
  head: "capsule" | "dense";
  /**
   * After each hidden ScRRAMBLe layer: "relu-layer" = relu then layer norm (the reference code);
   * "layer" = layer norm then relu; "none" = relu.
   */
  headNorm: "layer" | "relu-layer" | "none";
  /**
   * Initial layer-norm scale: "unit" = 1 (the reference's); "core" = 1 / sqrt(core size), so that the next
   * layer's capsules start near unit length instead of saturating the squash; "auto" = core for the
   * capsule head, unit for the dense one.
   */
  normInit: "auto" | "unit" | "core";
  init: CoreInit;
  classes: number;
  routingSeed: number;
  initSeed: number;
}

export const SCRRAMBLE_RESNET_DEFAULTS: ScrrambleResnetConfig = {
  imageSize: 32,
  inputChannels: 3,
  channels: [64, 128, 256],
  blocks: [3, 4, 6],
  width: 1,
  depth: 1,
  bn: "separate",
  bnEval: "running",
  bnMomentum: 0.1,
  cores: [8, 50, 10],
  coreSize: 256,
  slotSize: 16,
  p: 0.2,
  head: "capsule",
  headNorm: "relu-layer",
  normInit: "auto",
  init: "glorot5d",
  classes: 10,
  routingSeed: 0,
  initSeed: 0,
};

/** The CIFAR-100 head of the paper: 8 -> 20 -> 10 cores, p 0.75, a dense 2560 -> 100 classifier. */
export const CIFAR100_HEAD: Pick<ScrrambleResnetConfig, "cores" | "p" | "head"> = { cores: [8, 20, 10], p: 0.75, head: "dense" };

/** The documented small configuration (fits a CPU): 16/32/64 channels, 1/1/2 blocks. */
export const SMALL_FRONT_END = { width: 0.25, depth: 0.34 } as const;

export const SCRRAMBLE_RESNET_FIELDS: Schema = {
  imageSize: { type: "int", min: 2, arg: "N", help: "image side the model sees (other sizes are resized, nearest); divisible by 2^stages" },
  inputChannels: { type: "int", min: 1, internal: true, help: "input channels (from the data)" },
  channels: { type: "ints", min: 1, arg: "LIST", help: "front end: channels per stage at --width 1" },
  blocks: { type: "ints", min: 1, arg: "LIST", help: "front end: residual blocks per stage at --depth 1" },
  width: {
    type: "number",
    min: 0.01,
    arg: "W",
    help: "channel multiplier: max(4, round(channels * W)) per stage",
    defaultHelp: "1 (full size) for 3-channel data such as CIFAR, 0.25 for 1-channel data such as the digits",
  },
  depth: {
    type: "number",
    min: 0.01,
    arg: "D",
    help: "depth multiplier: max(1, round(blocks * D)) per stage",
    defaultHelp: "1 for 3-channel data, 0.34 for 1-channel data",
  },
  bn: {
    type: "string",
    choices: ["separate", "shared"],
    arg: "B",
    help: "separate: a batch norm of its own at each place of a block; shared: the reference's one module at both (see docs/resnet.md)",
  },
  bnEval: {
    type: "string",
    choices: ["running", "batch"],
    arg: "S",
    help: "batch-norm statistics at evaluation: running averages, or each evaluation batch's own (what the reference does)",
  },
  bnMomentum: { type: "number", min: 0, max: 1, arg: "M", help: "weight of a new batch in the running statistics (PyTorch's momentum)" },
  cores: { type: "ints", min: 1, minLength: 2, arg: "LIST", help: "ScRRAMBLe cores per layer, the projection's output cores first" },
  coreSize: { type: "int", min: 1, arg: "N", help: "crossbar size N (N x N conductances per core)" },
  slotSize: { type: "int", min: 1, arg: "S", help: "slot size s (must divide the core size)" },
  p: { type: "number", min: 0, max: 1, arg: "P", help: "connection probability of the routing" },
  head: {
    type: "string",
    choices: ["capsule", "dense"],
    arg: "H",
    help: "capsule: the last layer's cores are class capsules (margin loss); dense: a dense classifier (softmax cross-entropy)",
    defaultHelp: "capsule; dense with 100 classes",
  },
  headNorm: {
    type: "string",
    choices: ["relu-layer", "layer", "none"],
    arg: "N",
    help:
      "after each hidden ScRRAMBLe layer: relu-layer = relu then layer norm (the reference code); " +
      "layer = layer norm then relu; none = relu",
  },
  normInit: {
    type: "string",
    choices: ["auto", "unit", "core"],
    arg: "I",
    help:
      "initial layer-norm scale: unit = 1 (the reference's), core = 1/sqrt(core size) (capsules start unsaturated); " +
      "auto = core with capsules, unit with a dense classifier",
  },
  init: { type: "string", choices: [...CORE_INITS], arg: "I", help: "ScRRAMBLe core weight init" },
  classes: { type: "int", min: 2, max: 256, internal: true, help: "classes (from the data)" },
  routingSeed: { type: "int", arg: "N", help: "routing seed", defaultHelp: "--seed" },
  initSeed: { type: "int", internal: true, help: "init and projection seed (the run's --seed)" },
};

/** The initial layer-norm scale an "auto" config gets: 1 / sqrt(N) before class capsules, else 1. */
export function resolveNormInit(c: Pick<ScrrambleResnetConfig, "normInit" | "head">): "unit" | "core" {
  if (c.normInit !== "auto") return c.normInit;
  return c.head === "capsule" ? "core" : "unit";
}

/** Channels and blocks per stage after the width and depth multipliers. */
export function frontEndSize(c: Pick<ScrrambleResnetConfig, "channels" | "blocks" | "width" | "depth">): {
  channels: number[];
  blocks: number[];
} {
  return {
    channels: c.channels.map((n) => Math.max(4, Math.round(n * c.width))),
    blocks: c.blocks.map((n) => Math.max(1, Math.round(n * c.depth))),
  };
}

/** Inputs of the fixed projection: the front end's output (side / 2^stages)^2 x last channels. */
export function projectionInputs(c: ScrrambleResnetConfig): number {
  const { channels } = frontEndSize(c);
  const side = c.imageSize / 2 ** channels.length;
  return side * side * channels[channels.length - 1];
}

/** Check a configuration; every message names the key that is wrong and why. */
export function validateResnetConfig(c: ScrrambleResnetConfig, where = "ScRRAMBLe-ResNet config"): void {
  checkFields(SCRRAMBLE_RESNET_FIELDS, c, where);
  if (c.channels.length !== c.blocks.length)
    throw new Error(`channels [${c.channels.join(", ")}] and blocks [${c.blocks.join(", ")}] must name the same number of stages`);
  const stages = c.channels.length;
  if (c.imageSize % 2 ** stages !== 0)
    throw new Error(`image size ${c.imageSize} is not divisible by 2^${stages} (one 2 x 2 pooling per stage)`);
  checkCoreGeometry(c);
  const last = c.cores[c.cores.length - 1] * c.coreSize;
  if (c.head === "capsule" && last % c.classes !== 0)
    throw new Error(`the last layer's ${last} outputs do not split into ${c.classes} class capsules`);
}
