// Interleaved measurement: R rounds of (ours, theirs) per case, so both sides
// see the same host (whose speed swings within minutes). Summaries: the median
// of each side's round values with their min-max, and the median ratio with
// its min-max over rounds.

import { execFileSync } from "node:child_process";
import { Bench } from "tinybench";

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/** Quantile q in [0, 1] of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Per-call times (ms, sorted) of fn over about `ms` milliseconds, measured by tinybench. */
export async function timeCalls(name: string, fn: () => unknown, ms: number): Promise<number[]> {
  const bench = new Bench({ time: ms, warmupTime: Math.min(300, ms / 3), retainSamples: true });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result as { latency?: { samples?: number[] }; error?: Error; state?: string };
  if (!r?.latency?.samples?.length) throw new Error(`${name}: no result (${r?.error?.message ?? r?.state})`);
  return [...r.latency.samples].sort((a, b) => a - b);
}

/**
 * Run a child process of the bench (ours or a PyTorch anchor), which reports on its last line
 * as JSON: that line parsed, and what the child printed before it.
 */
export function childReport<T>(command: string, args: string[], env?: NodeJS.ProcessEnv): { printed: string; report: T } {
  const out = execFileSync(command, args, { encoding: "utf8", ...(env ? { env } : {}) }).trimEnd();
  const cut = out.lastIndexOf("\n");
  return { printed: out.slice(0, cut + 1).trimEnd(), report: JSON.parse(out.slice(cut + 1)) as T };
}
