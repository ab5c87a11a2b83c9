// Worker threads for the kernels: each worker instantiates the same compiled
// module over the same shared memory; the main thread posts it a list of kernel
// calls, runs its own share, then waits on a shared counter (Atomics). Runtime
// neutral: the caller supplies the function that starts a worker.
// Must not touch memory contents itself; calls must write disjoint outputs.

import type { KernelExports } from "./kernels.js";

/** A started worker: what the pool needs of Node's Worker or a Web Worker. */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** What a worker is given at start (see src/cli/kernel-worker.ts). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Int32 [2 * workers]: per worker, a done counter then a status (0 ok, 1 failed). */
  flags: SharedArrayBuffer;
  /** UTF-8 text of the last failure, 1024 bytes per worker. */
  errors: SharedArrayBuffer;
  index: number;
}

export type SpawnWorker = (init: WorkerInit) => WorkerLike;

/** One kernel call: export name and its arguments. */
export type KernelCall = [name: keyof KernelExports, ...args: number[]];

const ERROR_BYTES = 1024;
const WAIT_LIMIT_MS = 120_000;

export class KernelPool {
  readonly threads: number;
  private readonly workers: WorkerLike[];
  private readonly flags: Int32Array;
  private readonly errors: Uint8Array;
  private readonly expected: number[];
  private readonly waitLimitMs: number;
  /** Set when a worker timed out: it may still be writing, so the pool is stopped for good. */
  private broken: string | null = null;

  /**
   * Start threads - 1 workers over `memory` (the main thread is the first thread).
   * `waitLimitMs` bounds the wait for one worker (default 120 s).
   */
  constructor(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: SpawnWorker, waitLimitMs = WAIT_LIMIT_MS) {
    if (!Number.isInteger(threads) || threads < 2) throw new Error(`a kernel pool needs at least 2 threads, got ${threads}`);
    this.threads = threads;
    this.waitLimitMs = waitLimitMs;
    const n = threads - 1;
    const flags = new SharedArrayBuffer(8 * n);
    const errors = new SharedArrayBuffer(ERROR_BYTES * n);
    this.flags = new Int32Array(flags);
    this.errors = new Uint8Array(errors);
    this.expected = new Array<number>(n).fill(0);
    this.workers = Array.from({ length: n }, (_, index) => spawn({ module, memory, flags, errors, index }));
  }

  /**
   * Run parts[0] on this thread and parts[i] on worker i - 1, and return when
   * all are done. Every part must write outputs no other part touches. When a
   * part fails, every other part is still waited for before the first failure
   * is thrown, so nothing keeps writing into memory the caller reuses; a worker
   * that does not answer in time stops the pool (every later run throws).
   */
  run(parts: KernelCall[][], local: (calls: KernelCall[]) => void): void {
    if (this.broken) throw new Error(this.broken);
    if (parts.length > this.threads) throw new Error(`${parts.length} parts for ${this.threads} threads`);
    for (let w = 1; w < parts.length; w++) {
      if (parts[w].length === 0) continue;
      this.expected[w - 1]++;
      this.workers[w - 1].postMessage(parts[w]);
    }
    let failure: unknown = null;
    try {
      local(parts[0] ?? []);
    } catch (e) {
      failure = e;
    }
    for (let w = 1; w < parts.length; w++) {
      if (parts[w].length === 0) continue;
      const error = this.waitFor(w - 1);
      failure ??= error;
    }
    if (this.broken) this.close();
    if (failure) throw failure;
  }

  /** Wait for worker w's latest list; returns its failure (or a timeout) as an Error, null when it succeeded. */
  private waitFor(w: number): Error | null {
    const t0 = Date.now();
    for (;;) {
      const seen = Atomics.load(this.flags, 2 * w);
      if (seen === this.expected[w]) break;
      if (Date.now() - t0 > this.waitLimitMs) {
        this.broken = `kernel worker ${w + 1} did not answer within ${this.waitLimitMs / 1000} s; the kernel pool is stopped`;
        return new Error(this.broken);
      }
      Atomics.wait(this.flags, 2 * w, seen, Math.min(1000, this.waitLimitMs));
    }
    if (Atomics.load(this.flags, 2 * w + 1) !== 0) {
      const bytes = this.errors.slice(w * ERROR_BYTES, (w + 1) * ERROR_BYTES);
      const end = bytes.indexOf(0);
      return new Error(`kernel worker ${w + 1} failed: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end))}`);
    }
    return null;
  }

  /** Stop the workers (the pool is unusable afterwards). */
  close(): void {
    for (const w of this.workers) w.terminate();
  }
}

/** Worker side: run one posted list of calls and signal the main thread. */
export function runPosted(exports: KernelExports, init: WorkerInit, calls: KernelCall[]): void {
  const flags = new Int32Array(init.flags);
  let status = 0;
  try {
    for (const [name, ...args] of calls) (exports[name] as (...a: number[]) => void)(...args);
  } catch (e) {
    status = 1;
    const text = new TextEncoder().encode(String((e as Error)?.message ?? e)).subarray(0, ERROR_BYTES - 1);
    const errors = new Uint8Array(init.errors, init.index * ERROR_BYTES, ERROR_BYTES);
    errors.fill(0);
    errors.set(text);
  }
  Atomics.store(flags, 2 * init.index + 1, status);
  Atomics.add(flags, 2 * init.index, 1);
  Atomics.notify(flags, 2 * init.index);
}

/** Split items into `parts` contiguous ranges of near-equal size. */
export function splitRange(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) out.push([Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)]);
  return out;
}
