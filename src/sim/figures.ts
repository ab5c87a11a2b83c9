// Figures of a trained ScRRAMBLe model that the paper shows: the learned
// effective connectivity of a layer (how strongly each source slot drives each
// destination slot through the routing and the trained core weights) and a
// grid of digits with their reconstructions by the reconstruction head. Reads
// arrays; draws SVG strings. Must not train or change a model.

import type { Routing } from "../routing/routing.js";
import { heatmapSvg } from "../plot/heatmap.js";
import { base64, pngGrey } from "../plot/png.js";
import { escapeXml } from "../plot/svg.js";

/**
 * The learned effective connectivity of one layer: E[dst slot][src slot] = the
 * RMS over (l, m) of the effective s x s block sum_sj C[src slot, (cj, sj)] W[cj][(so, l), (sj, m)]
 * from source slot to destination slot (cj, so). Zero where no route leads.
 * `weights` is the layer's [dstCores, N, N] core weights.
 * @example const E = effectiveConnectivity(layer.routing, layer.weight.toArray(), 256);
 */
export function effectiveConnectivity(r: Routing, weights: Float32Array, coreSize: number): Float64Array[] {
  const K = r.slotsPerCore,
    N = coreSize,
    s = N / K;
  const srcSlots = r.srcCores * K;
  const out = Array.from({ length: r.dstCores * K }, () => new Float64Array(srcSlots));
  const block = new Float64Array(s * s);
  for (let cj = 0; cj < r.dstCores; cj++) {
    // routes into core cj grouped by source slot: (destination slot in the core, coefficient)
    const bySrc = new Map<number, [number, number][]>();
    for (let sj = 0; sj < K; sj++) {
      const d = cj * K + sj;
      for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) {
        if (!bySrc.has(r.srcSlot[e])) bySrc.set(r.srcSlot[e], []);
        bySrc.get(r.srcSlot[e])!.push([sj, r.coef[e]]);
      }
    }
    const w0 = cj * N * N;
    for (const [src, routes] of bySrc)
      for (let so = 0; so < K; so++) {
        block.fill(0);
        for (const [sj, c] of routes)
          for (let l = 0; l < s; l++) {
            const row = w0 + (so * s + l) * N + sj * s;
            for (let m = 0; m < s; m++) block[l * s + m] += c * weights[row + m];
          }
        let sq = 0;
        for (let i = 0; i < block.length; i++) sq += block[i] * block[i];
        out[cj * K + so][src] = Math.sqrt(sq / block.length);
      }
  }
  return out;
}

/** The effective connectivity of a layer as a heat map (source slots across, destination slots up). */
export function connectivitySvg(E: Float64Array[], r: Routing, title: string): string {
  const K = r.slotsPerCore;
  const idx = (n: number) => Array.from({ length: n }, (_, i) => i);
  const every = (n: number) => Math.max(1, Math.ceil(n / 10));
  const ticks = (cores: number) =>
    idx(cores)
      .filter((c) => c % every(cores) === 0)
      .map((c) => c * K);
  return heatmapSvg({
    title,
    xLabel: `source slot (${r.srcCores} cores x ${K} slots; ticks at core starts)`,
    yLabel: `destination slot (${r.dstCores} cores x ${K} slots)`,
    xs: idx(r.srcCores * K),
    ys: idx(r.dstCores * K),
    values: E.map((row) => Array.from(row)),
    xTicks: ticks(r.srcCores),
    yTicks: ticks(r.dstCores),
    colorLabel: "RMS effective weight",
    format: (v) => v.toExponential(1),
    width: 900,
    height: 640,
  });
}

/**
 * Digits and their reconstructions as one SVG (an embedded greyscale PNG): each
 * pair of rows shows `columns` inputs above their reconstructions. `originals`
 * and `reconstructions` hold n images of height x width values in [0, 1].
 */
export function reconstructionGridSvg(
  originals: Float32Array,
  reconstructions: Float32Array,
  o: { n: number; height: number; width: number; columns?: number; scale?: number; title?: string; labels?: ArrayLike<number> },
): string {
  const { n, height: h, width: w } = o;
  if (originals.length !== n * h * w || reconstructions.length !== n * h * w)
    throw new Error(`reconstruction grid: need ${n} images of ${h} x ${w} values each`);
  const cols = o.columns ?? 8,
    rows = Math.ceil(n / cols);
  const gap = 2;
  const W = cols * (w + gap) + gap,
    H = rows * 2 * (h + gap) + rows * gap + gap;
  const px = new Uint8Array(W * H).fill(255);
  const put = (img: Float32Array, k: number, x0: number, y0: number) => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) px[(y0 + y) * W + x0 + x] = 255 - Math.round(255 * Math.min(1, Math.max(0, img[k * h * w + y * w + x])));
  };
  for (let k = 0; k < n; k++) {
    const c = k % cols,
      r = Math.floor(k / cols);
    const x0 = gap + c * (w + gap),
      y0 = gap + r * (2 * (h + gap) + gap);
    put(originals, k, x0, y0);
    put(reconstructions, k, x0, y0 + h + gap);
  }
  const scale = o.scale ?? 3;
  const title = o.title ?? "inputs (upper row of each pair) and their reconstructions (lower)";
  const top = 36;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * scale}" height="${H * scale + top}" font-family="sans-serif" font-size="13">`,
    `<rect x="0" y="0" width="${W * scale}" height="${H * scale + top}" fill="white"/>`,
    `<text x="${(W * scale) / 2}" y="22" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<image x="0" y="${top}" width="${W * scale}" height="${H * scale}" style="image-rendering: pixelated" ` +
      `href="data:image/png;base64,${base64(pngGrey(W, H, px))}"/>`,
    `</svg>`,
  ].join("\n");
}
