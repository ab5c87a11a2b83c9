// The convolutional front end of the ScRRAMBLe-ResNet (SCRRAMBLE.md section 5): per stage a 1 x 1
// projection conv, residual blocks, then 2 x 2 max pooling (average pooling after the last stage).
// Block: r = x; BN; conv 3x3; BN; relu; conv 3x3; relu(x + r), with a BN of its own at each place, or
// the reference's one module at both ("shared"). Digital on the chip: never simulated as crossbars.
// Letters (docs/architecture.md): B batch, H W image, F channels.

import type { Rng } from "../rng.js";
import type { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { BatchNormMode } from "../ops/index.js";
import { parameter } from "./parameter.js";
import { fillTruncatedNormal } from "./init.js";
import { BatchNorm } from "./batch-norm.js";
import type { StoredTensor, StoredTensors } from "./model.js";

export interface FrontEndShape {
  /** Input channels (3 for CIFAR, 1 for the digits). */
  inputChannels: number;
  /** Channels per stage, e.g. [64, 128, 256]. */
  channels: number[];
  /** Residual blocks per stage, e.g. [3, 4, 6]. */
  blocks: number[];
  /** "separate": a BN per place; "shared": the reference's one module applied at both places of a block. */
  bn: "separate" | "shared";
  bnMomentum: number;
}

interface Conv {
  w: Tensor;
  b: Tensor;
}

interface Block {
  conv1: Conv;
  conv2: Conv;
  bn1: BatchNorm;
  bn2: BatchNorm;
}

interface Stage {
  proj: Conv;
  blocks: Block[];
}

/** A conv's weight [R, R, F, G] (LeCun normal, flax's default: std 1 / sqrt(R R F)) and zero bias [G]. */
function conv(R: number, F: number, G: number, name: string, rng: Rng): Conv {
  const w = parameter([R, R, F, G], `${name}.weight`);
  fillTruncatedNormal(w, 1 / Math.sqrt(R * R * F), rng);
  return { w, b: parameter([G], `${name}.bias`) };
}

/**
 * @example
 * const front = new ResnetFront({ inputChannels: 3, channels: [64, 128, 256], blocks: [3, 4, 6], bn: "separate", bnMomentum: 0.1 }, rng);
 * const features = front.forward(x, "train"); // x [B, 32, 32, 3] -> [B, 4, 4, 256]
 */
export class ResnetFront {
  readonly shape: FrontEndShape;
  private readonly stages: Stage[] = [];
  private readonly norms: BatchNorm[] = [];

  /** Allocates every parameter and running statistic (build outside a step). */
  constructor(shape: FrontEndShape, rng: Rng) {
    this.shape = shape;
    let F = shape.inputChannels;
    shape.channels.forEach((G, s) => {
      const name = `front.stage${s}`;
      const proj = conv(1, F, G, `${name}.proj`, rng);
      const blocks: Block[] = [];
      for (let b = 0; b < shape.blocks[s]; b++) {
        const bname = `${name}.block${b}`;
        const conv1 = conv(3, G, G, `${bname}.conv1`, rng);
        const conv2 = conv(3, G, G, `${bname}.conv2`, rng);
        const bn1 = new BatchNorm(G, shape.bn === "shared" ? `${bname}.bn` : `${bname}.bn1`, shape.bnMomentum);
        const bn2 = shape.bn === "shared" ? bn1 : new BatchNorm(G, `${bname}.bn2`, shape.bnMomentum);
        this.norms.push(...(bn1 === bn2 ? [bn1] : [bn1, bn2]));
        blocks.push({ conv1, conv2, bn1, bn2 });
      }
      this.stages.push({ proj, blocks });
      F = G;
    });
  }

  /** Features [B, H / 2^stages, W / 2^stages, last channels] of images x [B, H, W, inputChannels]. */
  forward(x: Tensor, mode: BatchNormMode): Tensor {
    let h = x;
    this.stages.forEach((st, s) => {
      h = ops.conv2d(h, st.proj.w, st.proj.b);
      for (const blk of st.blocks) {
        const a1 = blk.bn1.apply(h, mode);
        const c1 = ops.conv2d(a1, blk.conv1.w, blk.conv1.b);
        const a2 = blk.bn2.apply(c1, mode, true);
        const c2 = ops.conv2d(a2, blk.conv2.w, blk.conv2.b);
        h = ops.addRelu(c2, h);
      }
      h = s + 1 < this.stages.length ? ops.maxPool2d(h) : ops.avgPool2d(h);
    });
    return h;
  }

  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const add = (c: Conv) => out.push([c.w.name, c.w], [c.b.name, c.b]);
    for (const st of this.stages) {
      add(st.proj);
      for (const blk of st.blocks) {
        add(blk.conv1);
        add(blk.conv2);
      }
    }
    for (const bn of this.norms) out.push(...bn.namedParameters());
    return out;
  }

  /** Running statistics of every BN module, for checkpoints. */
  storedTensors(): Record<string, StoredTensor> {
    return Object.assign({}, ...this.norms.map((bn) => bn.storedTensors()));
  }

  /** Restore the running statistics from a checkpoint's tensors. */
  load(stored: StoredTensors): void {
    for (const bn of this.norms) bn.load(stored);
  }

  /** Multiply-adds of the convolutions per image of side `size` (forward), for reports and benchmarks. */
  convMacsPerImage(size: number): number {
    let macs = 0,
      F = this.shape.inputChannels,
      hw = size * size;
    this.shape.channels.forEach((G, s) => {
      macs += hw * F * G + this.shape.blocks[s] * 2 * hw * 9 * G * G;
      hw /= 4;
      F = G;
    });
    return macs;
  }
}
