// Base of the optimisers: holds the parameters, zeroes their gradients, counts
// steps and reports what a step left non-finite (the update kernels check it in
// the same pass). State buffers are persistent and allocated in the
// constructor. Must not allocate in step().

import { engine, i32 } from "../engine.js";
import type { Tensor } from "../tensor.js";

/** Optimiser state as named arrays (moments, step count) for a training state file. */
export interface OptimizerState {
  /** Completed steps. */
  steps: number;
  /** Named state buffers, each as long as its parameter. */
  buffers: Record<string, Float32Array>;
}

export abstract class Optimizer {
  readonly params: Tensor[];
  lr: number;
  /** Number of completed step() calls. */
  steps = 0;
  /**
   * After step(): the name of the first parameter whose update (or optimiser
   * state) is NaN or infinite, or null when every value is finite.
   */
  nonFinite: string | null = null;

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
    for (const p of this.params) p.grad!.clearToZero();
  }

  /** The gradients, zeros written where none flowed (call at the start of step()). */
  protected grads(): Tensor[] {
    return this.params.map((p) => p.grad!.materialize());
  }

  /** Apply one update from the current gradients; sets nonFinite. */
  abstract step(): void;

  /** The state buffers a resumed run needs, named (e.g. m.<param> and v.<param>). */
  protected abstract stateBuffers(): [string, Tensor][];

  /** The state a resumed run needs: copies, or with `views` views of the engine's memory (write them out before the next step). */
  state(opts: { views?: boolean } = {}): OptimizerState {
    const buffers: Record<string, Float32Array> = {};
    for (const [name, t] of this.stateBuffers()) buffers[name] = opts.views ? t.data() : t.toArray();
    return { steps: this.steps, buffers };
  }

  /** Restore a state from state(); buffer names and lengths must match. */
  loadState(s: OptimizerState): void {
    const named = this.stateBuffers();
    const want = new Set(named.map(([n]) => n));
    for (const key of Object.keys(s.buffers)) if (!want.has(key)) throw new Error(`optimiser state: unexpected buffer "${key}"`);
    for (const [name, t] of named) {
      const b = s.buffers[name];
      if (!b) throw new Error(`optimiser state: buffer "${name}" is missing`);
      if (b.length !== t.size) throw new Error(`optimiser state: buffer "${name}" has ${b.length} values, expected ${t.size}`);
      t.set(b);
    }
    this.steps = s.steps;
  }

  /** Persistent i32 slots, one per kernel call, that the update kernels write their finite verdict to. */
  protected allocFlags(n: number): number {
    return engine().arena.allocPersistent(Math.max(n, 1) * 4, "optimiser finite checks");
  }

  /**
   * Set nonFinite from the verdicts of the calls: owners[c] is the parameter index of
   * call c (-1: a call that did not run), and `bad` holds parameters already found
   * not finite by other means (a fused update).
   */
  protected readFlags(ptr: number, owners: readonly number[], bad = new Set<number>()): void {
    const f = i32(ptr, owners.length);
    owners.forEach((i, c) => {
      if (i >= 0 && f[c] !== 0) bad.add(i);
    });
    this.nonFinite = null;
    for (let i = 0; i < this.params.length; i++) {
      if (bad.has(i)) {
        this.nonFinite = this.params[i].name || `parameter ${i}`;
        return;
      }
    }
  }

  /** Name of parameter i for state buffers. */
  protected paramName(i: number): string {
    return this.params[i].name || `param${i}`;
  }
}
