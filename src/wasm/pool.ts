// Worker threads for the kernels: each worker instantiates the same compiled
// module over the same shared memory; the main thread hands it a list of kernel
// calls (through the shared mailbox, mailbox.ts, or as a posted message to a
// worker that takes messages), runs its own share, then waits on a shared
// counter: Atomics.wait where the thread may block, a spin on Atomics.load on a
// browser's main thread (where Atomics.wait throws). Parts of workers not yet
// started run on this thread.
// Runtime neutral: the caller supplies the function that starts a worker.
// Must not touch memory contents itself; calls must write disjoint outputs.

import type { KernelExports } from "./kernels.js";
import { instantiateKernels } from "./instance.js";
import {
  closeMailbox,
  ERROR_BYTES,
  FLAG_SLOTS,
  kernelNames,
  MAILBOX_SLOTS,
  postJob,
  reportFailure,
  serveMailbox,
  SERVES_MAILBOX,
  signalDone,
  writeCalls,
} from "./mailbox.js";

export { FLAG_SLOTS } from "./mailbox.js";

/** A started worker: what the pool needs of Node's Worker or a Web Worker. */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** What a worker is given at start (see src/cli/kernel-worker.ts). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /**
   * Int32 [FLAG_SLOTS * workers]: per worker, a done counter, a status (0 ok, 1 failed),
   * its start (1: takes posted messages, 2: serves the mailbox) and a job counter.
   */
  flags: SharedArrayBuffer;
  /** UTF-8 text of the last failure, 1024 bytes per worker. */
  errors: SharedArrayBuffer;
  /** Float64 [MAILBOX_SLOTS * workers]: the call lists of mailbox workers (mailbox.ts). */
  mailbox?: SharedArrayBuffer;
  index: number;
}

export type SpawnWorker = (init: WorkerInit) => WorkerLike;

/** One kernel call: export name and its arguments. */
export type KernelCall = [name: keyof KernelExports, ...args: number[]];

const WAIT_LIMIT_MS = 120_000;
/**
 * How long the main thread polls a worker's done counter before it sleeps in
 * Atomics.wait: a short list is done sooner than a sleeping thread is woken.
 */
const SPIN_MS = 0.05;

/** True where this thread may block in Atomics.wait (everywhere but a browser page's main thread). */
export function canBlock(): boolean {
  return typeof (globalThis as { document?: unknown }).document === "undefined";
}

export class KernelPool {
  readonly threads: number;
  private readonly workers: WorkerLike[];
  private readonly flags: Int32Array;
  private readonly errors: Uint8Array;
  private readonly boxes: Float64Array[];
  /** Kernel name -> index in the module's exports (the mailbox's kernel numbers). */
  private readonly kernelIndex: Map<string, number>;
  private readonly expected: number[];
  private readonly waitLimitMs: number;
  /** Set when a worker timed out: it may still be writing, so the pool is stopped for good. */
  private broken: string | null = null;
  /** Per thread, in run(): whether its list went to its worker. */
  private readonly posted: boolean[];
  /** Per thread, in run(): for a mailbox worker, the first call of its list not yet written (-1: none); a long list goes in rounds. */
  private readonly next: number[];

  /**
   * Start threads - 1 workers over `memory` (the main thread is the first thread).
   * `waitLimitMs` bounds the wait for one worker (default 120 s).
   */
  constructor(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: SpawnWorker, waitLimitMs = WAIT_LIMIT_MS) {
    if (!Number.isInteger(threads) || threads < 2) throw new Error(`a kernel pool needs at least 2 threads, got ${threads}`);
    this.threads = threads;
    this.waitLimitMs = waitLimitMs;
    const n = threads - 1;
    const flags = new SharedArrayBuffer(4 * FLAG_SLOTS * n);
    const errors = new SharedArrayBuffer(ERROR_BYTES * n);
    const mailbox = new SharedArrayBuffer(8 * MAILBOX_SLOTS * n);
    this.flags = new Int32Array(flags);
    this.errors = new Uint8Array(errors);
    this.boxes = Array.from({ length: n }, (_, w) => new Float64Array(mailbox, 8 * MAILBOX_SLOTS * w, MAILBOX_SLOTS));
    this.kernelIndex = new Map(module ? kernelNames(module).map((name, i) => [name, i]) : []);
    this.expected = new Array<number>(n).fill(0);
    this.posted = new Array<boolean>(threads).fill(false);
    this.next = new Array<number>(threads).fill(-1);
    this.workers = Array.from({ length: n }, (_, index) => spawn({ module, memory, flags, errors, mailbox, index }));
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
    const { posted, next } = this;
    posted.fill(false);
    next.fill(-1);
    let mine = parts[0] ?? [];
    for (let w = 1; w < parts.length; w++) {
      if (parts[w].length === 0) continue;
      const started = this.startedAs(w - 1);
      if (started === 0) {
        if (mine === parts[0]) mine = [...mine];
        mine.push(...parts[w]); // not started yet: same calls, same results, on this thread
        continue;
      }
      this.expected[w - 1]++;
      if (started === SERVES_MAILBOX) {
        next[w] = writeCalls(this.boxes[w - 1], this.kernelIndex, parts[w], 0);
        postJob(this.flags, w - 1);
      } else this.workers[w - 1].postMessage(parts[w]);
      posted[w] = true;
    }
    let failure: unknown = null;
    try {
      local(mine);
    } catch (e) {
      failure = e;
    }
    for (let w = 1; w < parts.length; w++) {
      if (!posted[w]) continue;
      let error = this.waitFor(w - 1);
      while (!error && next[w] >= 0 && next[w] < parts[w].length) {
        // the same worker runs the rest, in order: its calls share its scratch
        next[w] = writeCalls(this.boxes[w - 1], this.kernelIndex, parts[w], next[w]);
        this.expected[w - 1]++;
        postJob(this.flags, w - 1);
        error = this.waitFor(w - 1);
      }
      failure ??= error;
    }
    if (this.broken) this.close();
    if (failure) throw failure;
  }

