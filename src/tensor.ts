// Tensor: a handle (shape + byte address + arena generation) into WASM memory.
// Persistent tensors (parameters, state) live until dropped with the engine;
// step tensors die at endStep() and throw if touched after. Holds no data itself.

import { engine, f32 } from "./engine.js";

export type Shape = readonly number[];

/** Values to be written into a tensor later (a gradient that a backward rule deferred; autograd/grad.ts). */
export interface PendingWrite {
  /** Write the values into t (accumulate 0: overwrite, 1: add). */
  write(t: Tensor, accumulate: 0 | 1): void;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

/** The shape Tensor.empty is allocating, for its error label. */
let emptyShape: Shape = [];
const stepTensorLabel = () => `step tensor [${emptyShape.join(", ")}]`;

/**
 * @example
 * const w = Tensor.persistent([4, 4]);   // zero-filled, lives across steps
 * const x = Tensor.from([1, 2, 3, 4], [2, 2]); // step tensor
 * x.toArray(); // Float32Array [1, 2, 3, 4]
 */
export class Tensor {
  readonly shape: Shape;
  readonly size: number;
  readonly ptr: number;
  /** Arena generation for step tensors, -1 for persistent ones. */
  readonly gen: number;
  /** Arena epoch it was made in (freeAll() ends an epoch). */
  readonly epoch: number;
  requiresGrad = false;
  grad: Tensor | null = null;
  name = "";
  /**
   * True while the data is logically all zeros but not yet written (a gradient
   * after zeroGrad()): the next kernel that writes every element may overwrite
   * instead of add; any read fills the zeros first (materialize()).
   */
  pendingZero = false;
  /**
   * Set only with pendingZero: values a backward rule left to be computed later
   * (a parameter's gradient that an optimiser may compute inside its update, see
   * AdamOptions.fuseGradients). Any read writes them first (materialize()).
   */
  pendingWrite: PendingWrite | null = null;
  /**
   * Incremented whenever the data may have changed through this handle
   * (set(), data(), an optimiser step): caches of derived forms (packed
   * weights) compare it to know they are stale.
   */
  version = 0;

  constructor(shape: Shape, ptr: number, gen: number) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.ptr = ptr;
    this.gen = gen;
    this.epoch = engine().arena.epoch;
  }

  /** Zero-filled tensor in the persistent region (memory never used before is zero already and is left untouched). */
  static persistent(shape: Shape, name = ""): Tensor {
    const n = sizeOf(shape);
    const e = engine();
    const clean = e.arena.untouchedFrom;
    const ptr = e.arena.allocPersistent(n * 4, () => `tensor [${shape.join(", ")}]${name ? ` "${name}"` : ""}`);
    const dirty = Math.min(n, Math.max(0, Math.ceil((clean - ptr) / 4)));
    if (dirty > 0) e.k.fill(ptr, dirty, 0);
    const t = new Tensor(shape, ptr, -1);
    t.name = name;
    return t;
  }

  /** Uninitialised tensor in the step region (valid until endStep()). */
  static empty(shape: Shape): Tensor {
    const e = engine();
    emptyShape = shape; // named by stepTensorLabel if the allocation fails (no closure per tensor)
    return new Tensor(shape, e.arena.allocStep(sizeOf(shape) * 4, stepTensorLabel), e.arena.generation);
  }

  /** Zero-filled step tensor. */
  static zeros(shape: Shape): Tensor {
    const t = Tensor.empty(shape);
    engine().k.fill(t.ptr, t.size, 0);
    return t;
  }

  /** Step tensor holding a copy of values. */
  static from(values: ArrayLike<number>, shape: Shape = [values.length]): Tensor {
    const t = Tensor.empty(shape);
    if (values.length !== t.size) throw new Error(`Tensor.from: ${values.length} values for shape [${shape.join(", ")}]`);
    t.data().set(values);
    return t;
  }

  get persistentTensor(): boolean {
    return this.gen < 0;
  }

  /** False once the step that made this tensor has ended (or freeAll() ran). */
  get alive(): boolean {
    const a = engine().arena;
    return this.epoch === a.epoch && (this.gen < 0 || this.gen === a.generation);
  }

  /** Throws if this step tensor is used after its step, or any tensor after freeAll(). */
  check(): this {
    if (!this.alive) {
      const what = `${this.persistentTensor ? "tensor" : "step tensor"} [${this.shape.join(", ")}]${this.name ? ` "${this.name}"` : ""}`;
      throw new Error(`${what} used after ${this.persistentTensor ? "freeAll() released it" : "its step ended"}`);
    }
    return this;
  }

  /** A fresh view of the data (invalid after memory growth: do not keep it). */
  data(): Float32Array {
    this.check().materialize();
    this.version++;
    return f32(this.ptr, this.size);
  }

  /** Write the zeros a pendingZero tensor stands for, and any pendingWrite over them; returns this. */
  materialize(): this {
    const later = this.pendingWrite;
    if (later) {
      this.pendingWrite = null;
      this.pendingZero = false;
      later.write(this, 0);
      return this;
    }
    if (this.pendingZero) {
      engine().k.fill(this.ptr, this.size, 0);
      this.pendingZero = false;
    }
    return this;
  }

  /** Stand for zeros again without writing anything (a gradient after zeroGrad()): drops any pending write. */
  clearToZero(): this {
    this.pendingZero = true;
    this.pendingWrite = null;
    return this;
  }

  /** A copy of the data. */
  toArray(): Float32Array {
    return this.data().slice();
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item() needs one element, tensor has ${this.size}`);
    return this.data()[0];
  }

  /** Overwrite the data from values. */
  set(values: ArrayLike<number>): this {
    if (values.length !== this.size) throw new Error(`set: ${values.length} values for ${this.size} elements`);
    this.pendingZero = false;
    this.pendingWrite = null;
    this.version++;
    f32(this.check().ptr, this.size).set(values);
    return this;
  }
}
