// Base of the optimisers: holds the parameters, zeroes their gradients and
// counts steps. State buffers are persistent and allocated in the constructor.
// Must not allocate in step().

import { engine } from "../engine.js";
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

  /** Set every parameter gradient to zero. */
  zeroGrad(): void {
    const k = engine().k;
    for (const p of this.params) k.fill(p.grad!.ptr, p.size, 0);
  }

  /** Apply one update from the current gradients. */
  abstract step(): void;
}
