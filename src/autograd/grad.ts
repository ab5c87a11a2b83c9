// Gradient buffers of tensors: a parameter owns a persistent one (parameter()),
// any other tensor gets a step tensor on first use. A rule whose kernel writes
// every element asks gradInto() and overwrites a buffer that holds zeros
// (fresh, or zeroed lazily by zeroGrad()) instead of filling it and adding.
// A rule may also defer a parameter's gradient (gradLater): an optimiser that
// can fuse it computes it inside its update and never writes the buffer; any
// read of the buffer, or the end of the step, writes it first. A rule that
// wrote a relu output's gradient already masked (relu's backward fused into
// its kernel) marks the buffer; any later writer clears the mark.

import { onStepEnd } from "../engine.js";
import { Tensor, type PendingWrite } from "../tensor.js";

/** Gradient buffers written so far only by a kernel that applied a relu's mask (see markReluMasked). */
const reluMasked = new WeakSet<Tensor>();

/** Record that the only write so far into `grad` (the gradient of a relu output) was already masked by that relu. */
export function markReluMasked(grad: Tensor): void {
  reluMasked.add(grad);
}

/** True when every write into `grad` so far applied the relu's mask: the relu's own backward can skip it. */
export function isReluMasked(grad: Tensor): boolean {
  return reluMasked.has(grad);
}

/** The gradient buffer of t, zero-filled when first used or pending zeros (for kernels that add). */
export function gradOf(t: Tensor): Tensor {
  if (t.grad) {
    reluMasked.delete(t.grad);
    return t.grad.check().materialize();
  }
  if (t.persistentTensor) {
    throw new Error(`tensor${t.name ? ` "${t.name}"` : ""} requires grad but has no gradient buffer: create it with parameter()`);
  }
  t.grad = Tensor.zeros(t.shape);
  return t.grad;
}

/**
 * The gradient buffer of t for a kernel that writes every element, with the
 * kernel's accumulate flag: 0 (overwrite) when the buffer holds only zeros so
 * far, 1 (add) when an earlier rule already wrote it.
 */
export function gradInto(t: Tensor): { grad: Tensor; accumulate: 0 | 1 } {
  if (!t.grad) {
    if (t.persistentTensor) return { grad: gradOf(t), accumulate: 1 };
    t.grad = Tensor.empty(t.shape);
    return { grad: t.grad, accumulate: 0 };
  }
  reluMasked.delete(t.grad); // a new write: unmasked unless its rule marks it again
  const g = t.grad.check();
  if (g.pendingWrite) g.materialize(); // a deferred gradient first: then this one adds
  if (g.pendingZero) {
    g.pendingZero = false;
    return { grad: g, accumulate: 0 };
  }
  return { grad: g, accumulate: 1 };
}

/** A parameter gradient a rule computes later: alone (write), or piecewise inside an Adam update (adam). */
export interface DeferredGrad extends PendingWrite {
  /**
   * Compute the gradient in pieces, each applied at once by Adam to the parameter:
   * `update` is adamStep's arguments after the gradient (p, m, v, lr, beta1, beta2,
   * eps, wd, decoupled, bc1, bc2). One i32 verdict per call from `flags` (at most
   * the engine's thread count); returns the number of calls.
   */
  adam(update: number[], flags: number): number;
  /** Set once an optimiser applied it: the end of the step then drops it instead of writing it. */
  applied: boolean;
}

const deferred = new Set<Tensor>();
onStepEnd(() => {
  // A deferred gradient reads the step's tensors: write it before they are released,
  // unless an optimiser already applied it (then the gradient is not kept).
  for (const g of deferred) {
    const d = g.pendingWrite as DeferredGrad | null;
    if (d && !d.applied && g.alive) g.materialize();
    else if (d) g.pendingWrite = null;
  }
  deferred.clear();
});

/**
 * Leave t's gradient to d when t's buffer holds nothing yet (pending zeros), so
 * that an optimiser may fuse it into its update; else write it now.
 */
export function gradLater(t: Tensor, d: DeferredGrad): void {
  const g = t.grad?.check();
  if (g && t.persistentTensor && g.pendingZero && !g.pendingWrite) {
    g.pendingWrite = d;
    deferred.add(g);
    return;
  }
  const { grad, accumulate } = gradInto(t);
  d.write(grad, accumulate);
}
