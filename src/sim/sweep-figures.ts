// What a sweep leaves: the data files (CSV of points, CSV of every run, JSON)
// and the figures (line chart with error bars, box plot, heat maps, accuracy
// against slot connectivity beside dense networks), all from the plan, the
// build and the task results alone, so a merged sharded sweep writes the very
// same bytes as an unsharded one. Timings never enter these files. Pure.

import { lineChartSvg, type LineSeries } from "../plot/svg.js";
import { boxPlotSvg } from "../plot/boxplot.js";
import { heatmapSvg } from "../plot/heatmap.js";
import { meanStd } from "./stats.js";
import { aggregate, type SweepBuild, type SweepPlan, type SweepSeries, type TaskResult } from "./sweep-plan.js";

/** The sweep's data file contents (JSON). */
export interface SweepData {
  kind: string;
  settings: Record<string, unknown>;
  build: SweepBuild;
  series: SweepSeries[];
  /** Box-plot sweeps (`sweep seeds`): per series, over every run: mean, std, min, max. Empty otherwise. */
  summary: { series: string; runs: number; mean: number; std: number; min: number; max: number }[];
}

const extrasOf = (series: SweepSeries[]) => [...new Set(series.flatMap((s) => s.points.flatMap((p) => Object.keys(p.extra ?? {}))))];
const cell = (v: unknown) => (v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? "" : String(v));

/** Points as CSV: series,value[,value2],accuracy,std,repeats then the extra figures. */
export function sweepCsv(series: SweepSeries[]): string {
  const extras = extrasOf(series);
  const two = series.some((s) => s.points.some((p) => p.y !== undefined));
  const head = ["series", "value", ...(two ? ["value2"] : []), "accuracy", "std", "repeats", ...extras];
  const rows = series.flatMap((s) =>
    s.points.map((p) =>
      [
        JSON.stringify(s.name),
        p.x,
        ...(two ? [cell(p.y)] : []),
        p.accuracy,
        p.std,
        p.runs.length,
        ...extras.map((k) => cell(p.extra?.[k])),
      ].join(","),
    ),
  );
  return [head.join(","), ...rows].join("\n") + "\n";
}

/** Every run as CSV: series,value[,value2],repeat,accuracy then the extra figures. */
export function runsCsv(results: TaskResult[]): string {
  const extras = [...new Set(results.flatMap((r) => Object.keys(r.extra ?? {})))];
  const two = results.some((r) => r.y !== undefined);
  const head = ["series", "value", ...(two ? ["value2"] : []), "repeat", "accuracy", ...extras];
  const rows = results.map((r) =>
    [JSON.stringify(r.series), r.x, ...(two ? [cell(r.y)] : []), r.repeat, r.accuracy, ...extras.map((k) => cell(r.extra?.[k]))].join(","),
  );
  return [head.join(","), ...rows].join("\n") + "\n";
}

/** Accuracy (%) against the knob, one line per series, error bars of one std where points have repeats. */
export function sweepSvg(series: SweepSeries[], o: { title: string; xLabel: string; logX?: boolean }): string {
  return lineChartSvg({
    title: o.title,
    xLabel: o.xLabel,
    yLabel: "test accuracy (%)",
    logX: o.logX,
    series: series.map((s) => ({
      name: s.name,
      points: s.points.map((p) => (p.runs.length > 1 ? [p.x, p.accuracy * 100, p.std * 100] : [p.x, p.accuracy * 100]) as [number, number]),
    })),
  });
}

