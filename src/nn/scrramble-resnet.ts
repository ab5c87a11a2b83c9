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
import { checkNetworkRoutings, networkRoutings } from "../routing/network.js";
import { parameter } from "./parameter.js";
import { fillTruncatedNormal } from "./init.js";
import { frontEndSize, projectionInputs, resolveNormInit, validateResnetConfig, type ScrrambleResnetConfig } from "./resnet-config.js";
import { packScrrambleLayers, scrrambleForward, scrrambleLayers, type ScrrambleLayer } from "./scrramble-layers.js";
import { ResnetFront } from "./resnet-front.js";
import type { BatchInput, Model, RoutedNetwork, StoredTensor, StoredTensors } from "./model.js";

export {
  SCRRAMBLE_RESNET_DEFAULTS,
  SCRRAMBLE_RESNET_FIELDS,
  CIFAR100_HEAD,
  SMALL_FRONT_END,
  frontEndSize,
  projectionInputs,
  resolveNormInit,
  validateResnetConfig,
  type ScrrambleResnetConfig,
} from "./resnet-config.js";

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

  /** The running statistics as copies (a training state keeps them beside the parameters). */
  trainingBuffers(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(this.front.storedTensors())) out[name] = Float32Array.from(t.data as ArrayLike<number>);
    return out;
  }

  /** Restore the running statistics from trainingBuffers()' form. */
  loadTrainingBuffers(buffers: Record<string, Float32Array>): void {
    const stored: StoredTensors = {};
    for (const [name, data] of Object.entries(buffers)) stored[name] = { dtype: "F32", shape: [data.length], data };
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

  /** ScRRAMBLe layer i and what follows it (as afterLayer); a relu straight after the layer is fused into its kernel. */
  private layer(h: Tensor, l: ScrrambleLayer, i: number): Tensor {
    if (i + 1 === this.layers.length) return scrrambleForward(h, l, false);
    const n = this.norms[i];
    if (!n) return scrrambleForward(h, l, true);
    if (this.config.headNorm === "relu-layer") return ops.layerNorm(scrrambleForward(h, l, true), n.gamma, n.beta);
    return ops.relu(ops.layerNorm(scrrambleForward(h, l, false), n.gamma, n.beta));
  }

  /** The last ScRRAMBLe layer's outputs [B, lastCores N] (capsules, or the classifier's input). */
  forward(x: Tensor, training = false): Tensor {
    let h = this.features(x, training);
    this.layers.forEach((l, i) => (h = this.layer(h, l, i)));
    return h;
  }

  coreWeights(): Tensor[] {
    return this.layers.map((l) => l.weight);
  }

  /** Pack the ScRRAMBLe head's core weights for repeated forward passes (see ScrrambleMlp.prepareInference). */
  prepareInference(): void {
    packScrrambleLayers(this.layers);
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
