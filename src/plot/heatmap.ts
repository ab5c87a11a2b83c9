// Heat maps as SVG strings: a grid of coloured cells (one per (x, y) value pair),
// optional iso-lines by marching squares, point markers and a colour bar. Used
// for the slot size x p sweep and the traffic overhead contour map.
// Pure string building: must not touch the DOM, files or node:*.

import { escapeXml, fmt } from "./svg.js";

export interface HeatmapMarker {
  x: number;
  y: number;
  label: string;
}

export interface HeatmapOptions {
  title: string;
  /** A smaller second line under the title. */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Column and row coordinates, ascending; values[row][column] (NaN = no value). */
  xs: number[];
  ys: number[];
  values: number[][];
  colorLabel: string;
  /** Cells are equally spaced; markers and ticks interpolate on a log axis when set. */
  logX?: boolean;
  logY?: boolean;
  /** Labelled ticks (default: every column / row when there are at most 24). */
  xTicks?: number[];
  yTicks?: number[];
  /** Print each cell's value in it. */
  showValues?: boolean;
  /** Text of a value (cells, colour bar, contour labels). */
  format?(v: number): string;
  /** Iso-levels drawn as lines (marching squares over the cell centres). */
  contours?: number[];
  markers?: HeatmapMarker[];
  /** Colour range (default: the data's). */
  range?: [number, number];
  width?: number;
  height?: number;
}

