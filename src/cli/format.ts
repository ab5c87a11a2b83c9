// Plain-text tables the commands print.

import type { RunResult } from "../node/run.js";

/** confusion[true][pred] as an aligned text table with per-class recall. */
export function formatConfusion(confusion: number[][]): string {
  const C = confusion.length;
  const wid = Math.max(4, ...confusion.flat().map((v) => String(v).length + 1));
  const head = "true\\pred".padEnd(10) + Array.from({ length: C }, (_, c) => String(c).padStart(wid)).join("") + "  recall";
  const rows = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return (
      String(t).padEnd(10) + row.map((v) => String(v).padStart(wid)).join("") + `  ${total ? ((row[t] / total) * 100).toFixed(1) : "-"}%`
    );
  });
  return [head, ...rows].join("\n") + "\n";
}

/** A byte count for people: B, KiB (1024) or MiB, three significant digits. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const [v, unit] = n < 1024 * 1024 ? [n / 1024, "KiB"] : [n / (1024 * 1024), "MiB"];
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`;
}

/** Where a training run's time went (RunResult.timing), with the steps' own rate, as one line. */
export function formatTiming(t: RunResult["timing"], stepRate: number): string {
  const s = (x: number) => `${x.toFixed(1)} s`;
  const total = t.steps + t.data + t.evaluation + t.handlers + t.other;
  return (
    `training loop ${s(total)} = steps ${s(t.steps)} (${stepRate.toFixed(0)} samples/s) + data ${s(t.data)} + ` +
    `held-out evaluation ${s(t.evaluation)} + checkpoints, metrics and progress ${s(t.handlers)} + other ${s(t.other)}\n`
  );
}
