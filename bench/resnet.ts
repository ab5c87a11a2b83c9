// ScRRAMBLe-ResNet cases: the full-size 3 x 3 convolutions (forward, weight gradient, input gradient;
// GFLOP/s beside the GEMM cases of the same run), training steps at batch 64 for the full-size model
// and the small configuration (ours, and the PyTorch anchor's model: front end + projection + a linear
// head, for the our/their ratio), and the memory of a full-size step. Results are checked before timing.

import type { Bench } from "tinybench";
import { engine } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { AdamW } from "../src/optim/adam.js";
import { Rng } from "../src/rng.js";
import * as ops from "../src/ops/index.js";
import { convolve, convolveInputGrad, convolveWeightGrad, setWinograd } from "../src/conv.js";
import { parameter } from "../src/nn/parameter.js";
import { fillTruncatedNormal } from "../src/nn/init.js";
import { ResnetFront } from "../src/nn/resnet-front.js";
import { ScrrambleResnet, SCRRAMBLE_RESNET_DEFAULTS, frontEndSize, SMALL_FRONT_END } from "../src/nn/scrramble-resnet.js";
import type { Model } from "../src/nn/model.js";
import { trainingStep } from "./train-step.js";

export interface ResnetCase {
  name: string;
  /** Floating-point operations per call (convolution cases). */
  flops?: number;
  /** Images per call (training steps). */
  samples?: number;
}

/** Full-size 3 x 3 convolution shapes per stage: image side and channels, at the training batch of 64. */
export const CONV_SHAPES: [number, number][] = [
  [32, 64],
  [16, 128],
  [8, 256],
];
const CONV_BATCH = 64;

function randomTensor(shape: number[], seed: number, scale = 1): Tensor {
  const rng = new Rng(seed);
  return Tensor.from(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * rng.uniform() - 1) * scale),
    shape,
  );
}

/** Conv forward / weight-gradient / input-gradient cases on the current engine (one thread). */
export function addConvCases(bench: Bench): ResnetCase[] {
  const cases: ResnetCase[] = [];
  for (const [S, F] of CONV_SHAPES) {
    const s = { B: CONV_BATCH, H: S, W: S, F, G: F, R: 3 };
    const x = randomTensor([CONV_BATCH, S, S, F], 1);
    const w = randomTensor([3, 3, F, F], 2, 0.1);
    const y = Tensor.empty([CONV_BATCH, S, S, F]);
    // Check sampled outputs of both algorithms against a float64 sum before timing.
    for (const algorithm of [false, true]) {
      const prev = setWinograd(algorithm);
      convolve(y.ptr, x.ptr, w.ptr, 0, s, false);
      setWinograd(prev);
      const xs = x.data(),
        ws = w.data(),
        ys = y.data();
      for (let t = 0; t < 50; t++) {
        const b = t % CONV_BATCH,
          i = (t * 7) % S,
          j = (t * 13) % S,
          g = (t * 31) % F;
        let acc = 0;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const si = i + ky - 1,
              sj = j + kx - 1;
            if (si < 0 || si >= S || sj < 0 || sj >= S) continue;
            for (let f = 0; f < F; f++) acc += xs[((b * S + si) * S + sj) * F + f] * ws[((ky * 3 + kx) * F + f) * F + g];
          }
        if (Math.abs(acc - ys[((b * S + i) * S + j) * F + g]) > 1e-3)
          throw new Error(`conv ${S}x${S}x${F} (winograd ${algorithm}): wrong output at sample ${t}`);
      }
    }
    const dw = Tensor.zeros([3, 3, F, F]);
    const dx = Tensor.zeros([CONV_BATCH, S, S, F]);
    const flops = 2 * CONV_BATCH * S * S * 9 * F * F;
    const label = `conv3x3 ${S}x${S}x${F} (batch ${CONV_BATCH})`;
    // im2col + GEMM (the rate to compare with the GEMM), then Winograd (GFLOP/s of the direct method's flops).
    const both = (name: string, fn: () => void) => {
      bench.add(`${label} ${name} im2col`, () => {
        const prev = setWinograd(false);
        fn();
        setWinograd(prev);
      });
      bench.add(`${label} ${name} winograd (effective)`, () => {
        const prev = setWinograd(true);
        fn();
        setWinograd(prev);
      });
      cases.push({ name: `${label} ${name} im2col`, flops }, { name: `${label} ${name} winograd (effective)`, flops });
    };
    both("forward", () => convolve(y.ptr, x.ptr, w.ptr, 0, s, false));
    both("input grad", () => convolveInputGrad(dx.ptr, y.ptr, w.ptr, s));
    bench.add(`${label} weight grad im2col`, () => convolveWeightGrad(dw.ptr, x.ptr, y.ptr, s));
    cases.push({ name: `${label} weight grad im2col`, flops });
  }
  return cases;
}

