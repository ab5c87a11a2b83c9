// The process-wide engine: kernel module, its memory, the arena and, with
// threads, a pool of kernel workers over a shared memory. Created lazily on first
// use (synchronous compile, fine in Node, Deno and Bun), or explicitly with
// initEngine() to choose the SIMD variant, threads or module bytes.
// Must not import node:*; must not hold typed-array views of memory.

import { Arena } from "./wasm/arena.js";
import { gemmScratchBytes, MAX_SHARED_PAGES, PAGE } from "./wasm/abi.js";
import type { KernelExports } from "./wasm/kernels.js";
import { loadKernels, type LoadOptions, type SimdVariant } from "./wasm/load.js";
import { KernelPool, rangeStart, runCalls, type KernelCall, type SpawnWorker } from "./wasm/pool.js";
import { sharedMemoryUnavailable } from "./wasm/web-workers.js";

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
  /** How the kernels run, in words: threads and, after a fallback to one thread, why. */
  threading: string;
  /** Largest the memory can grow, in bytes: 2 GiB shared (threads), 4 GiB otherwise. */
  memoryLimit: number;
}

let current: Engine | null = null;
const stepEndHooks: (() => void)[] = [];

/**
 * Load the kernels (replacing any engine: tensors of the old one become invalid).
 * Threads need shared memory; where it is missing (a browser page that is not
 * cross-origin isolated) the engine falls back to one thread and says why in `threading`.
 * @example const e = initEngine({ threads: 4, spawnWorker: spawnWebWorker }); console.log(e.threading);
 */
export function initEngine(opts: EngineOptions = {}): Engine {
  let threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  if (threads > 1 && !opts.spawnWorker) throw new Error("threads > 1 needs a spawnWorker function (Node: spawnNodeWorker)");
  const why = threads > 1 ? sharedMemoryUnavailable() : null;
  if (why) threads = 1;
  current?.pool?.close();
  scratch = null;
  const loaded = loadKernels({ ...opts, shared: threads > 1 });
  const arena = new Arena(loaded.memory, loaded.exports.heapBase());
  const pool = threads > 1 ? new KernelPool(threads, loaded.module, loaded.memory, opts.spawnWorker!) : null;
  const threading = why
    ? `1 thread (asked for ${opts.threads}: ${why})`
    : threads > 1
      ? `${threads} threads over a shared memory`
      : "1 thread";
  const memoryLimit = (threads > 1 ? MAX_SHARED_PAGES : 65536) * PAGE;
  current = {
    options: { ...opts },
    k: loaded.exports,
    memory: loaded.memory,
    arena,
    variant: loaded.variant,
    threads,
    pool,
    threading,
    memoryLimit,
  };
  return current;
}

/**
 * Resolves once every kernel worker has started (until then their shares of the
 * work run on the calling thread, with the same results).
 * @example initEngine({ threads: 2, spawnWorker: spawnWebWorker }); await engineReady();
 */
export async function engineReady(): Promise<Engine> {
  const e = engine();
  await e.pool?.ready();
  return e;
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
  return engine().arena.allocStep(gemmScratchBytes(K), () => `gemm scratch (inner dimension ${K})`);
}

/**
 * Run kernel calls, split over the engine's threads in contiguous groups.
 * Calls must write disjoint outputs. When `scratchArg` is given, that argument
 * of every call is replaced by a scratch buffer of `scratchBytes` private to its thread.
 */
export function parallel(calls: KernelCall[], scratchArg = -1, scratchBytes = 0): void {
  const e = engine();
  const T = e.pool ? Math.min(e.pool.threads, calls.length) : 1;
  if (T <= 1) return parallelParts([calls], scratchArg, scratchBytes);
  // splitRange's contiguous groups (pool.ts), without its list of ranges
  const parts: KernelCall[][] = [];
  for (let p = 0; p < T; p++) parts.push(calls.slice(rangeStart(p, calls.length, T), rangeStart(p + 1, calls.length, T)));
  parallelParts(parts, scratchArg, scratchBytes);
}

/**
 * Run one list of kernel calls per thread (at most the engine's thread count of
 * lists; list t on thread t), as parallel() does with the lists it makes.
 */
export function parallelParts(parts: KernelCall[][], scratchArg = -1, scratchBytes = 0): void {
  const e = engine();
  const T = e.pool ? parts.length : 1;
  if (scratchArg >= 0) {
    // call[0] is the kernel name, so argument i sits at call[i + 1].
    const s = threadScratch(parts.length, scratchBytes);
    for (let t = 0; t < parts.length; t++) for (const c of parts[t]) c[scratchArg + 1] = s[t];
  }
  if (T <= 1 || !e.pool) for (const part of parts) runCalls(e.k, part);
  else e.pool.run(parts, localRunner(e.k));
}

