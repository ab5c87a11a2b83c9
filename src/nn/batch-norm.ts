// A batch-normalisation module: learnable scale and shift (parameters) and running statistics
// (persistent state, not parameters: checkpoints store them beside the weights, the optimiser never
// sees them). Which statistics normalise is the caller's choice per call (training step or evaluation).

import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { BatchNormMode, BatchNormState } from "../ops/index.js";
import { parameter } from "./parameter.js";
import type { StoredTensor, StoredTensors } from "./model.js";

/** PyTorch's and flax's epsilon. */
export const BN_EPS = 1e-5;

/**
 * @example
 * const bn = new BatchNorm(64, "stage0.block0.bn1", 0.1);
 * const y = bn.apply(x, "train", true); // batch statistics, running statistics updated, fused relu
 */
export class BatchNorm {
  readonly name: string;
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly state: BatchNormState;

  /** Parameters gamma = 1, beta = 0; running mean 0, variance 1 (allocates: build outside a step). */
  constructor(channels: number, name: string, momentum: number) {
    this.name = name;
    this.gamma = parameter([channels], `${name}.gamma`);
    this.gamma.data().fill(1);
    this.beta = parameter([channels], `${name}.beta`);
    const runMean = Tensor.persistent([channels], `${name}.runningMean`);
    const runVar = Tensor.persistent([channels], `${name}.runningVar`);
    runVar.data().fill(1);
    this.state = { runMean, runVar, momentum, eps: BN_EPS };
  }

  apply(x: Tensor, mode: BatchNormMode, relu = false): Tensor {
    return ops.batchNorm(x, this.gamma, this.beta, this.state, { mode, relu });
  }

  namedParameters(): [string, Tensor][] {
    return [
      [this.gamma.name, this.gamma],
      [this.beta.name, this.beta],
    ];
  }

  /** The running statistics as checkpoint tensors (views of WASM memory: write them out at once). */
  storedTensors(): Record<string, StoredTensor> {
    const { runMean, runVar } = this.state;
    return {
      [runMean.name]: { dtype: "F32", shape: runMean.shape, data: runMean.data() },
      [runVar.name]: { dtype: "F32", shape: runVar.shape, data: runVar.data() },
    };
  }

  /** Set the running statistics from a checkpoint's tensors (each must be present, F32, of this size). */
  load(stored: StoredTensors): void {
    for (const t of [this.state.runMean, this.state.runVar]) {
      const s = stored[t.name];
      if (!s) throw new Error(`missing tensor "${t.name}"`);
      if (s.dtype !== "F32" || s.data.length !== t.size)
        throw new Error(`tensor "${t.name}" must be F32 [${t.size}], got ${s.dtype} [${s.shape.join(", ")}]`);
      for (let i = 0; i < s.data.length; i++)
        if (!Number.isFinite(s.data[i]))
          throw new Error(`tensor "${t.name}" holds a value that is not finite (${s.data[i]} at index ${i})`);
      t.set(s.data);
    }
  }
}
