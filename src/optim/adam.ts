// Adam and AdamW with PyTorch semantics (AdamW: decoupled weight decay,
// p -= lr * wd * p before the moment update; Adam: wd * p added to the gradient).
// One fused WASM kernel over the parameters' elements, cut into equal parts
// over the threads (pieces.ts), which also checks that the new values are finite.

import { engine, i32, parallelParts } from "../engine.js";
import type { KernelCall } from "../wasm/pool.js";
import { elementParts, type Piece } from "./pieces.js";
import { Tensor } from "../tensor.js";
import { Optimizer } from "./optimizer.js";
import type { DeferredGrad } from "../autograd/grad.js";

/** The gradient of p that the backward pass left to be computed in an Adam update, if any. */
function deferredOf(p: Tensor): DeferredGrad | null {
  const d = p.grad?.pendingWrite as Partial<DeferredGrad> | null | undefined;
  return d && typeof d.adam === "function" ? (d as DeferredGrad) : null;
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /**
   * Compute the gradients that the backward pass deferred (the ScRRAMBLe cores'
   * weights) inside the update, a core at a time, without writing them to the
   * gradient buffers: less memory traffic, and those buffers' pages are never
   * touched. Same values to the bit. Those gradients are then not kept: read
   * them (p.grad) before endStep(); after it they read as zeros. Default false.
   */
  fuseGradients?: boolean;
}

/**
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
 * opt.zeroGrad(); backward(loss); opt.step(); endStep();
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  weightDecay: number;
  /** See AdamOptions.fuseGradients. */
  fuseGradients: boolean;
  protected readonly decoupled: boolean = false;
  private readonly m: Tensor[];
  private readonly v: Tensor[];
  /** Threads the update splits over (the engine's at construction). */
  private readonly threads: number;
  /** One finite-check slot per kernel call: at most a call per parameter plus one per cut between threads. */
  private readonly flags: number;
  /** The last cut of the unfused parameters' elements over the threads, and the sizes it was made for. */
  private cut: { sizes: number[]; parts: Piece[][] } | null = null;

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.fuseGradients = opts.fuseGradients ?? false;
    for (const [name, b] of [
      ["beta1", this.beta1],
      ["beta2", this.beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`${name} must be in [0, 1), got ${b}`);
    }
    this.m = params.map((p) => Tensor.persistent(p.shape));
    this.v = params.map((p) => Tensor.persistent(p.shape));
    this.threads = engine().threads;
    this.flags = this.allocFlags(params.length + this.threads);
  }

  step(): void {
    this.steps++;
    const t = this.steps;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    const decoupled = this.decoupled ? 1 : 0;
    // Parameters whose deferred gradient is computed inside the update (fuseGradients).
    const fused = this.params.map((p) => (this.fuseGradients ? deferredOf(p) : null));
    const grads = this.params.map((p, i) => (fused[i] ? null : p.grad!.materialize()));
    for (const p of this.params) p.version++;
    const bad = new Set<number>();
    fused.forEach((d, i) => {
      if (!d) return;
      const T = engine().threads;
      const flags = engine().arena.allocStep(T * 4, "optimiser finite checks");
      const args = [this.params[i].ptr, this.m[i].ptr, this.v[i].ptr, this.lr, this.beta1, this.beta2, this.eps, this.weightDecay];
      const n = d.adam([...args, decoupled, bc1, bc2], flags);
      d.applied = true;
      if (i32(flags, n).some((f) => f !== 0)) bad.add(i);
    });
    // adamStep over the other parameters' elements, in equal parts over the threads (the same cut
    // every step while the same parameters are fused)
    const sizes = grads.map((g, i) => (g ? this.params[i].size : 0));
    if (!this.cut || this.cut.sizes.some((n, i) => n !== sizes[i])) this.cut = { sizes, parts: elementParts(sizes, this.threads) };
    const parts = this.cut.parts;
    const owners: number[] = [];
    const calls = parts.map((part) =>
      part.map(({ param: i, lo, hi }): KernelCall => {
        const o = lo * 4;
        owners.push(i);
        return [
          "adamStep",
          this.params[i].ptr + o,
          grads[i]!.ptr + o,
          this.m[i].ptr + o,
          this.v[i].ptr + o,
          hi - lo,
          this.lr,
          this.beta1,
          this.beta2,
          this.eps,
          this.weightDecay,
          decoupled,
          bc1,
          bc2,
          this.flags + (owners.length - 1) * 4,
        ];
      }),
    );
    parallelParts(calls);
    this.readFlags(this.flags, owners, bad);
  }

  /** Named state buffers for state() / loadState(). */
  protected stateBuffers(): [string, Tensor][] {
    return [
      ...this.m.map((t, i) => [`m.${this.paramName(i)}`, t] as [string, Tensor]),
      ...this.v.map((t, i) => [`v.${this.paramName(i)}`, t] as [string, Tensor]),
    ];
  }
}

/** AdamW: Adam with decoupled weight decay (default wd 1e-2 as in PyTorch). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Tensor[], opts: AdamOptions = {}) {
    super(params, { ...opts, weightDecay: opts.weightDecay ?? 1e-2 });
  }
}