/** The main thread's runner of its own list, made once per kernel module (a step makes no closure). */
let local: { k: KernelExports; run: (calls: KernelCall[]) => void } | null = null;

function localRunner(k: KernelExports): (calls: KernelCall[]) => void {
  if (local?.k !== k) local = { k, run: (calls) => runCalls(k, calls) };
  return local.run;
}

/** Per-thread scratch of the current step, reused by every parallel() call of the step (they run one after another). */
let scratch: { generation: number; epoch: number; bytes: number; ptrs: number[] } | null = null;

function threadScratch(parts: number, bytes: number): number[] {
  const a = engine().arena;
  const fresh = !scratch || scratch.generation !== a.generation || scratch.epoch !== a.epoch;
  if (fresh || scratch!.bytes < bytes || scratch!.ptrs.length < parts) {
    const size = fresh ? bytes : Math.max(bytes, scratch!.bytes);
    const n = fresh ? parts : Math.max(parts, scratch!.ptrs.length);
    scratch = {
      generation: a.generation,
      epoch: a.epoch,
      bytes: size,
      ptrs: Array.from({ length: n }, () => a.allocStep(size, "thread scratch")),
    };
  }
  return scratch!.ptrs;
}

/**
 * Run fn with step memory that is released when it returns: an op's scratch (e.g. unfolded
 * convolution chunks, packed weights). fn must not return or keep anything allocated inside;
 * per-thread scratch that parallel() grew inside fn is released with it.
 * @example withScratch(() => parallel(calls, 13, scratchBytes));
 */
export function withScratch<T>(fn: () => T): T {
  const a = engine().arena;
  const mark = a.mark();
  const before = scratch;
  try {
    return fn();
  } finally {
    a.releaseTo(mark);
    if (scratch !== before) scratch = null; // made above the mark: released
  }
}

/** Split [0, n) into at most `parts` contiguous ranges whose bounds are multiples of `align` (the last ends at n). */
export function alignedRanges(n: number, parts: number, align = 1): [number, number][] {
  const P = alignedParts(n, parts, align);
  const out: [number, number][] = [];
  for (let p = 0; p < P; p++) {
    const lo = alignedStart(p, n, P, align),
      hi = alignedStart(p + 1, n, P, align);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}

/** How many ranges alignedRanges(n, parts, align) cuts, empty ones included. */
function alignedParts(n: number, parts: number, align: number): number {
  return Math.max(1, Math.min(parts, Math.ceil(n / align)));
}

/** Where range p of the P aligned ranges of [0, n) starts (range p ends where p + 1 starts). */
function alignedStart(p: number, n: number, P: number, align: number): number {
  return Math.min(n, rangeStart(p, Math.ceil(n / align), P) * align);
}

/**
 * Run one kernel call per contiguous range of n items, split over the threads
 * when n is at least minItems (ranges start at multiples of align). For
 * kernels whose outputs per item do not depend on the split: bit-identical for
 * any thread count.
 * @example parallelRanges(x.size, (lo, hi) => ["relu", out + lo * 4, x + lo * 4, hi - lo]);
 */
export function parallelRanges(
  n: number,
  make: (lo: number, hi: number) => KernelCall,
  o: { align?: number; minItems?: number; scratchArg?: number; scratchBytes?: number } = {},
): void {
  const T = n >= (o.minItems ?? 65536) ? engine().threads : 1;
  // alignedRanges' ranges, one call each, each call its own thread's list (no list of ranges)
  const align = o.align ?? 4;
  const P = alignedParts(n, T, align);
  const parts: KernelCall[][] = [];
  for (let p = 0; p < P; p++) {
    const lo = alignedStart(p, n, P, align),
      hi = alignedStart(p + 1, n, P, align);
    if (hi > lo) parts.push([make(lo, hi)]);
  }
  if (parts.length > 0) parallelParts(parts, o.scratchArg ?? -1, o.scratchBytes ?? 0);
}

/**
 * `count` consecutive step-memory i32 set to 0 for a dynamic split: the same kernel
 * call runs on every thread, and each takes its next units of work from the first
 * counter (a kernel may use the others, e.g. to count the units done).
 */
export function sharedCounter(count = 1): number {
  const ptr = engine().arena.allocStep(4 * count, "work counter");
  i32(ptr, count).fill(0);
  return ptr;
}

/** Copy integer labels into step memory as i32; returns the address. */
export function stepLabels(labels: ArrayLike<number>): number {
  const ptr = engine().arena.allocStep(labels.length * 4, "labels");
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
