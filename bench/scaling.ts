// Thread scaling measured in pairs: every round runs the ScRRAMBLe training
// step on 1 thread, then on 2 (each in a fresh process: scaling-child.ts), so
// that both sides of a ratio see the same minutes of the host. The model cases'
// 1- and 2-thread rounds run minutes apart, and the host's speed swings by more
// than the scaling within that time.
// hostProbes runs host-probe.ts beside it: what the host gives a second thread in the
// same minutes.

import { fileURLToPath } from "node:url";
import { childReport, spread, type Spread } from "./rounds.js";
import type { HostProbeRow } from "./host-probe-kinds.js";

export interface ThreadScaling {
  threads: number[];
  /** samples/s per thread count, one value per round */
  samplesPerSecond: Record<number, number[]>;
  /** per round: samples/s on the last thread count over the first */
  ratio: Spread;
}

const child = fileURLToPath(new URL("./scaling-child.js", import.meta.url));

/** Samples/s of each thread count in `rounds` rounds, and the per-round ratio of the last over the first. */
export function threadScaling(o: { rounds: number; ms: number; threads?: number[] }): ThreadScaling {
  const threads = o.threads ?? [1, 2];
  const samplesPerSecond: Record<number, number[]> = Object.fromEntries(threads.map((t) => [t, []]));
  for (let r = 0; r < o.rounds; r++) {
    for (const t of threads) {
      const v = childReport<{ samplesPerSecond: number }>(process.execPath, [child, String(t), String(o.ms)]).report.samplesPerSecond;
      if (!(v > 0)) throw new Error(`thread scaling: ${t} threads gave ${v} samples/s`);
      samplesPerSecond[t].push(v);
    }
  }
  const [lo, hi] = [threads[0], threads[threads.length - 1]];
  const ratios = samplesPerSecond[hi].map((v, i) => v / samplesPerSecond[lo][i]);
  return { threads, samplesPerSecond, ratio: spread(ratios) };
}

const probe = fileURLToPath(new URL("./host-probe.js", import.meta.url));

/** What the host gives a second thread (host-probe.ts, in a fresh process): its table, and its report. */
export function hostProbes(o: { rounds: number; ms: number }): { printed: string; report: { rows: HostProbeRow[] } } {
  return childReport(process.execPath, [probe, "--rounds", String(o.rounds), "--ms", String(o.ms)]);
}
