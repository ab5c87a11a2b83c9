// Dependency-free SVG line charts (training curves, ADC bit sweeps) as strings.
// Pure string building: must not touch the DOM, the file system or node:*, so the
// same charts render in Node, Deno, Bun and browsers.

/** Escape text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;"));
}

export interface LineSeries {
  name: string;
  /** [x, y] or [x, y, error]: an error draws a bar from y - error to y + error. */
  points: ([number, number] | [number, number, number])[];
  color?: string;
  /** Dashed line (e.g. a reference level). */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  width?: number;
  height?: number;
  /** fixed y range; otherwise from the data, widened to nice ticks */
  yRange?: [number, number];
  /** logarithmic x axis (points with x <= 0 are dropped) */
  logX?: boolean;
}

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"] as const;

/** Round a number for SVG coordinates. */
export function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Nice linear ticks (1, 2, 5 x 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): { ticks: number[]; step: number } {
  if (!(hi > lo)) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  const step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
  const start = Math.floor(lo / step + 1e-9);
  const end = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = start; i <= end; i++) ticks.push(i * step);
  return { ticks, step };
}

/** Tick label with as many decimals as the step needs (no 0.30000000000000004). */
export function tickLabel(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-9) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(1).replace("e+", "e");
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

function logTicks(lo: number, hi: number): number[] {
  const e0 = Math.floor(Math.log10(lo) + 1e-9);
  const e1 = Math.ceil(Math.log10(hi) - 1e-9);
  const inside = (mults: number[]) => {
    const ticks: number[] = [];
    for (let e = e0; e <= Math.max(e1, e0 + 1); e++) for (const m of mults) ticks.push(m * Math.pow(10, e));
    return ticks.filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
  };
  let ticks = Math.log10(hi / lo) <= 2.5 ? inside([1, 2, 5]) : inside([1]);
  if (ticks.length < 3) ticks = inside([1, 2, 3, 5]);
  if (ticks.length < 2) ticks = [lo, hi];
  return ticks;
}

/**
 * A line chart as an SVG string: axes with nice ticks and labels, one polyline per series
 * (a dot when a series has one point), a legend and a title.
 * @example
 * const svg = lineChartSvg({ title: "Training loss", xLabel: "step", yLabel: "loss",
 *   series: [{ name: "train", points: [[0, 1], [100, 0.5], [200, 0.3]] }] });
 */
export function lineChartSvg(opts: LineChartOptions): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 440;
  const logX = opts.logX === true;
  const series = opts.series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length],
    dashed: s.dashed === true,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0)),
  }));
  const all = series.flatMap((s) => s.points);
  const hasData = all.length > 0;

  let xMin = logX ? 1 : 0,
    xMax = logX ? 10 : 1,
    yMin = 0,
    yMax = 1;
  if (hasData) {
    xMin = yMin = Infinity;
    xMax = yMax = -Infinity;
    for (const [x, y, e] of all) {
      // a loop, not Math.min(...): long series would overflow the stack
      const err = e !== undefined && Number.isFinite(e) ? Math.abs(e) : 0;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y - err < yMin) yMin = y - err;
      if (y + err > yMax) yMax = y + err;
    }
  }
  if (opts.yRange) [yMin, yMax] = opts.yRange;

  let xTicks: number[];
  let xStep = 1;
  if (logX) {
    if (!(xMax > xMin)) {
      xMin /= 10;
      xMax *= 10;
    }
    xTicks = logTicks(xMin, xMax);
  } else {
    const t = niceTicks(xMin, xMax);
    xTicks = t.ticks;
    xStep = t.step;
    xMin = xTicks[0];
    xMax = xTicks[xTicks.length - 1];
  }
  const yt = niceTicks(yMin, yMax);
  const yTicks = opts.yRange ? yt.ticks.filter((t) => t >= yMin - yt.step * 1e-9 && t <= yMax + yt.step * 1e-9) : yt.ticks;
  if (!opts.yRange || !(yMax > yMin)) {
    yMin = yt.ticks[0];
    yMax = yt.ticks[yt.ticks.length - 1];
  }

  const legendW = series.length > 0 ? Math.min(320, 40 + 7 * Math.max(...series.map((s) => s.name.length))) : 0;
  const left = 70,
    right = 20 + legendW,
    top = 44,
    bottom = 56;
  const pw = Math.max(10, W - left - right);
  const ph = Math.max(10, H - top - bottom);
  const lx = (x: number) => (logX ? Math.log10(x) : x);
  const sx = (x: number) => left + ((lx(x) - lx(xMin)) / (lx(xMax) - lx(xMin))) * pw;
  const sy = (y: number) => top + ph - ((y - yMin) / (yMax - yMin)) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${fmt(W / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(opts.title)}</text>`);
  // grid + ticks
  for (const t of xTicks) {
    const x = fmt(sx(t));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="#e0e0e0"/>`);
    const label = logX ? tickLabel(t, t) : tickLabel(t, xStep);
    out.push(`<text x="${x}" y="${top + ph + 16}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
  for (const t of yTicks) {
    const y = fmt(sy(t));
    out.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(t, yt.step))}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${fmt(left + pw / 2)}" y="${H - 14}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${fmt(top + ph / 2)}" text-anchor="middle" ` +
      `transform="rotate(-90 16 ${fmt(top + ph / 2)})">${escapeXml(opts.yLabel)}</text>`,
  );
  // data, clipped to the plot area
  out.push(`<defs><clipPath id="plot-area"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  out.push(`<g clip-path="url(#plot-area)">`);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (pts.length === 1) {
      out.push(`<circle cx="${fmt(sx(pts[0][0]))}" cy="${fmt(sy(pts[0][1]))}" r="3.5" fill="${escapeXml(s.color)}"/>`);
    } else {
      const d = pts.map(([x, y]) => `${fmt(sx(x))},${fmt(sy(y))}`).join(" ");
      const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
      out.push(`<polyline points="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.8"${dash}/>`);
    }
    for (const [x, y, e] of pts) {
      if (e === undefined || !(e > 0)) continue;
      const px = fmt(sx(x)),
        lo = fmt(sy(y - e)),
        hi = fmt(sy(y + e));
      out.push(
        `<path class="error-bar" d="M${px} ${lo}V${hi}M${fmt(sx(x) - 4)} ${lo}H${fmt(sx(x) + 4)}` +
          `M${fmt(sx(x) - 4)} ${hi}H${fmt(sx(x) + 4)}" ` +
          `stroke="${escapeXml(s.color)}" stroke-width="1.2" fill="none"/>`,
      );
    }
  }
  out.push(`</g>`);
  if (!hasData) out.push(`<text x="${fmt(left + pw / 2)}" y="${fmt(top + ph / 2)}" text-anchor="middle" fill="#888">no data</text>`);
  // legend
  series.forEach((s, i) => {
    const y = top + 10 + i * 18;
    const x = left + pw + 14;
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${escapeXml(s.color)}" stroke-width="3"/>`);
    out.push(`<text x="${x + 26}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n");
}