function heatmaps(plan: SweepPlan, series: SweepSeries[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of series) {
    const xs = [...new Set(s.points.map((p) => p.x))].sort((a, b) => a - b);
    const ys = [...new Set(s.points.map((p) => p.y ?? 0))].sort((a, b) => a - b);
    const grid = (f: (p: SweepSeries["points"][number]) => number) =>
      ys.map((y) =>
        xs.map((x) => {
          const p = s.points.find((q) => q.x === x && (q.y ?? 0) === y);
          return p ? f(p) : NaN;
        }),
      );
    const suffix = series.length > 1 ? `-${series.indexOf(s) + 1}` : "";
    const base = { xLabel: plan.figure.xLabel, yLabel: plan.figure.yLabel ?? "", xs, ys };
    out[`${suffix}`] = heatmapSvg({
      ...base,
      title: `${plan.figure.title}: ${s.name}`,
      values: grid((p) => p.accuracy * 100),
      colorLabel: "accuracy (%)",
      showValues: true,
      format: (v) => v.toFixed(2),
    });
    for (const key of plan.figure.maps ?? [])
      out[`-${key}${suffix}`] = heatmapSvg({
        ...base,
        title: `${key} per inference: ${s.name}`,
        values: grid((p) => p.extra?.[key] ?? NaN),
        colorLabel: key,
        showValues: true,
        format: (v) => (v >= 1e4 ? `${(v / 1e6).toFixed(2)}M` : String(Math.round(v * 1e4) / 1e4)),
      });
  }
  return out;
}

function connectivitySvg(plan: SweepPlan, series: SweepSeries[]): string {
  const routed = series.filter((s) => s.points.every((p) => p.extra?.fanIn !== undefined));
  const xs = routed.flatMap((s) => s.points.map((p) => p.extra!.fanIn));
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const lines: LineSeries[] = series.map((s) =>
    routed.includes(s)
      ? {
          name: s.name,
          points: s.points.map((p) => [p.extra!.fanIn, p.accuracy * 100, ...(p.runs.length > 1 ? [p.std * 100] : [])] as [number, number]),
        }
      : {
          name: `${s.name}: ${(s.points[0].accuracy * 100).toFixed(2)} %`,
          dashed: true,
          points: [
            [x0, s.points[0].accuracy * 100],
            [x1, s.points[0].accuracy * 100],
          ],
        },
  );
  return lineChartSvg({ title: plan.figure.title, xLabel: plan.figure.xLabel, yLabel: "test accuracy (%)", series: lines });
}

/**
 * Every file a sweep writes, by name (sweep-KIND.csv, sweep-KIND-runs.csv,
 * sweep-KIND.json, sweep-KIND.svg and any extra figures), from the plan, the
 * build and the results (in plan order). The same inputs give the same bytes.
 * @example for (const [name, text] of Object.entries(sweepFiles(plan, build, results))) writeFileAtomic(join(out, name), text);
 */
export function sweepFiles(plan: SweepPlan, build: SweepBuild, results: TaskResult[]): Record<string, string> {
  const series = aggregate(plan, results);
  const summary = (plan.figure.type === "box" ? series : []).map((s) => {
    const runs = s.points.flatMap((p) => p.runs);
    const { mean, std } = meanStd(runs);
    return { series: s.name, runs: runs.length, mean, std: runs.length > 1 ? std : 0, min: Math.min(...runs), max: Math.max(...runs) };
  });
  const data: SweepData = { kind: plan.kind, settings: plan.settings, build, series, summary };
  const stem = `sweep-${plan.kind}`;
  const files: Record<string, string> = {
    [`${stem}.csv`]: sweepCsv(series),
    [`${stem}-runs.csv`]: runsCsv(results),
    [`${stem}.json`]: JSON.stringify(data, null, 2) + "\n",
  };
  const f = plan.figure;
  if (f.type === "box") {
    files[`${stem}.svg`] = boxPlotSvg({
      title: f.title,
      yLabel: "test accuracy (%)",
      groups: series.map((s) => ({ name: s.name, values: s.points.flatMap((p) => p.runs.map((a) => a * 100)) })),
    });
  } else if (f.type === "heatmap") {
    for (const [suffix, svg] of Object.entries(heatmaps(plan, series))) files[`${stem}${suffix}.svg`] = svg;
  } else if (f.type === "connectivity") {
    files[`${stem}.svg`] = connectivitySvg(plan, series);
  } else {
    files[`${stem}.svg`] = sweepSvg(series, f);
  }
  return files;
}
