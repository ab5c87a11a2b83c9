// The training-curves figure of a run: training loss on top, training and
// held-out accuracy below, in one SVG. Pure: takes the recorded points.

import { lineChartSvg } from "./svg.js";

export interface CurvePoint {
  step: number;
  loss: number;
  /** Accuracy as a fraction in [0, 1]. */
  acc: number;
}

export interface HeldOutPoint {
  step: number;
  accuracy: number;
}

/** Two stacked charts in one SVG: training loss, then train / held-out accuracy. */
export function curvesSvg(steps: CurvePoint[], evals: HeldOutPoint[], title: string, heldOutName = "held-out"): string {
  const w = 760,
    h = 360;
  const loss = lineChartSvg({
    title: `${title}: training loss (EMA)`,
    xLabel: "step",
    yLabel: "loss",
    width: w,
    height: h,
    series: [{ name: "train loss", points: steps.map((s) => [s.step, s.loss]) }],
  });
  const acc = lineChartSvg({
    title: `${title}: accuracy`,
    xLabel: "step",
    yLabel: "accuracy (%)",
    width: w,
    height: h,
    series: [
      { name: "train (EMA)", points: steps.map((s) => [s.step, s.acc * 100]) },
      { name: heldOutName, points: evals.map((e) => [e.step, e.accuracy * 100]) },
    ],
  });
  const strip = (svg: string) => svg.replace(/<\?xml[^>]*>\s*/, "");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${2 * h}" viewBox="0 0 ${w} ${2 * h}">\n` +
    `<g>${strip(loss)}</g>\n<g transform="translate(0 ${h})">${strip(acc)}</g>\n</svg>\n`
  );
}
