// Picture of a routing as an SVG matrix: source slots on x, destination slots on y,
// positive and negative coefficients in two colours, core boundaries as grid lines.
// Pure string building: must not touch the DOM, files or node:*; must stay readable
// (bounded size) for layers of hundreds of slots.

import { escapeXml, fmt } from "../plot/svg.js";
import type { Routing } from "./routing.js";
import { routingStats } from "./stats.js";

export interface RoutingSvgOptions {
  /** title; default describes the layer shape and p */
  title?: string;
  /** connection probability shown in the default title (default: r.p when known) */
  p?: number;
  /** largest cell edge in px (default 20) */
  maxCell?: number;
  /** largest matrix width/height in px (default 880, so the picture stays under 1200 px) */
  maxMatrix?: number;
  positiveColor?: string;
  negativeColor?: string;
}

const MARGIN = { left: 96, top: 64, bottom: 64, legend: 210 } as const;

/**
 * SVG string of a routing matrix. Cells are `<rect class="pos">` / `<rect class="neg">`;
 * darker cells (and a label when the cell is large enough) mark |coef| > 1.
 * @example
 * const r = generateRouting({ srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2, seed: 1 });
 * const svg = routingSvg(r); // write it to routing.svg and open it in a browser
 */
export function routingSvg(r: Routing, opts: RoutingSvgOptions = {}): string {
  const K = r.slotsPerCore;
  const nx = r.srcCores * K;
  const ny = r.dstCores * K;
  const maxCell = opts.maxCell ?? 20;
  const maxMatrix = opts.maxMatrix ?? 880;
  const cw = Math.min(maxCell, maxMatrix / nx);
  const ch = Math.min(maxCell, maxMatrix / ny);
  const mw = cw * nx;
  const mh = ch * ny;
  const stats = routingStats(r);
  const p = opts.p ?? r.p;
  const title = opts.title ?? `Routing ${r.srcCores} -> ${r.dstCores} cores, ${K} slots per core` + (p !== undefined ? `, p = ${p}` : "");
  const W = Math.ceil(Math.max(MARGIN.left + mw + MARGIN.legend, 40 + title.length * 8.5));
  const H = Math.ceil(MARGIN.top + Math.max(mh, 150) + MARGIN.bottom);
  const x0 = MARGIN.left,
    y0 = MARGIN.top;
  const pos = opts.positiveColor ?? "#2166ac";
  const neg = opts.negativeColor ?? "#b2182b";

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${fmt(W / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<rect x="${x0}" y="${y0}" width="${fmt(mw)}" height="${fmt(mh)}" fill="#fafafa"/>`);

  // cells
  const maxAbs = Math.max(1, stats.maxAbsCoef);
  const labelCells = cw >= 10 && ch >= 10;
  out.push(`<g shape-rendering="crispEdges">`);
  for (let d = 0; d < ny; d++) {
    for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) {
      const s = r.srcSlot[e];
      const c = r.coef[e];
      const a = Math.abs(c);
      const opacity = a === 1 ? 0.55 : 0.55 + (0.45 * (a - 1)) / Math.max(1, maxAbs - 1);
      const x = x0 + s * cw,
        y = y0 + d * ch;
      const tip =
        `source core ${Math.floor(s / K)} slot ${s % K} -> ` +
        `destination core ${Math.floor(d / K)} slot ${d % K}: ${c > 0 ? "+" : ""}${c}`;
      out.push(
        `<rect class="${c > 0 ? "pos" : "neg"}" x="${fmt(x)}" y="${fmt(y)}" width="${fmt(cw)}" height="${fmt(ch)}" ` +
          `fill="${c > 0 ? pos : neg}" fill-opacity="${fmt(opacity)}"><title>${escapeXml(tip)}</title></rect>`,
      );
      if (a > 1 && labelCells) {
        out.push(
          `<text x="${fmt(x + cw / 2)}" y="${fmt(y + ch / 2)}" text-anchor="middle" dominant-baseline="central" ` +
            `font-size="${fmt(Math.min(cw, ch) * 0.7)}" fill="white">${c > 0 ? "+" : ""}${c}</text>`,
        );
      }
    }
  }
  out.push(`</g>`);

  // core boundaries
  out.push(`<g stroke="#999" stroke-width="0.6">`);
  for (let c = 0; c <= r.srcCores; c++)
    out.push(`<line x1="${fmt(x0 + c * K * cw)}" y1="${y0}" x2="${fmt(x0 + c * K * cw)}" y2="${fmt(y0 + mh)}"/>`);
  for (let c = 0; c <= r.dstCores; c++)
    out.push(`<line x1="${x0}" y1="${fmt(y0 + c * K * ch)}" x2="${fmt(x0 + mw)}" y2="${fmt(y0 + c * K * ch)}"/>`);
  out.push(`</g>`);

  // core labels (thinned so they never overlap), slot labels when cells are large
  const xEvery = Math.ceil(22 / (K * cw));
  for (let c = 0; c < r.srcCores; c += xEvery) {
    out.push(`<text x="${fmt(x0 + (c + 0.5) * K * cw)}" y="${fmt(y0 + mh + 14)}" text-anchor="middle">${c}</text>`);
  }
  const yEvery = Math.ceil(13 / (K * ch));
  for (let c = 0; c < r.dstCores; c += yEvery) {
    out.push(
      `<text x="${x0 - (ch >= 12 ? 22 : 6)}" y="${fmt(y0 + (c + 0.5) * K * ch)}" text-anchor="end" dominant-baseline="central">${c}</text>`,
    );
  }
  if (cw >= 12)
    for (let s = 0; s < nx; s++)
      out.push(`<text x="${fmt(x0 + (s + 0.5) * cw)}" y="${y0 - 4}" text-anchor="middle" font-size="8" fill="#777">${s % K}</text>`);
  if (ch >= 12)
    for (let d = 0; d < ny; d++)
      out.push(
        `<text x="${x0 - 4}" y="${fmt(y0 + (d + 0.5) * ch)}" text-anchor="end" dominant-baseline="central" ` +
          `font-size="8" fill="#777">${d % K}</text>`,
      );
  out.push(`<text x="${fmt(x0 + mw / 2)}" y="${fmt(y0 + mh + 34)}" text-anchor="middle">source core / slot</text>`);
  const yMid = fmt(y0 + mh / 2);
  out.push(`<text x="18" y="${yMid}" text-anchor="middle" transform="rotate(-90 18 ${yMid})">destination core / slot</text>`);

  // legend and summary
  const lx = x0 + mw + 20;
  let ly = y0 + 4;
  const entry = (color: string, opacity: number, label: string) => {
    out.push(`<rect x="${fmt(lx)}" y="${ly}" width="12" height="12" fill="${color}" fill-opacity="${opacity}"/>`);
    out.push(`<text x="${fmt(lx + 18)}" y="${ly + 6}" dominant-baseline="central">${escapeXml(label)}</text>`);
    ly += 18;
  };
  entry(pos, 0.55, "+1 route");
  entry(neg, 0.55, "-1 route (balancing)");
  entry(pos, 1, "|coef| > 1: darker");
  ly += 8;
  const lines = [
    `packets: ${stats.packets} (${stats.positive} +, ${stats.negative} -)`,
    `max |coef|: ${stats.maxAbsCoef}`,
    `empty destination slots: ${stats.emptyDstSlots}`,
    `fan-in per dst slot: ${stats.fanIn.min}..${stats.fanIn.max}`,
    `balance error: ${stats.balanceMaxError}`,
  ];
  if (r.seed !== undefined) lines.push(`seed: ${r.seed}`);
  for (const l of lines) {
    out.push(`<text x="${fmt(lx)}" y="${ly + 6}" dominant-baseline="central" fill="#333">${escapeXml(l)}</text>`);
    ly += 16;
  }
  out.push(`</svg>`);
  return out.join("\n");
}
