// Summary numbers of a routing: packet counts, fan-in/fan-out, and the input-balance
// error (must be 0 for every ScRRAMBLe routing). Read-only over the CSR arrays;
// must not build the dense tensor, must not import node:*.

import type { Routing } from "./routing.js";

export interface MinMeanMax {
  min: number;
  mean: number;
  max: number;
}

export interface RoutingStats {
  /** non-zero entries (one entry = one slot packet of s values) */
  packets: number;
  positive: number;
  negative: number;
  sumAbsCoef: number;
  maxAbsCoef: number;
  /** destination slots that receive nothing */
  emptyDstSlots: number;
  /** entries per destination slot */
  fanIn: MinMeanMax;
  /** entries per source slot */
  fanOut: MinMeanMax;
  /** max over (source slot, destination core) of |sum over destination slots of C|: 0 when balanced */
  balanceMaxError: number;
}

function minMeanMax(counts: Int32Array): MinMeanMax {
  if (counts.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity,
    max = -Infinity,
    sum = 0;
  for (const c of counts) {
    if (c < min) min = c;
    if (c > max) max = c;
    sum += c;
  }
  return { min, mean: sum / counts.length, max };
}

/**
 * Statistics of a routing.
 * @example
 * const s = routingStats(generateRouting({ srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2, seed: 1 }));
 * s.balanceMaxError === 0; // input balanced
 */
export function routingStats(r: Routing): RoutingStats {
  const K = r.slotsPerCore;
  const nSrc = r.srcCores * K;
  const nDst = r.dstCores * K;
  const fanIn = new Int32Array(nDst);
  const fanOut = new Int32Array(nSrc);
  // balance[src * dstCores + dstCore] = sum of coefficients into that destination core
  const balance = new Float64Array(nSrc * r.dstCores);
  let positive = 0,
    negative = 0,
    sumAbsCoef = 0,
    maxAbsCoef = 0,
    emptyDstSlots = 0;
  for (let d = 0; d < nDst; d++) {
    const lo = r.dstPtr[d],
      hi = r.dstPtr[d + 1];
    fanIn[d] = hi - lo;
    if (hi === lo) emptyDstSlots++;
    const core = Math.floor(d / K);
    for (let e = lo; e < hi; e++) {
      const c = r.coef[e];
      const s = r.srcSlot[e];
      fanOut[s]++;
      if (c > 0) positive++;
      else if (c < 0) negative++;
      const a = Math.abs(c);
      sumAbsCoef += a;
      if (a > maxAbsCoef) maxAbsCoef = a;
      balance[s * r.dstCores + core] += c;
    }
  }
  let balanceMaxError = 0;
  for (const b of balance) if (Math.abs(b) > balanceMaxError) balanceMaxError = Math.abs(b);
  return {
    packets: r.srcSlot.length,
    positive,
    negative,
    sumAbsCoef,
    maxAbsCoef,
    emptyDstSlots,
    fanIn: minMeanMax(fanIn),
    fanOut: minMeanMax(fanOut),
    balanceMaxError,
  };
}

/**
 * Expected number of +1 picks of generateRouting: srcCores*K source slots, each drawing
 * Binomial(dstCores*K, p) picks.
 * @example
 * expectedPositiveRoutes(4, 50, 4, 0.2); // 16 * 200 * 0.2 = 640
 */
export function expectedPositiveRoutes(srcCores: number, dstCores: number, slotsPerCore: number, p: number): number {
  return srcCores * slotsPerCore * dstCores * slotsPerCore * p;
}
