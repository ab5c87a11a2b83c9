// Thread scaling measured in pairs: every round runs the ScRRAMBLe training
// step on 1 thread, then on 2 (each in a fresh process: scaling-child.ts), so
// that both sides of a ratio see the same minutes of the host. The model cases'
// 1- and 2-thread rounds run minutes apart, and the host's speed swings by more
// than the scaling within that time.

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spread, type Spread } from "./rounds.js";

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
      const out = execFileSync(process.execPath, [child, String(t), String(o.ms)], { encoding: "utf8" });
      const line = out.trim().split("\n").pop() ?? "";
      const v = (JSON.parse(line) as { samplesPerSecond: number }).samplesPerSecond;
      if (!(v > 0)) throw new Error(`thread scaling: ${t} threads gave ${line}`);
      samplesPerSecond[t].push(v);
    }
  }
  const [lo, hi] = [threads[0], threads[threads.length - 1]];
  const ratios = samplesPerSecond[hi].map((v, i) => v / samplesPerSecond[lo][i]);
  return { threads, samplesPerSecond, ratio: spread(ratios) };
}
