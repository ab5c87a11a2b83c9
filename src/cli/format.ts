// Plain-text tables the commands print.

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
