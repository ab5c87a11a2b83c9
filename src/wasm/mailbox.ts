// The kernel workers' mailbox: a worker that serves it waits in Atomics.wait on
// its job counter, and the main thread writes a list of kernel calls into the
// worker's slice of one shared Float64Array (kernel index, argument count,
// arguments; f64 holds every i32 address and f32 value exactly), then bumps the
// counter and wakes it. No message is posted, so a call list costs a few
// microseconds instead of a trip through the worker's event loop.
// Runtime neutral: used by the Node and Web Worker entry points.

import type { KernelExports } from "./kernels.js";
import type { KernelCall, WorkerInit } from "./pool.js";

/** f64 slots of one worker's mailbox (64 KiB): hundreds of calls; a longer list goes in several rounds. */
export const MAILBOX_SLOTS = 8192;
/** Int32 slots per worker in the shared flags: done counter, status, started (1 messages, 2 mailbox), job counter. */
export const FLAG_SLOTS = 4;
/** The started flag of a worker that serves the mailbox (a worker that takes posted messages sets 1). */
export const SERVES_MAILBOX = 2;
/**
 * How long a mailbox worker polls for the next list before it sleeps in
 * Atomics.wait: the lists of a training step come a few hundred microseconds
 * apart, and waking a sleeping thread costs about as much on a virtual machine.
 */
const WORKER_SPIN_MS = 0.5;

/** The job counter's value that tells a mailbox worker to return. */
const CLOSED = -1;
/** Bytes of failure text per worker. */
export const ERROR_BYTES = 1024;

/** The module's exported functions in export order: the kernel index both sides use. */
export function kernelNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function")
    .map((e) => e.name);
}

/**
 * Write as many of calls[from..] as fit into a mailbox; returns the index of the
 * first call not written. Throws for a kernel the module does not export.
 */
export function writeCalls(box: Float64Array, index: Map<string, number>, calls: KernelCall[], from: number): number {
  let at = 1,
    i = from;
  for (; i < calls.length; i++) {
    const c = calls[i];
    const id = index.get(c[0]);
    if (id === undefined) throw new Error(`kernel ${c[0]} is not exported by the kernel module`);
    const argc = c.length - 1;
    if (at + 2 + argc > box.length) {
      if (i === from) throw new Error(`kernel call ${c[0]} has ${argc} arguments: more than a mailbox holds`);
      break;
    }
    box[at++] = id;
    box[at++] = argc;
    for (let a = 1; a <= argc; a++) box[at++] = c[a] as number;
  }
  box[0] = i - from;
  return i;
}

/** Record a failure for the main thread: status 1 and the message text. */
export function reportFailure(init: Pick<WorkerInit, "flags" | "errors" | "index">, e: unknown): void {
  const text = new TextEncoder().encode(String((e as Error)?.message ?? e)).subarray(0, ERROR_BYTES - 1);
  const errors = new Uint8Array(init.errors, init.index * ERROR_BYTES, ERROR_BYTES);
  errors.fill(0);
  errors.set(text);
  Atomics.store(new Int32Array(init.flags), FLAG_SLOTS * init.index + 1, 1);
}

/** Tell the main thread this worker's list is done (status 0 unless a failure was reported). */
export function signalDone(init: Pick<WorkerInit, "flags" | "index">, ok: boolean): void {
  const flags = new Int32Array(init.flags);
  if (ok) Atomics.store(flags, FLAG_SLOTS * init.index + 1, 0);
  Atomics.add(flags, FLAG_SLOTS * init.index, 1);
  Atomics.notify(flags, FLAG_SLOTS * init.index);
}

/** Wake a mailbox worker for the list just written. */
export function postJob(flags: Int32Array, w: number): void {
  Atomics.add(flags, FLAG_SLOTS * w + 3, 1);
  Atomics.notify(flags, FLAG_SLOTS * w + 3);
}

/** Make a mailbox worker return from serveMailbox. */
export function closeMailbox(flags: Int32Array, w: number): void {
  Atomics.store(flags, FLAG_SLOTS * w + 3, CLOSED);
  Atomics.notify(flags, FLAG_SLOTS * w + 3);
}

/**
 * Worker side: mark this worker as serving the mailbox, then run each list of
 * calls written to it until the pool closes. Blocks the worker's event loop.
 */
export function serveMailbox(exports: KernelExports, init: WorkerInit): void {
  const flags = new Int32Array(init.flags);
  const box = new Float64Array(init.mailbox!, init.index * MAILBOX_SLOTS * 8, MAILBOX_SLOTS);
  const fns = kernelNames(init.module).map((name) => (exports as unknown as Record<string, (...a: number[]) => void>)[name]);
  const job = FLAG_SLOTS * init.index + 3;
  let seen = Atomics.load(flags, job);
  Atomics.store(flags, FLAG_SLOTS * init.index + 2, SERVES_MAILBOX);
  // one argument array per count, refilled for each call: a list makes no garbage
  const argsOf: number[][] = [];
  const spin = (): boolean => {
    const t0 = performance.now();
    for (let i = 0; ; i++) {
      if (Atomics.load(flags, job) !== seen) return true;
      if ((i & 63) === 63 && performance.now() - t0 > WORKER_SPIN_MS) return false;
    }
  };
  for (;;) {
    if (!spin()) Atomics.wait(flags, job, seen);
    const now = Atomics.load(flags, job);
    if (now === CLOSED) return;
    if (now === seen) continue;
    seen = now;
    let ok = true;
    try {
      const n = box[0];
      for (let c = 0, at = 1; c < n; c++) {
        const f = fns[box[at]];
        const argc = box[at + 1];
        const args = (argsOf[argc] ??= new Array<number>(argc).fill(0));
        for (let i = 0; i < argc; i++) args[i] = box[at + 2 + i];
        f.apply(null, args);
        at += 2 + argc;
      }
    } catch (e) {
      ok = false;
      reportFailure(init, e);
    }
    signalDone(init, ok);
  }
}
