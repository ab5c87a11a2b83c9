// Thread scaling measured in pairs: one process per thread count
// (scaling-child.ts) stays up, and the bench asks them in turn for short timing
// windows of the ScRRAMBLe training step, 1 thread then 2 (then 2 then 1 in the
// next pair, so neither side always goes first): each ratio compares windows a
// second or two apart. The model cases' 1- and 2-thread rounds run minutes
// apart, and the host's speed swings by more than the scaling within seconds.
// hostProbes runs host-probe.ts beside it: what the host gives a second thread in the
// same minutes.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { childReport, spread, type Spread } from "./rounds.js";
import type { HostProbeRow } from "./host-probe-kinds.js";

export interface ThreadScaling {
  threads: number[];
  /** Timing windows per thread count, and their length. */
  pairs: number;
  windowMs: number;
  /** samples/s per thread count, one value per window */
  samplesPerSecond: Record<number, number[]>;
  /** per pair of windows: samples/s on the last thread count over the first */
  ratio: Spread;
}

const child = fileURLToPath(new URL("./scaling-child.js", import.meta.url));

/** A scaling child for a thread count: ask it for a window, get its samples/s. */
function startChild(threads: number): { next(): Promise<Record<string, unknown>>; send(ms: number): void; end(): Promise<void> } {
  const p = spawn(process.execPath, [child, String(threads)], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<void>((resolve, reject) =>
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`thread scaling: the ${threads}-thread child exited with ${code}`)))),
  );
  return {
    async next() {
      const r = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: "" }))]);
      if (r.done) throw new Error(`thread scaling: the ${threads}-thread child ended without a report`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
    send: (ms) => void p.stdin!.write(`${ms}\n`),
    end: () => (p.stdin!.end(), exited),
  };
}

/**
 * Samples/s of each thread count in `pairs` windows of `ms` each, asked of the thread counts'
 * processes in turn, and the ratio of the last thread count over the first in each pair.
 */
export async function threadScaling(o: { pairs: number; ms: number; threads?: number[] }): Promise<ThreadScaling> {
  const threads = o.threads ?? [1, 2];
  const kids = threads.map(startChild);
  try {
    for (const k of kids) await k.next(); // ready: built and one step run
    const samplesPerSecond: Record<number, number[]> = Object.fromEntries(threads.map((t) => [t, []]));
    for (let r = 0; r < o.pairs; r++) {
      const order = r % 2 ? [...threads.keys()].reverse() : [...threads.keys()];
      for (const i of order) {
        kids[i].send(o.ms);
        const v = Number((await kids[i].next()).samplesPerSecond);
        if (!(v > 0)) throw new Error(`thread scaling: ${threads[i]} threads gave ${v} samples/s`);
        samplesPerSecond[threads[i]].push(v);
      }
    }
    const [lo, hi] = [threads[0], threads[threads.length - 1]];
    const ratios = samplesPerSecond[hi].map((v, i) => v / samplesPerSecond[lo][i]);
    return { threads, pairs: o.pairs, windowMs: o.ms, samplesPerSecond, ratio: spread(ratios) };
  } finally {
    await Promise.all(kids.map((k) => k.end().catch(() => undefined)));
  }
}

const probe = fileURLToPath(new URL("./host-probe.js", import.meta.url));

/** What the host gives a second thread (host-probe.ts, in a fresh process): its table, and its report. */
export function hostProbes(o: { rounds: number; ms: number }): { printed: string; report: { rows: HostProbeRow[] } } {
  return childReport(process.execPath, [probe, "--rounds", String(o.rounds), "--ms", String(o.ms)]);
}
