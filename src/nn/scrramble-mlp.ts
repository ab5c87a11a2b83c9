// The ScRRAMBLe capsule MLP (SCRRAMBLE.md section 4): input cores -> ScRRAMBLe
// layers with random input-balanced slot routing -> class capsules, squash and
// margin loss, optional reconstruction head. Builds its routing and weights from
// seeds; must not import data, sim or CLI code.

import { hashString, Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import { uploadRouting, type RoutingBuffers } from "../ops/routing-buffers.js";
import { generateRouting, type Routing } from "../routing/routing.js";
import { parameter } from "./parameter.js";
import { CORE_INITS, coreInitStd, fillGlorotUniform, fillTruncatedNormal, type CoreInit } from "./init.js";
import type { BatchInput, Model } from "./model.js";

export interface ScrrambleMlpConfig {
  /** Cores per layer, input cores first, e.g. [4, 50, 10]. */
  cores: number[];
  coreSize: number;
  slotSize: number;
  /** Connection probability p of every routing. */
  p: number;
  activation: "relu" | "qrelu";
  adcBits: number;
  adcMax: number;
  classes: number;
  init: CoreInit;
  routingSeed: number;
  initSeed: number;
  /** Reconstruction head weight (0 = no head). */
  reconstruction: number;
  /** Pixels of the image the head reconstructs (784 for 28 x 28). */
  reconstructionSize: number;
}

export const SCRRAMBLE_MLP_DEFAULTS: ScrrambleMlpConfig = {
  cores: [4, 50, 10],
  coreSize: 256,
  slotSize: 64,
  p: 0.2,
  activation: "relu",
  adcBits: 4,
  adcMax: 1,
  classes: 10,
  init: "glorot5d",
  routingSeed: 0,
  initSeed: 0,
  reconstruction: 0,
  reconstructionSize: 784,
};

/** Check a configuration; every message says which option is wrong and why. */
export function validateScrrambleConfig(c: ScrrambleMlpConfig): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got ${v}`);
  };
  int("core size", c.coreSize, 1);
  int("slot size", c.slotSize, 1);
  if (c.coreSize % c.slotSize !== 0) throw new Error(`slot size ${c.slotSize} does not divide core size ${c.coreSize}`);
  if (c.cores.length < 2) throw new Error(`cores needs at least two entries (input cores, then each layer), got [${c.cores.join(", ")}]`);
  c.cores.forEach((n, i) => int(`cores[${i}]`, n, 1));
  if (!(c.p >= 0 && c.p <= 1)) throw new Error(`connection probability p must be in [0, 1], got ${c.p}`);
  int("classes", c.classes, 2);
  const outputs = c.cores[c.cores.length - 1] * c.coreSize;
  if (outputs % c.classes !== 0) throw new Error(`the last layer's ${outputs} outputs do not split into ${c.classes} class capsules`);
  if (c.activation !== "relu" && c.activation !== "qrelu") throw new Error(`activation must be relu or qrelu, got ${c.activation}`);
  if (c.activation === "qrelu") {
    int("ADC bits", c.adcBits, 1);
    if (!(c.adcMax > 0)) throw new Error(`ADC max must be > 0, got ${c.adcMax}`);
  }
  if (!CORE_INITS.includes(c.init)) throw new Error(`init must be one of ${CORE_INITS.join(", ")}, got ${c.init}`);
  if (!(c.reconstruction >= 0)) throw new Error(`reconstruction weight must be >= 0, got ${c.reconstruction}`);
}

/** Seed of layer i's routing, derived from the routing seed. */
export function layerRoutingSeed(routingSeed: number, layer: number): number {
  return hashString(`routing:${routingSeed}:${layer}`);
}

export interface ScrrambleLayer {
  routing: Routing;
  buffers: RoutingBuffers;
  weight: Tensor;
}

/**
 * @example
 * const model = new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, routingSeed: 1 });
 * const { loss } = model.loss({ x, labels });
 */
