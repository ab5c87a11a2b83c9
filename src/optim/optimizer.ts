// Base of the optimisers: holds the parameters, zeroes their gradients and
// counts steps. State buffers are persistent and allocated in the constructor.
// Must not allocate in step().

import type { Tensor } from "../tensor.js";

export abstract class Optimizer {
  readonly params: Tensor[];
  lr: number;
  /** Number of completed step() calls. */
  steps = 0;

  constructor(params: Tensor[], lr: number) {
    if (!(lr >= 0)) throw new Error(`learning rate must be >= 0, got ${lr}`);
    for (const p of params) {
      if (!p.persistentTensor || !p.grad) throw new Error(`optimiser: "${p.name || "tensor"}" is not a parameter (use parameter())`);
    }
    this.params = params;
    this.lr = lr;
  }

  /**
   * Set every parameter gradient to zero, lazily: the first backward kernel
   * overwrites instead of adding, and reads or a parameter that got no
   * gradient fill the zeros (Tensor.materialize()).
   */
  zeroGrad(): void {
    for (const p of this.params) p.grad!.pendingZero = true;
  }

  /** The gradients, zeros written where none flowed (call at the start of step()). */
  protected grads(): Tensor[] {
    return this.params.map((p) => p.grad!.materialize());
  }

  /** Apply one update from the current gradients. */
  abstract step(): void;
}
