// The process-wide engine: kernel module, its memory, the arena and, with
// threads, a pool of kernel workers over a shared memory. Created lazily on first
// use (synchronous compile, fine in Node, Deno and Bun), or explicitly with
// initEngine() to choose the SIMD variant, threads or module bytes.
// Must not import node:*; must not hold typed-array views of memory.

import { Arena } from "./wasm/arena.js";
import { gemmScratchBytes } from "./wasm/abi.js";
import type { KernelExports } from "./wasm/kernels.js";
import { loadKernels, type LoadOptions, type SimdVariant } from "./wasm/load.js";
import { KernelPool, splitRange, type KernelCall, type SpawnWorker } from "./wasm/pool.js";

export interface EngineOptions extends LoadOptions {
  /** Threads for the kernels (default 1). More than 1 needs spawnWorker. */
  threads?: number;
  /** Starts one kernel worker (Node: spawnNodeWorker from scrramble/node). */
  spawnWorker?: SpawnWorker;
}

export interface Engine {
  /** The options it was made with (initEngine(engine().options) makes a twin). */
  options: EngineOptions;
  k: KernelExports;
  memory: WebAssembly.Memory;
  arena: Arena;
  variant: SimdVariant;
  threads: number;
  pool: KernelPool | null;
}

let current: Engine | null = null;
const stepEndHooks: (() => void)[] = [];

/** Load the kernels (replacing any engine: tensors of the old one become invalid). */
export function initEngine(opts: EngineOptions = {}): Engine {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  if (threads > 1 && !opts.spawnWorker) throw new Error("threads > 1 needs a spawnWorker function (Node: spawnNodeWorker)");
  current?.pool?.close();
  const loaded = loadKernels({ ...opts, shared: threads > 1 });
  const arena = new Arena(loaded.memory, loaded.exports.heapBase());
  const pool = threads > 1 ? new KernelPool(threads, loaded.module, loaded.memory, opts.spawnWorker!) : null;
  current = { options: { ...opts }, k: loaded.exports, memory: loaded.memory, arena, variant: loaded.variant, threads, pool };
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

/**
 * Run kernel calls, split over the engine's threads in contiguous groups.
 * Calls must write disjoint outputs. When `scratchArg` is given, that argument
 * of every call is replaced by a scratch buffer of `scratchBytes` private to its thread.
 */
export function parallel(calls: KernelCall[], scratchArg = -1, scratchBytes = 0): void {
  const e = engine();
  const T = e.pool ? Math.min(e.pool.threads, calls.length) : 1;
  const parts = splitRange(calls.length, T).map(([a, b]) => calls.slice(a, b));
  if (scratchArg >= 0) {
    // call[0] is the kernel name, so argument i sits at call[i + 1].
    for (const part of parts) {
      const s = e.arena.allocStep(scratchBytes);
      for (const c of part) c[scratchArg + 1] = s;
    }
  }
  const local = (list: KernelCall[]) => {
    for (const [name, ...args] of list) (e.k[name] as (...a: number[]) => void)(...args);
  };
  if (T <= 1 || !e.pool) local(parts.flat());
  else e.pool.run(parts, local);
}

/**
 * Run fn with step memory that is released when it returns: an op's scratch (e.g. unfolded
 * convolution chunks, packed weights). fn must not return or keep anything allocated inside.
 * @example withScratch(() => parallel(calls, 13, scratchBytes));
 */
export function withScratch<T>(fn: () => T): T {
  const a = engine().arena;
  const mark = a.mark();
  try {
    return fn();
  } finally {
    a.releaseTo(mark);
  }
}

/** Split [0, n) into at most `parts` contiguous ranges whose bounds are multiples of `align` (the last ends at n). */
export function alignedRanges(n: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(n / align);
  const p = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let i = 0; i < p; i++) {
    const a = Math.min(n, Math.floor((i * units) / p) * align);
    const b = Math.min(n, Math.floor(((i + 1) * units) / p) * align);
    if (b > a) out.push([a, b]);
  }
  return out;
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

/**
 * Release every tensor, persistent ones too: models and optimisers built before
 * become unusable (their tensors throw). Keeps the kernels, memory and threads,
 * e.g. between the trainings of a sweep.
 */
export function freeAll(): void {
  for (const fn of stepEndHooks) fn();
  engine().arena.resetAll();
}