  /** 0 until worker w has instantiated the module; then 1 (takes posted messages) or 2 (serves the mailbox). */
  private startedAs(w: number): number {
    return Atomics.load(this.flags, FLAG_SLOTS * w + 2);
  }

  /**
   * Resolves when every worker has started (they start asynchronously; until then
   * their parts run on the calling thread).
   * @example initEngine({ threads: 2, spawnWorker: spawnWebWorker }); await engineReady();
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!this.workers.every((_, w) => this.startedAs(w) !== 0)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`kernel workers did not start within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Wait for worker w's latest list; returns its failure (or a timeout) as an Error, null when it succeeded. */
  private waitFor(w: number): Error | null {
    const expected = this.expected[w];
    // spin without a closure, reading the clock every 256 polls (~5 us), first to start it
    let t0 = -1;
    for (let i = 1; Atomics.load(this.flags, FLAG_SLOTS * w) !== expected; i++) {
      if ((i & 255) !== 0) continue;
      const now = performance.now();
      if (t0 < 0) t0 = now;
      else if (now - t0 > SPIN_MS) break;
    }
    if (t0 < 0) return this.status(w); // done within the first 256 polls
    const block = canBlock();
    for (;;) {
      const seen = Atomics.load(this.flags, FLAG_SLOTS * w);
      if (seen === expected) break;
      if (performance.now() - t0 > this.waitLimitMs) {
        this.broken = `kernel worker ${w + 1} did not answer within ${this.waitLimitMs / 1000} s; the kernel pool is stopped`;
        return new Error(this.broken);
      }
      if (block) Atomics.wait(this.flags, FLAG_SLOTS * w, seen, Math.min(1000, this.waitLimitMs));
    }
    return this.status(w);
  }

  /** Worker w's failure once its list is done, as an Error; null when it succeeded. */
  private status(w: number): Error | null {
    if (Atomics.load(this.flags, FLAG_SLOTS * w + 1) !== 0) {
      const bytes = this.errors.slice(w * ERROR_BYTES, (w + 1) * ERROR_BYTES);
      const end = bytes.indexOf(0);
      return new Error(`kernel worker ${w + 1} failed: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end))}`);
    }
    return null;
  }

  /** Stop the workers (the pool is unusable afterwards). */
  close(): void {
    this.workers.forEach((worker, w) => {
      if (this.startedAs(w) === SERVES_MAILBOX) closeMailbox(this.flags, w);
      worker.terminate();
    });
  }
}

/** Worker side: run one posted list of calls and signal the main thread. */
export function runPosted(exports: KernelExports, init: WorkerInit, calls: KernelCall[]): void {
  let ok = true;
  try {
    runCalls(exports, calls);
  } catch (e) {
    ok = false;
    reportFailure(init, e);
  }
  signalDone(init, ok);
}

/** Worker side: instantiate the module over the shared memory and mark this worker started (it takes posted lists: runPosted). */
export function startWorker(init: WorkerInit): KernelExports {
  const exports = instantiateKernels(init.module, init.memory);
  Atomics.store(new Int32Array(init.flags), FLAG_SLOTS * init.index + 2, 1);
  return exports;
}

/**
 * Worker side: instantiate the module and serve the mailbox until the pool closes
 * (blocks the worker's event loop). Where the pool gave no mailbox, falls back to
 * startWorker; returns the exports then, for runPosted.
 */
export function serveKernels(init: WorkerInit): KernelExports | null {
  if (!init.mailbox) return startWorker(init);
  serveMailbox(instantiateKernels(init.module, init.memory), init);
  return null;
}

/** The most arguments a kernel takes (routedWeightGradAdam's 27); a test checks every export against it. */
export const MAX_KERNEL_ARGS = 27;

type AnyKernel = (...args: (number | undefined)[]) => void;

/**
 * Run kernel calls in order, with no array or spread per call: each kernel gets its arguments
 * and undefined for the rest up to MAX_KERNEL_ARGS, which WebAssembly drops (a JS call past a
 * function's parameter count ignores the extra arguments).
 */
export function runCalls(k: KernelExports, calls: readonly KernelCall[]): void {
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i];
    const f = k[c[0]] as unknown as AnyKernel;
    if (typeof f !== "function") throw new Error(`kernel ${c[0]} is not exported by the kernel module`);
    // prettier-ignore
    f(c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15], c[16], c[17], c[18], c[19], c[20],
      c[21], c[22], c[23], c[24], c[25], c[26], c[27]);
  }
}

/** Split items into `parts` contiguous ranges of near-equal size. */
export function splitRange(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) out.push([rangeStart(p, n, parts), rangeStart(p + 1, n, parts)]);
  return out;
}

/** Where range p of splitRange(n, parts) starts (range p ends where p + 1 starts): for callers that keep no list. */
export function rangeStart(p: number, n: number, parts: number): number {
  return Math.floor((p * n) / parts);
}
