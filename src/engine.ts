// The process-wide engine: kernel module, its memory and the arena. Created
// lazily on first use (synchronous compile, fine in Node, Deno and Bun), or
// explicitly with initEngine() to choose the SIMD variant or pass bytes.
// Must not import node:*; must not hold typed-array views of memory.

import { Arena } from "./wasm/arena.js";
import { gemmScratchBytes } from "./wasm/abi.js";
import type { KernelExports } from "./wasm/kernels.js";
import { loadKernels, type LoadOptions, type SimdVariant } from "./wasm/load.js";

export interface Engine {
  k: KernelExports;
  memory: WebAssembly.Memory;
  arena: Arena;
  variant: SimdVariant;
}

let current: Engine | null = null;
const stepEndHooks: (() => void)[] = [];

/** Load the kernels (replacing any engine: tensors of the old one become invalid). */
export function initEngine(opts: LoadOptions = {}): Engine {
  const loaded = loadKernels(opts);
  const arena = new Arena(loaded.memory, loaded.exports.heapBase());
  current = { k: loaded.exports, memory: loaded.memory, arena, variant: loaded.variant };
  return current;
}

/** The current engine, created with default options on first use. */
export function engine(): Engine {
  return current ?? initEngine();
}

/** Fresh Float32Array view of n floats at ptr (never cache it: memory growth detaches views). */
export function f32(ptr: number, n: number): Float32Array {
  return new Float32Array(engine().memory.buffer, ptr, n);
}

/** Fresh Int32Array view of n ints at ptr. */
export function i32(ptr: number, n: number): Int32Array {
  return new Int32Array(engine().memory.buffer, ptr, n);
}

/** Step-region scratch for one gemm with inner dimension K. */
export function gemmScratch(K: number): number {
  return engine().arena.allocStep(gemmScratchBytes(K));
}

/** Copy integer labels into step memory as i32; returns the address. */
export function stepLabels(labels: ArrayLike<number>): number {
  const ptr = engine().arena.allocStep(labels.length * 4);
  i32(ptr, labels.length).set(labels);
  return ptr;
}

/** Register a callback run by endStep() (the autograd tape uses it). */
export function onStepEnd(fn: () => void): void {
  stepEndHooks.push(fn);
}

/** End the step: clear the tape and release every step tensor. */
export function endStep(): void {
  for (const fn of stepEndHooks) fn();
  engine().arena.resetStep();
}
