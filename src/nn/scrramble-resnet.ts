// The ScRRAMBLe-ResNet (SCRRAMBLE.md section 5): a digital convolutional front end (resnet-front.ts),
// a fixed random projection (Glorot normal, not trained, regenerated from the init seed) to the input
// cores, then ScRRAMBLe layers as in the reference: relu and a layer norm after each hidden layer, the
// last layer's raw outputs as class capsules (margin loss, CIFAR-10) or into a dense classifier (softmax
// cross-entropy, CIFAR-100). Must not import data, sim or CLI code.

import { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { BatchNormMode } from "../ops/index.js";
import type { Routing } from "../routing/routing.js";
import { checkCoreGeometry, checkNetworkRoutings, networkRoutings } from "../routing/network.js";
import { checkFields, type Schema } from "../options.js";
import { parameter } from "./parameter.js";
import { CORE_INITS, fillTruncatedNormal, type CoreInit } from "./init.js";
import { scrrambleLayers, type ScrrambleLayer } from "./scrramble-layers.js";
import { ResnetFront } from "./resnet-front.js";
import type { BatchInput, Model, RoutedNetwork, StoredTensor, StoredTensors } from "./model.js";

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

/**
 * @example
 * const model = new ScrrambleResnet({ ...SCRRAMBLE_RESNET_DEFAULTS, ...SMALL_FRONT_END, inputChannels: 1 });
 * const { loss } = model.loss({ x, labels, training: true }); // x [B, 32 * 32 * 1]
 */
export class ScrrambleResnet implements Model {
  readonly kind = "scrramble-resnet";
  readonly config: ScrrambleResnetConfig;
  readonly inputSize: number;
  readonly classes: number;
  readonly front: ResnetFront;
  /** The fixed random projection [cores[0] N, projection inputs] (not trained). */
  readonly projection: Tensor;
  readonly layers: ScrrambleLayer[];
  readonly norms: { gamma: Tensor; beta: Tensor }[] = [];
  readonly classifier: { w: Tensor; b: Tensor } | null = null;

  /** Build from a config; `routings` (e.g. from a checkpoint) replace generation. Allocates: outside a step. */
  constructor(config: ScrrambleResnetConfig, routings?: Routing[]) {
    validateResnetConfig(config);
    const c = (this.config = {
      ...config,
      normInit: resolveNormInit(config),
      channels: [...config.channels],
      blocks: [...config.blocks],
      cores: [...config.cores],
    });
    const N = c.coreSize;
    this.inputSize = c.imageSize * c.imageSize * c.inputChannels;
    this.classes = c.classes;
    const rng = new Rng(c.initSeed);
    this.front = new ResnetFront(
      { inputChannels: c.inputChannels, ...frontEndSize(c), bn: c.bn, bnMomentum: c.bnMomentum },
      rng.fork("front"),
    );
    const P = projectionInputs(c),
      O = c.cores[0] * N;
    this.projection = Tensor.persistent([O, P], "projection");
    fillTruncatedNormal(this.projection, Math.sqrt(2 / (P + O)), rng.fork("projection"));
    const all = routings ?? networkRoutings(c);
    checkNetworkRoutings(all, c.cores, N / c.slotSize);
    this.layers = scrrambleLayers(c.cores, N, c.slotSize, all, c.init, rng.fork("head"), "head.layers.");
    if (c.headNorm !== "none") {
      for (let i = 0; i + 1 < this.layers.length; i++) {
        const gamma = parameter([c.cores[i + 1] * N], `head.norms.${i}.gamma`);
        gamma.data().fill(c.normInit === "core" ? 1 / Math.sqrt(N) : 1);
        this.norms.push({ gamma, beta: parameter([c.cores[i + 1] * N], `head.norms.${i}.beta`) });
      }
    }
    if (c.head === "dense") {
      const I = c.cores[c.cores.length - 1] * N;
      const w = parameter([c.classes, I], "head.classifier.weight");
      fillTruncatedNormal(w, 1 / Math.sqrt(I), rng.fork("classifier"));
      this.classifier = { w, b: parameter([c.classes], "head.classifier.bias") };
    }
  }

  routedNetwork(): RoutedNetwork {
    const { cores, coreSize, slotSize, p, routingSeed } = this.config;
    const { channels, blocks } = frontEndSize(this.config);
    return {
      cores: [...cores],
      coreSize,
      slotSize,
      p,
      routingSeed,
      routings: this.layers.map((l) => l.routing),
      digital:
        `convolutional front end (${channels.join("/")} channels, ${blocks.join("/")} blocks), ` +
        `fixed projection ${projectionInputs(this.config)} -> ${cores[0] * coreSize}` +
        `${this.norms.length ? ", layer norms" : ""}${this.classifier ? `, dense classifier -> ${this.classes}` : ""}`,
    };
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedParameters(): [string, Tensor][] {
    const out = this.front.namedParameters();
    this.layers.forEach((l, i) => out.push([`head.layers.${i}.weight`, l.weight]));
    for (const n of this.norms) out.push([n.gamma.name, n.gamma], [n.beta.name, n.beta]);
    if (this.classifier) out.push([this.classifier.w.name, this.classifier.w], [this.classifier.b.name, this.classifier.b]);
    return out;
  }

  /** Running statistics of the front end's batch norms (checkpoint state beside the routing). */
  storedTensors(): Record<string, StoredTensor> {
    return this.front.storedTensors();
  }

  /** Restore the running statistics from a checkpoint. */
  loadState(stored: StoredTensors): void {
    this.front.load(stored);
  }

  /** Evaluate with the running statistics or with each batch's own (the reference's behaviour); sets config.bnEval. */
  setEvalStatistics(s: "running" | "batch"): void {
    this.config.bnEval = s;
  }

  private mode(training: boolean): BatchNormMode {
    if (training) return "train";
    return this.config.bnEval === "batch" ? "batch" : "running";
  }

  /** The projection's output [B, cores[0] N]: the input cores of the ScRRAMBLe layers (digital part of the model). */
  features(x: Tensor, training = false): Tensor {
    const { imageSize: S, inputChannels: C } = this.config;
    const B = x.shape[0];
    if (x.size !== B * this.inputSize)
      throw new Error(`ScRRAMBLe-ResNet: input [${x.shape.join(", ")}] must be [B, ${this.inputSize}] (${S} x ${S} x ${C})`);
    const f = this.front.forward(ops.reshape(x, [B, S, S, C]), this.mode(training));
    return ops.linear(ops.reshape(f, [B, f.size / B]), this.projection);
  }

  /**
   * After ScRRAMBLe layer i's output y: for hidden layers relu and the layer norm in the configured order
   * (headNorm "layer": relu(norm(y)); "relu-layer": norm(relu(y)), the reference code's); the last layer's
   * raw output passes.
   */
  afterLayer(i: number, y: Tensor): Tensor {
    if (i + 1 === this.layers.length) return y;
    const n = this.norms[i];
    if (!n) return ops.relu(y);
    if (this.config.headNorm === "relu-layer") return ops.layerNorm(ops.relu(y), n.gamma, n.beta);
    return ops.relu(ops.layerNorm(y, n.gamma, n.beta));
  }

  /** The last ScRRAMBLe layer's outputs [B, lastCores N] (capsules, or the classifier's input). */
  forward(x: Tensor, training = false): Tensor {
    let h = this.features(x, training);
    this.layers.forEach((l, i) => (h = this.afterLayer(i, ops.scrrambleLayer(h, l.weight, l.buffers))));
    return h;
  }

  /** Training loss and class scores from the last layer's outputs v. */
  outputLoss(v: Tensor, labels: ArrayLike<number>): { loss: Tensor; scores: Tensor } {
    if (this.classifier) {
      const logits = ops.linear(v, this.classifier.w, this.classifier.b);
      return { loss: ops.softmaxCrossEntropy(logits, labels), scores: logits };
    }
    const { loss, lengths } = ops.capsuleMarginLoss(v, labels, this.classes);
    return { loss, scores: lengths };
  }

  /** Class scores from the last layer's outputs v: capsule lengths or logits. */
  outputScores(v: Tensor): Tensor {
    return this.classifier ? ops.linear(v, this.classifier.w, this.classifier.b) : ops.capsuleLengths(v, this.classes);
  }

  scores(x: Tensor): Tensor {
    return this.outputScores(this.forward(x));
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    return this.outputLoss(this.forward(batch.x, batch.training ?? false), batch.labels);
  }
}
