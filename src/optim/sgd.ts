// SGD with momentum, dampening, Nesterov and L2 weight decay, PyTorch semantics
// (the momentum buffer starts as the first gradient). One WASM kernel over the
// parameters' elements, cut into equal parts over the threads (pieces.ts),
// which also checks that the new values are finite.

import { engine, parallelParts } from "../engine.js";
import type { KernelCall } from "../wasm/pool.js";
import { elementParts, type Piece } from "./pieces.js";
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
  /** The kernel calls' pieces, one list per thread (fixed: every parameter gets a gradient). */
  private readonly parts: Piece[][];
  /** One finite-check slot per piece, in the parts' order, and the parameter of each. */
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
    this.parts = elementParts(
      params.map((p) => p.size),
      engine().threads,
    );
    this.owners = this.parts.flat().map(({ param }) => param);
    this.flags = this.allocFlags(this.owners.length);
  }

  step(): void {
    const first = this.steps === 0 ? 1 : 0;
    this.steps++;
    const grads = this.grads();
    for (const p of this.params) p.version++;
    let n = 0;
    const calls = this.parts.map((part) =>
      part.map(({ param: i, lo, hi }): KernelCall => {
        const o = lo * 4;
        return [
          "sgdStep",
          this.params[i].ptr + o,
          grads[i].ptr + o,
          this.momentum !== 0 ? this.buf[i].ptr + o : 0,
          hi - lo,
          this.lr,
          this.momentum,
          this.dampening,
          this.weightDecay,
          this.nesterov ? 1 : 0,
          first,
          this.flags + n++ * 4,
        ];
      }),
    );
    parallelParts(calls);
    this.readFlags(this.flags, this.owners);
  }

  /** Named state buffers for state() / loadState(). */
  protected stateBuffers(): [string, Tensor][] {
    return this.buf.map((t, i) => [`buf.${this.paramName(i)}`, t]);
  }
}