const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** A viridis-like colour for t in [0, 1]. */
export function heatColor(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const c = STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Fractional cell index of a coordinate along ascending centres (linear or log interpolation, clamped). */
export function cellIndex(centres: number[], v: number, log = false): number {
  const t = (a: number) => (log ? Math.log(a) : a);
  if (centres.length === 1) return 0;
  if (v <= centres[0]) return 0;
  for (let i = 0; i + 1 < centres.length; i++) {
    if (v <= centres[i + 1]) return i + (t(v) - t(centres[i])) / (t(centres[i + 1]) - t(centres[i]));
  }
  return centres.length - 1;
}

/** Segments of the iso-line `level` over a grid of values[row][column], in (column, row) index space. */
export function isoSegments(values: number[][], level: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  const at = (a: number, b: number) => (level - a) / (b - a);
  for (let r = 0; r + 1 < values.length; r++) {
    for (let c = 0; c + 1 < values[r].length; c++) {
      const v = [values[r][c], values[r][c + 1], values[r + 1][c + 1], values[r + 1][c]];
      if (v.some((x) => !Number.isFinite(x))) continue;
      const pts: [number, number][] = [];
      const corners: [number, number][] = [
        [c, r],
        [c + 1, r],
        [c + 1, r + 1],
        [c, r + 1],
      ];
      for (let e = 0; e < 4; e++) {
        const a = v[e],
          b = v[(e + 1) % 4];
        if (a < level !== b < level) {
          const f = at(a, b);
          const [x0, y0] = corners[e],
            [x1, y1] = corners[(e + 1) % 4];
          pts.push([x0 + (x1 - x0) * f, y0 + (y1 - y0) * f]);
        }
      }
      for (let k = 0; k + 1 < pts.length; k += 2) out.push([pts[k][0], pts[k][1], pts[k + 1][0], pts[k + 1][1]]);
    }
  }
  return out;
}

/**
 * A heat map as an SVG string: cells coloured by value (`<rect class="cell">`), a
 * colour bar, optional iso-lines (`<path class="contour">`) and markers.
 * @example
 * heatmapSvg({ title: "accuracy", xLabel: "p", yLabel: "slot size", xs: [0.1, 0.2], ys: [16, 64],
 *   values: [[0.9, 0.92], [0.91, 0.95]], colorLabel: "test accuracy", showValues: true });
 */
export function heatmapSvg(o: HeatmapOptions): string {
  const nx = o.xs.length,
    ny = o.ys.length;
  const W = o.width ?? 760,
    H = o.height ?? 520;
  const left = 80,
    right = 120,
    top = o.subtitle ? 56 : 48,
    bottom = 60;
  const pw = W - left - right,
    ph = H - top - bottom;
  const cw = pw / Math.max(1, nx),
    ch = ph / Math.max(1, ny);
  const format = o.format ?? ((v: number) => (Math.abs(v) >= 1000 ? v.toExponential(2) : String(Math.round(v * 1000) / 1000)));
  const finite = o.values.flat().filter((v) => Number.isFinite(v));
  let [lo, hi] = o.range ?? [Math.min(...finite), Math.max(...finite)];
  if (!(hi > lo)) {
    lo = (lo || 0) - 0.5;
    hi = lo + 1;
  }
  const t = (v: number) => (v - lo) / (hi - lo);
  const px = (ci: number) => left + (ci + 0.5) * cw; // centre of column ci
  const py = (ri: number) => top + ph - (ri + 0.5) * ch; // rows grow upwards
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${fmt(W / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`);
  if (o.subtitle)
    out.push(`<text x="${fmt(W / 2)}" y="38" text-anchor="middle" font-size="11" fill="#444">${escapeXml(o.subtitle)}</text>`);
  out.push(`<g shape-rendering="crispEdges">`);
  for (let r = 0; r < ny; r++)
    for (let c = 0; c < nx; c++) {
      const v = o.values[r]?.[c];
      const fill = Number.isFinite(v) ? heatColor(t(v)) : "#eeeeee";
      const tip = `${o.xLabel} ${o.xs[c]}, ${o.yLabel} ${o.ys[r]}: ${Number.isFinite(v) ? format(v) : "no value"}`;
      const y = fmt(top + ph - (r + 1) * ch);
      const rect = `<rect class="cell" x="${fmt(left + c * cw)}" y="${y}" width="${fmt(cw)}" height="${fmt(ch)}" `;
      // tooltips only where the map is small enough for them to stay light
      out.push(nx * ny <= 1000 ? `${rect}fill="${fill}"><title>${escapeXml(tip)}</title></rect>` : `${rect}fill="${fill}"/>`);
      if (o.showValues && Number.isFinite(v) && cw >= 28 && ch >= 14)
        out.push(
          `<text x="${fmt(px(c))}" y="${fmt(py(r))}" text-anchor="middle" dominant-baseline="central" ` +
            `fill="${t(v) > 0.6 ? "black" : "white"}" font-size="${fmt(Math.min(12, cw / 4.5))}">${escapeXml(format(v))}</text>`,
        );
    }
  out.push(`</g>`);
  for (const level of o.contours ?? []) {
    const segs = isoSegments(o.values, level);
    if (!segs.length) continue;
    const d = segs.map(([x0, y0, x1, y1]) => `M${fmt(px(x0))} ${fmt(py(y0))}L${fmt(px(x1))} ${fmt(py(y1))}`).join("");
    out.push(`<path class="contour" d="${d}" fill="none" stroke="white" stroke-width="1.2" stroke-opacity="0.9"/>`);
    const [x0, y0, x1, y1] = segs[Math.floor(segs.length / 2)];
    out.push(
      `<text x="${fmt(px((x0 + x1) / 2))}" y="${fmt(py((y0 + y1) / 2) - 3)}" text-anchor="middle" font-size="10" fill="black" ` +
        `stroke="white" stroke-width="3" paint-order="stroke">${escapeXml(format(level))}</text>`,
    );
  }
  for (const m of o.markers ?? []) {
    const x = px(cellIndex(o.xs, m.x, o.logX)),
      y = py(cellIndex(o.ys, m.y, o.logY));
    out.push(`<circle class="marker" cx="${fmt(x)}" cy="${fmt(y)}" r="5" fill="#d62728" stroke="white" stroke-width="1.5"/>`);
    const right = x > left + pw * 0.55;
    out.push(
      `<text x="${fmt(right ? x - 8 : x + 8)}" y="${fmt(y - 8)}" text-anchor="${right ? "end" : "start"}" fill="black" stroke="white" ` +
        `stroke-width="3" paint-order="stroke" font-weight="bold">${escapeXml(m.label)}</text>`,
    );
  }
  out.push(`<rect x="${left}" y="${top}" width="${fmt(pw)}" height="${fmt(ph)}" fill="none" stroke="#333"/>`);
  const label = (v: number) =>
    v === 0 ? "0" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(0).replace("e+", "e") : String(v);
  const xTicks = o.xTicks ?? (nx <= 24 ? o.xs : []);
  for (const v of xTicks) {
    const x = fmt(px(cellIndex(o.xs, v, o.logX)));
    out.push(`<line x1="${x}" y1="${top + ph}" x2="${x}" y2="${top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${top + ph + 18}" text-anchor="middle">${escapeXml(label(v))}</text>`);
  }
  const yTicks = o.yTicks ?? (ny <= 24 ? o.ys : []);
  for (const v of yTicks) {
    const y = fmt(py(cellIndex(o.ys, v, o.logY)));
    out.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="#333"/>`);
    out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(label(v))}</text>`);
  }
  out.push(`<text x="${fmt(left + pw / 2)}" y="${H - 16}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  const ym = fmt(top + ph / 2);
  out.push(`<text x="18" y="${ym}" text-anchor="middle" transform="rotate(-90 18 ${ym})">${escapeXml(o.yLabel)}</text>`);
  // colour bar
  const bx = left + pw + 24,
    bh = ph;
  for (let i = 0; i < 50; i++)
    out.push(
      `<rect x="${bx}" y="${fmt(top + bh - ((i + 1) * bh) / 50)}" width="16" height="${fmt(bh / 50 + 0.5)}" fill="${heatColor(i / 49)}"/>`,
    );
  out.push(`<rect x="${bx}" y="${top}" width="16" height="${fmt(bh)}" fill="none" stroke="#333"/>`);
  for (const [v, y] of [
    [hi, top],
    [(lo + hi) / 2, top + bh / 2],
    [lo, top + bh],
  ])
    out.push(`<text x="${bx + 20}" y="${fmt(y)}" dominant-baseline="middle" font-size="11">${escapeXml(format(v))}</text>`);
  const cx = bx + 8,
    cy = top - 10;
  out.push(`<text x="${cx}" y="${cy}" text-anchor="middle" font-size="11">${escapeXml(o.colorLabel)}</text>`);
  out.push(`</svg>`);
  return out.join("\n");
}
