// SGD with momentum, dampening, Nesterov and L2 weight decay, PyTorch semantics
// (the momentum buffer starts as the first gradient). One WASM kernel call per
// parameter tensor, which also checks that the new values are finite.

import { engine } from "../engine.js";
import { Tensor } from "../tensor.js";
import { Optimizer } from "./optimizer.js";

export interface SgdOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * @example
 * const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buf: Tensor[];
  private readonly flags: number;
  private readonly owners: number[];

  constructor(params: Tensor[], opts: SgdOptions = {}) {
    super(params, opts.lr ?? 1e-2);
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0))
      throw new Error("Nesterov momentum needs momentum > 0 and dampening 0");
    this.buf = this.momentum !== 0 ? params.map((p) => Tensor.persistent(p.shape)) : [];
    this.owners = params.map((_, i) => i);
    this.flags = this.allocFlags(params.length);
  }

  step(): void {
    const first = this.steps === 0 ? 1 : 0;
    this.steps++;
    const k = engine().k;
    const grads = this.grads();
    for (const p of this.params) p.version++;
    this.params.forEach((p, i) => {
      const buf = this.momentum !== 0 ? this.buf[i].ptr : 0;
      const flag = this.flags + i * 4;
      k.sgdStep(
        p.ptr,
        grads[i].ptr,
        buf,
        p.size,
        this.lr,
        this.momentum,
        this.dampening,
        this.weightDecay,
        this.nesterov ? 1 : 0,
        first,
        flag,
      );
    });
    this.readFlags(this.flags, this.owners);
  }

  /** Named state buffers for state() / loadState(). */
  protected stateBuffers(): [string, Tensor][] {
    return this.buf.map((t, i) => [`buf.${this.paramName(i)}`, t]);
  }
}
