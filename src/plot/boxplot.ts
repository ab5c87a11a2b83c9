// Box plots as SVG strings: one box per group (quartiles, median, whiskers to
// the most extreme values within 1.5 IQR, outliers, every value as a dot, the
// mean as a diamond), for accuracy over routing seeds. Pure string building.

import { escapeXml, fmt, niceTicks, PALETTE, tickLabel } from "./svg.js";

export interface BoxGroup {
  name: string;
  values: number[];
}

export interface BoxStats {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
  /** Whisker ends: the most extreme values within 1.5 IQR of the box. */
  low: number;
  high: number;
  outliers: number[];
}

/** Quantile by linear interpolation between order statistics (type 7, as numpy's default). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Five-number summary, mean, whiskers and outliers of a sample.
 * @example boxStats([1, 2, 3, 4, 100]).outliers; // [100]
 */
export function boxStats(values: number[]): BoxStats {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const q1 = quantile(v, 0.25),
    q3 = quantile(v, 0.75);
  const iqr = q3 - q1;
  const inside = v.filter((x) => x >= q1 - 1.5 * iqr && x <= q3 + 1.5 * iqr);
  return {
    n: v.length,
    min: v[0],
    q1,
    median: quantile(v, 0.5),
    q3,
    max: v[v.length - 1],
    mean: v.reduce((a, b) => a + b, 0) / v.length,
    low: inside[0],
    high: inside[inside.length - 1],
    outliers: v.filter((x) => x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr),
  };
}

/**
 * A box plot SVG of several groups side by side (`<rect class="box">` per group).
 * @example
 * boxPlotSvg({ title: "accuracy over routing seeds", yLabel: "test accuracy (%)", groups: [{ name: "p 0.2", values: [97.1, 97.4] }] });
 */
export function boxPlotSvg(o: { title: string; yLabel: string; groups: BoxGroup[]; width?: number; height?: number }): string {
  const W = o.width ?? Math.max(420, 140 + 110 * o.groups.length),
    H = o.height ?? 440;
  const left = 70,
    right = 20,
    top = 44,
    bottom = 70;
  const pw = W - left - right,
    ph = H - top - bottom;
  const all = o.groups.flatMap((g) => g.values.filter((x) => Number.isFinite(x)));
  const t = niceTicks(all.length ? Math.min(...all) : 0, all.length ? Math.max(...all) : 1, 6);
  const yMin = t.ticks[0],
    yMax = t.ticks[t.ticks.length - 1];
  const sy = (y: number) => top + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const slot = pw / Math.max(1, o.groups.length);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${fmt(W / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (const tick of t.ticks) {
    const y = fmt(sy(tick));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(tick, t.step))}</text>`);
  }
  o.groups.forEach((g, i) => {
    const color = PALETTE[i % PALETTE.length];
    const cx = left + (i + 0.5) * slot,
      bw = Math.min(60, slot * 0.5);
    const s = boxStats(g.values);
    if (s.n === 0) return;
    const tip = `${g.name}: n ${s.n}, median ${s.median}, mean ${s.mean}, IQR ${s.q1}..${s.q3}, range ${s.min}..${s.max}`;
    out.push(`<g><title>${escapeXml(tip)}</title>`);
    out.push(`<line x1="${fmt(cx)}" y1="${fmt(sy(s.low))}" x2="${fmt(cx)}" y2="${fmt(sy(s.q1))}" stroke="#333"/>`);
    out.push(`<line x1="${fmt(cx)}" y1="${fmt(sy(s.q3))}" x2="${fmt(cx)}" y2="${fmt(sy(s.high))}" stroke="#333"/>`);
    for (const w of [s.low, s.high])
      out.push(`<line x1="${fmt(cx - bw / 4)}" y1="${fmt(sy(w))}" x2="${fmt(cx + bw / 4)}" y2="${fmt(sy(w))}" stroke="#333"/>`);
    out.push(
      `<rect class="box" x="${fmt(cx - bw / 2)}" y="${fmt(sy(s.q3))}" width="${fmt(bw)}" ` +
        `height="${fmt(Math.max(0.5, sy(s.q1) - sy(s.q3)))}" ` +
        `fill="${color}" fill-opacity="0.25" stroke="${color}" stroke-width="1.5"/>`,
    );
    out.push(
      `<line class="median" x1="${fmt(cx - bw / 2)}" y1="${fmt(sy(s.median))}" x2="${fmt(cx + bw / 2)}" y2="${fmt(sy(s.median))}" ` +
        `stroke="${color}" stroke-width="2.5"/>`,
    );
    g.values.forEach((v, k) => {
      if (!Number.isFinite(v)) return;
      const jitter = ((k * 0.618034) % 1) - 0.5;
      const outlier = s.outliers.includes(v);
      out.push(
        `<circle class="${outlier ? "outlier" : "value"}" cx="${fmt(cx + jitter * bw * 0.6)}" cy="${fmt(sy(v))}" r="2.5" ` +
          `fill="${outlier ? "none" : color}" stroke="${color}"/>`,
      );
    });
    const my = sy(s.mean);
    out.push(`<path class="mean" d="M${fmt(cx)} ${fmt(my - 5)}l5 5l-5 5l-5 -5z" fill="white" stroke="#333"/>`);
    out.push(`</g>`);
    out.push(`<text x="${fmt(cx)}" y="${top + ph + 18}" text-anchor="middle">${escapeXml(g.name)}</text>`);
    out.push(`<text x="${fmt(cx)}" y="${top + ph + 34}" text-anchor="middle" fill="#555" font-size="11">n = ${s.n}</text>`);
  });
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  const ym = fmt(top + ph / 2);
  out.push(`<text x="16" y="${ym}" text-anchor="middle" transform="rotate(-90 16 ${ym})">${escapeXml(o.yLabel)}</text>`);
  out.push(`</svg>`);
  return out.join("\n");
}
