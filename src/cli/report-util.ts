// Small presentation helpers of the CLI: the training-curves SVG (loss on top,
// accuracy below, one file), a confusion-matrix table, and the peak RSS.

import { lineChartSvg } from "../plot/svg.js";
import type { EvalInfo, StepInfo } from "../train/trainer.js";

/** Two stacked charts in one SVG: training loss, then train / held-out accuracy. */
export function curvesSvg(steps: StepInfo[], evals: EvalInfo[], title: string): string {
  const w = 760, h = 360;
  const loss = lineChartSvg({ title: `${title}: training loss (EMA)`, xLabel: "step", yLabel: "loss", width: w, height: h, series: [{ name: "train loss", points: steps.map((s) => [s.step, s.loss]) }] });
  const acc = lineChartSvg({
    title: `${title}: accuracy`, xLabel: "step", yLabel: "accuracy (%)", width: w, height: h,
    series: [
      { name: "train (EMA)", points: steps.map((s) => [s.step, s.acc * 100]) },
      { name: "held-out", points: evals.map((e) => [e.step, e.accuracy * 100]) },
    ],
  });
  const strip = (svg: string) => svg.replace(/<\?xml[^>]*>\s*/, "");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${2 * h}" viewBox="0 0 ${w} ${2 * h}">\n` +
    `<g>${strip(loss)}</g>\n<g transform="translate(0 ${h})">${strip(acc)}</g>\n</svg>\n`;
}

/** confusion[true][pred] as an aligned text table. */
export function formatConfusion(confusion: number[][]): string {
  const C = confusion.length;
  const wid = Math.max(4, ...confusion.flat().map((v) => String(v).length + 1));
  const head = "true\\pred".padEnd(10) + Array.from({ length: C }, (_, c) => String(c).padStart(wid)).join("") + "  recall";
  const rows = confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return String(t).padEnd(10) + row.map((v) => String(v).padStart(wid)).join("") + `  ${total ? ((row[t] / total) * 100).toFixed(1) : "-"}%`;
  });
  return [head, ...rows].join("\n") + "\n";
}

/** Peak resident set size of this process in MB (10^6 bytes). */
export function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}