export class ScrrambleMlp implements Model {
  readonly kind = "scrramble-mlp";
  readonly config: ScrrambleMlpConfig & Record<string, unknown>;
  readonly layers: ScrrambleLayer[] = [];
  readonly head: { w: Tensor; b: Tensor }[] = [];
  readonly inputSize: number;
  readonly classes: number;

  /** Build from a config; `routings` (e.g. from a checkpoint) replaces generation. */
  constructor(config: ScrrambleMlpConfig, routings?: Routing[]) {
    validateScrrambleConfig(config);
    this.config = { ...config };
    const { cores, coreSize: N, slotSize: S } = config;
    const K = N / S;
    this.inputSize = cores[0] * N;
    this.classes = config.classes;
    const rng = new Rng(config.initSeed).fork("init");
    for (let i = 1; i < cores.length; i++) {
      const routing = routings?.[i - 1] ?? generateRouting({ srcCores: cores[i - 1], dstCores: cores[i], slotsPerCore: K, p: config.p, seed: layerRoutingSeed(config.routingSeed, i) });
      if (routing.srcCores !== cores[i - 1] || routing.dstCores !== cores[i] || routing.slotsPerCore !== K) {
        throw new Error(`layer ${i} routing is ${routing.srcCores} -> ${routing.dstCores} cores x ${routing.slotsPerCore} slots, config says ${cores[i - 1]} -> ${cores[i]} x ${K}`);
      }
      const weight = parameter([cores[i], N, N], `layers.${i - 1}.weight`);
      fillTruncatedNormal(weight, coreInitStd(config.init, cores[i], N, S), rng);
      this.layers.push({ routing, buffers: uploadRouting(routing), weight });
    }
    if (config.reconstruction > 0) {
      const sizes = [cores[cores.length - 1] * N, 5000, 3000, config.reconstructionSize];
      for (let i = 0; i + 1 < sizes.length; i++) {
        const w = parameter([sizes[i + 1], sizes[i]], `head.${i}.weight`);
        fillGlorotUniform(w, sizes[i], sizes[i + 1], rng);
        this.head.push({ w, b: parameter([sizes[i + 1]], `head.${i}.bias`) });
      }
    }
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = this.layers.map((l, i) => [`layers.${i}.weight`, l.weight]);
    this.head.forEach((h, i) => out.push([`head.${i}.weight`, h.w], [`head.${i}.bias`, h.b]));
    return out;
  }

  private activate(y: Tensor): Tensor {
    return this.config.activation === "qrelu" ? ops.qrelu(y, this.config.adcBits, this.config.adcMax) : ops.relu(y);
  }

  /** Output capsules [B, lastCores * N] (after the last activation). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = this.activate(ops.scrrambleLayer(h, l.weight, l.buffers));
    return h;
  }

  scores(x: Tensor): Tensor {
    return ops.capsuleLengths(this.forward(x), this.classes);
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    const v = this.forward(batch.x);
    const { loss, lengths } = ops.capsuleMarginLoss(v, batch.labels, this.classes);
    if (this.head.length === 0 || !batch.images) return { loss, scores: lengths };
    // Reconstruction from the true class's capsule only (the others masked to 0).
    const B = batch.x.shape[0];
    const D = v.size / B / this.classes;
    const mask = Tensor.zeros(v.shape);
    const m = mask.data();
    for (let b = 0; b < B; b++) m.fill(1, b * this.classes * D + batch.labels[b] * D, b * this.classes * D + (batch.labels[b] + 1) * D);
    let h = ops.mul(v, mask);
    this.head.forEach((layer, i) => {
      h = ops.linear(h, layer.w, layer.b);
      h = i + 1 < this.head.length ? ops.relu(h) : ops.sigmoid(h);
    });
    const rec = ops.mseLoss(h, batch.images);
    return { loss: ops.add(loss, ops.scale(rec, this.config.reconstruction)), scores: lengths };
  }
}