/**
 * The PyTorch anchor's model (anchors/torch_resnet.py): our front end with the reference's shared batch
 * norm, the fixed projection, relu, a linear 2048 -> 10 head and softmax cross-entropy.
 */
class AnchorFront implements Model {
  readonly kind = "anchor-front";
  readonly config = {};
  readonly inputSize = 32 * 32 * 3;
  readonly classes = 10;
  readonly front: ResnetFront;
  readonly projection: Tensor;
  readonly head = parameter([10, 2048], "head.weight");
  readonly bias = parameter([10], "head.bias");

  constructor(width: number, depth: number) {
    const size = frontEndSize({ ...SCRRAMBLE_RESNET_DEFAULTS, width, depth });
    const rng = new Rng(0);
    this.front = new ResnetFront({ inputChannels: 3, ...size, bn: "shared", bnMomentum: 0.1 }, rng);
    const P = 16 * size.channels[2];
    this.projection = Tensor.persistent([2048, P], "projection");
    fillTruncatedNormal(this.projection, 1 / Math.sqrt(P), rng);
    fillTruncatedNormal(this.head, 1 / Math.sqrt(2048), rng);
  }
  parameters(): Tensor[] {
    return [...this.front.namedParameters().map(([, t]) => t), this.head, this.bias];
  }
  namedParameters(): [string, Tensor][] {
    return [];
  }
  scores(x: Tensor): Tensor {
    return this.logits(x, false);
  }
  private logits(x: Tensor, training: boolean): Tensor {
    const B = x.shape[0];
    const f = this.front.forward(ops.reshape(x, [B, 32, 32, 3]), training ? "train" : "running");
    const h = ops.relu(ops.linear(ops.reshape(f, [B, f.size / B]), this.projection));
    return ops.linear(h, this.head, this.bias);
  }
  loss(batch: { x: Tensor; labels: ArrayLike<number>; training?: boolean }) {
    const logits = this.logits(batch.x, batch.training ?? false);
    return { loss: ops.softmaxCrossEntropy(logits, batch.labels), scores: logits };
  }
}

/** A training step of batch B (forward, backward, AdamW), checked to lower the loss on a fixed batch within checkSteps steps. */
function trainStep(model: Model, B: number, label: string, checkSteps: number): () => number {
  const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 1e-4 });
  const rng = new Rng(5);
  const x = Float32Array.from({ length: B * model.inputSize }, () => rng.uniform());
  const y = Array.from({ length: B }, () => rng.int(model.classes));
  const step = trainingStep(model, opt, x, y, true);
  const first = step();
  if (checkSteps === 0) return step; // memory measurement only
  let lowest = Infinity;
  for (let i = 0; i < checkSteps; i++) lowest = Math.min(lowest, step());
  if (!(Number.isFinite(lowest) && lowest < first)) throw new Error(`${label}: loss did not fall on a fixed batch (${first} -> ${lowest})`);
  return step;
}

/** Full-size ScRRAMBLe-ResNet (CIFAR-10 head, 3 x 32 x 32) or the small configuration. */
export function resnetModel(small: boolean): ScrrambleResnet {
  return new ScrrambleResnet({ ...SCRRAMBLE_RESNET_DEFAULTS, ...(small ? SMALL_FRONT_END : {}) });
}

/** Training-step cases at batch 64 on the current engine: the full model and the anchor's model, full size or small. */
export function addResnetStepCases(bench: Bench, size: "full" | "small", suffix: string): ResnetCase[] {
  const B = 64;
  const small = size === "small";
  const tag = small ? `width ${SMALL_FRONT_END.width}, depth ${SMALL_FRONT_END.depth}` : "full size";
  const ours = `train step scrramble-resnet ${tag} (batch ${B}, ${suffix})`;
  const anchor = `train step resnet front + linear head ${tag} (batch ${B}, ${suffix})`;
  bench.add(ours, trainStep(resnetModel(small), B, ours, small ? 8 : 2));
  bench.add(
    anchor,
    trainStep(new AnchorFront(small ? SMALL_FRONT_END.width : 1, small ? SMALL_FRONT_END.depth : 1), B, anchor, small ? 8 : 2),
  );
  return [
    { name: ours, samples: B },
    { name: anchor, samples: B },
  ];
}

/** The engine memory of full-size training steps at batch 64 (run on the shared-memory engine, capped at 2 GiB). */
export function fullSizeStepMemory(): { persistentMB: number; peakStepMB: number; memoryMB: number; limitMB: number } {
  const model = resnetModel(false);
  const step = trainStep(model, 64, "memory", 0);
  step();
  const s = engine().arena.stats();
  const MB = 1024 * 1024;
  return { persistentMB: s.persistentBytes / MB, peakStepMB: s.peakStepBytes / MB, memoryMB: s.memoryBytes / MB, limitMB: 2048 };
}
