// The ScRRAMBLe capsule MLP (SCRRAMBLE.md section 4): input cores -> ScRRAMBLe
// layers with random input-balanced slot routing -> class capsules, squash and
// margin loss, optional reconstruction head. Builds its routing and weights from
// seeds; must not import data, sim or CLI code.

import { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { Routing } from "../routing/routing.js";
import { checkCoreGeometry, checkNetworkRoutings, networkRoutings } from "../routing/network.js";
import { checkFields, type Schema } from "../options.js";
import { parameter } from "./parameter.js";
import { CORE_INITS, fillGlorotUniform, type CoreInit } from "./init.js";
import { packScrrambleLayers, scrrambleForward, scrrambleLayers, type ScrrambleLayer } from "./scrramble-layers.js";
import type { BatchInput, Model, RoutedNetwork } from "./model.js";
import { squareInput, type ForwardPlan, type PlanStep } from "./plan.js";

export type { ScrrambleLayer } from "./scrramble-layers.js";

export interface ScrrambleMlpConfig {
  /** Cores per layer, input cores first, e.g. [4, 50, 10]. */
  cores: number[];
  coreSize: number;
  slotSize: number;
  /** Connection probability p of every routing. */
  p: number;
  /** relu; qrelu (the output ADC); binary (hidden layers 1 where x > 0, clipped straight-through estimator; capsules relu). */
  activation: "relu" | "qrelu" | "binary";
  adcBits: number;
  adcMax: number;
  /** Binary activation: the straight-through gradient passes where |x| < steWidth. */
  steWidth: number;
  classes: number;
  /** "auto": glorot5d with relu, glorot-core with qrelu (the ADC floors glorot5d's tiny activations to 0). */
  init: CoreInit | "auto";
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
  steWidth: 1,
  classes: 10,
  init: "auto",
  routingSeed: 0,
  initSeed: 0,
  reconstruction: 0,
  reconstructionSize: 784,
};

/** Every key of the config: type, range, help and command-line flag. */
export const SCRRAMBLE_MLP_FIELDS: Schema = {
  cores: { type: "ints", min: 1, minLength: 2, arg: "LIST", help: "ScRRAMBLe cores per layer, input cores first" },
  coreSize: { type: "int", min: 1, arg: "N", help: "crossbar size N (N x N conductances per core)" },
  slotSize: { type: "int", min: 1, arg: "S", help: "slot size s (must divide the core size)" },
  p: { type: "number", min: 0, max: 1, arg: "P", help: "connection probability of the routing" },
  activation: {
    type: "string",
    choices: ["relu", "qrelu", "binary"],
    arg: "A",
    help: "relu | qrelu (the output ADC model) | binary (hidden layers 1 where x > 0, clipped straight-through gradient, --ste-width)",
  },
  adcBits: { type: "int", min: 1, max: 24, arg: "B", help: "ADC bits for --activation qrelu" },
  adcMax: { type: "number", min: 0, arg: "M", help: "ADC full-scale value for --activation qrelu" },
  steWidth: {
    type: "number",
    min: 0,
    arg: "W",
    help: "--activation binary: the straight-through gradient passes where |x| < W",
  },
  classes: { type: "int", min: 2, max: 256, internal: true, help: "classes (one capsule each)" },
  init: {
    type: "string",
    choices: ["auto", ...CORE_INITS],
    arg: "I",
    help: "core weight init; auto = glorot5d with relu, glorot-core with qrelu (the ADC floors glorot5d's tiny first activations to zero)",
  },
  routingSeed: { type: "int", arg: "N", help: "routing seed", defaultHelp: "--seed" },
  initSeed: { type: "int", internal: true, help: "init seed (the run's --seed)" },
  reconstruction: {
    type: "number",
    min: 0,
    arg: "W",
    help: "weight of the reconstruction head loss (0 = no head; the reference uses 1e-4)",
  },
  reconstructionSize: { type: "int", min: 1, internal: true, help: "pixels the head reconstructs (from the data)" },
};

/** The init an "auto" config gets: glorot-core under the ADC (qrelu), else the reference's glorot5d. */
export function resolveCoreInit(c: Pick<ScrrambleMlpConfig, "init" | "activation">): CoreInit {
  if (c.init !== "auto") return c.init;
  return c.activation === "qrelu" ? "glorot-core" : "glorot5d";
}

/** Check a configuration; every message names the key that is wrong and why. */
export function validateScrrambleConfig(c: ScrrambleMlpConfig, where = "ScRRAMBLe MLP config"): void {
  checkFields(SCRRAMBLE_MLP_FIELDS, c, where);
  checkCoreGeometry(c);
  const outputs = c.cores[c.cores.length - 1] * c.coreSize;
  if (outputs % c.classes !== 0) throw new Error(`the last layer's ${outputs} outputs do not split into ${c.classes} class capsules`);
  if (c.activation === "qrelu" && !(c.adcMax > 0)) throw new Error(`ADC max must be > 0, got ${c.adcMax}`);
  if (c.activation === "binary" && !(c.steWidth > 0)) throw new Error(`the straight-through width must be > 0, got ${c.steWidth}`);
}

/**
 * @example
 * const model = new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, routingSeed: 1 });
 * const { loss } = model.loss({ x, labels });
 */
export class ScrrambleMlp implements Model {
  readonly kind = "scrramble-mlp";
  /** The validated config, init resolved (never "auto"). */
  readonly config: ScrrambleMlpConfig;
  readonly layers: ScrrambleLayer[];
  readonly head: { w: Tensor; b: Tensor }[] = [];
  readonly inputSize: number;
  readonly classes: number;

  /** Build from a config; `routings` (e.g. from a checkpoint) replaces generation. */
  constructor(config: ScrrambleMlpConfig, routings?: Routing[]) {
    const c: ScrrambleMlpConfig = { ...config, init: resolveCoreInit(config) };
    validateScrrambleConfig(c);
    this.config = c;
    const { cores, coreSize: N, slotSize: S } = c;
    this.inputSize = cores[0] * N;
    this.classes = c.classes;
    const all = routings ?? networkRoutings(c);
    checkNetworkRoutings(all, cores, N / S);
    const rng = new Rng(c.initSeed).fork("init");
    this.layers = scrrambleLayers(cores, N, S, all, c.init as CoreInit, rng, "layers.");
    if (c.reconstruction > 0) {
      const sizes = [cores[cores.length - 1] * N, 5000, 3000, c.reconstructionSize];
      for (let i = 0; i + 1 < sizes.length; i++) {
        const w = parameter([sizes[i + 1], sizes[i]], `head.${i}.weight`);
        fillGlorotUniform(w, sizes[i], sizes[i + 1], rng);
        this.head.push({ w, b: parameter([sizes[i + 1]], `head.${i}.bias`) });
      }
    }
  }

  /** The reconstruction head rebuilds the original image (loss() then wants batch.images). */
  get wantsImages(): boolean {
    return this.head.length > 0;
  }

  routedNetwork(): RoutedNetwork {
    const { cores, coreSize, slotSize, p, routingSeed } = this.config;
    return { cores: [...cores], coreSize, slotSize, p, routingSeed, routings: this.layers.map((l) => l.routing) };
  }

  coreWeights(): Tensor[] {
    return this.layers.map((l) => l.weight);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = this.layers.map((l, i) => [`layers.${i}.weight`, l.weight]);
    this.head.forEach((h, i) => out.push([`head.${i}.weight`, h.w], [`head.${i}.bias`, h.b]));
    return out;
  }

  /**
   * The activation after ScRRAMBLe layer `layer`: relu, the ADC's qrelu, or the
   * binary step. Under "binary" the class capsules (the last layer) keep relu: a
   * capsule of 0/1 values starts at length 0, where squash passes no gradient.
   */
  activate(y: Tensor, layer: number): Tensor {
    const c = this.config;
    const a = this.activation(layer);
    if (a === "qrelu") return ops.qrelu(y, c.adcBits, c.adcMax);
    if (a === "binary") return ops.binaryStep(y, c.steWidth);
    return ops.relu(y);
  }

  /** Which activation follows ScRRAMBLe layer `layer` (binary models keep relu on the class capsules). */
  activation(layer: number): "relu" | "qrelu" | "binary" {
    const a = this.config.activation;
    return a === "binary" && layer + 1 >= this.layers.length ? "relu" : a;
  }

  /** Layer `i` with its activation; a relu is fused into the layer's kernel. */
  private layer(h: Tensor, l: ScrrambleLayer, i: number): Tensor {
    if (this.activation(i) === "relu") return scrrambleForward(h, l, true);
    return this.activate(scrrambleForward(h, l, false), i);
  }

  /**
   * Pack every core's weights once for repeated forward passes over unchanged
   * weights (evaluation, inference): the forward then skips packing them each
   * call. Call outside a step; after the weights change (training), the packed
   * copy is ignored until the next call. Costs one more copy of the weights.
   * @example model.prepareInference(); evaluate(model, test);
   */
  prepareInference(): void {
    packScrrambleLayers(this.layers);
  }

  /** Output capsules [B, lastCores * N] (after the last activation). */
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((l, i) => (h = this.layer(h, l, i)));
    return h;
  }

  scores(x: Tensor): Tensor {
    return ops.capsuleLengths(this.forward(x), this.classes);
  }

  /** The forward pass as data (copies of the weights): route, cores, activation per layer, then capsule lengths. */
  forwardPlan(): ForwardPlan {
    const c = this.config;
    if (c.activation === "binary") throw new Error("binary (1-bit) activations have no forward plan yet: the model cannot be exported");
    const act: PlanStep = c.activation === "qrelu" ? { op: "qrelu", bits: c.adcBits, max: c.adcMax } : { op: "relu" };
    const steps: PlanStep[] = [];
    for (const l of this.layers) {
      const r = l.routing;
      const route = { srcCores: r.srcCores, dstCores: r.dstCores, slotsPerCore: r.slotsPerCore };
      steps.push({ op: "route", ...route, dstPtr: r.dstPtr.slice(), srcSlot: r.srcSlot.slice(), coef: r.coef.slice() });
      steps.push({ op: "cores", cores: r.dstCores, size: c.coreSize, weight: l.weight.toArray() }, act);
    }
    steps.push({ op: "capsules", classes: this.classes });
    return { kind: this.kind, inputSize: this.inputSize, classes: this.classes, input: squareInput(this.inputSize), steps };
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    const v = this.forward(batch.x);
    const { loss, lengths } = ops.capsuleMarginLoss(v, batch.labels, this.classes);
    if (this.head.length === 0 || !batch.images) return { loss, scores: lengths };
    const rec = ops.mseLoss(this.decode(v, batch.labels), batch.images);
    return { loss: ops.add(loss, ops.scale(rec, this.config.reconstruction)), scores: lengths };
  }

  /**
   * The reconstruction head's images [B, reconstructionSize] (values in (0, 1))
   * from the capsule of each sample's given class (e.g. the true or the predicted label).
   * @example const images = noGrad(() => model.reconstruct(x, labels)).toArray();
   */
  reconstruct(x: Tensor, labels: ArrayLike<number>): Tensor {
    if (this.head.length === 0) throw new Error("this model has no reconstruction head (train it with --reconstruction W)");
    return this.decode(this.forward(x), labels);
  }

  /** The head over capsules v, every capsule but the given class's masked to 0. */
  private decode(v: Tensor, labels: ArrayLike<number>): Tensor {
    const B = v.shape[0];
    const D = v.size / B / this.classes;
    const mask = Tensor.zeros(v.shape);
    const m = mask.data();
    for (let b = 0; b < B; b++) m.fill(1, b * this.classes * D + labels[b] * D, b * this.classes * D + (labels[b] + 1) * D);
    let h = ops.mul(v, mask);
    this.head.forEach((layer, i) => {
      h = ops.linear(h, layer.w, layer.b);
      h = i + 1 < this.head.length ? ops.relu(h) : ops.sigmoid(h);
    });
    return h;
  }
}
