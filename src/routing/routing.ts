// Input-balanced random slot routing between two ScRRAMBLe layers (SCRRAMBLE.md
// section 2): generation from a seed, validation of a routing loaded from a
// checkpoint, the transpose (for the backward scatter) and a dense view for tests.
// Routing is plain data (CSR arrays of Int32). Must not use Math.random, must not
// build the dense 4-D tensor except in denseRoutingTensor, must not import node:*.

import { Rng } from "../rng.js";

/**
 * A routing in CSR form by destination slot. Global slot indexes are
 * core * slotsPerCore + slot on both sides.
 * Entries of destination slot d are srcSlot/coef[dstPtr[d] .. dstPtr[d+1]),
 * sorted by source slot, coefficients non-zero.
 */
export interface Routing {
  srcCores: number;
  dstCores: number;
  slotsPerCore: number;
  /** length dstCores * slotsPerCore + 1 */
  dstPtr: Int32Array;
  /** global source slot index srcCore * slotsPerCore + srcSlot */
  srcSlot: Int32Array;
  /** non-zero integer coefficients */
  coef: Int32Array;
  /** Connection probability used by generateRouting (absent when loaded). */
  p?: number;
  /** Seed used by generateRouting (absent when loaded). */
  seed?: number;
  /** Number of +1 picks made in step 1 of generation (before cancellation). */
  positivePicks?: number;
}

/** Routing in CSR form by source slot: entries of source slot s are dstSlot/coef[srcPtr[s] .. srcPtr[s+1]). */
export interface TransposedRouting {
  srcCores: number;
  dstCores: number;
  slotsPerCore: number;
  /** length srcCores * slotsPerCore + 1 */
  srcPtr: Int32Array;
  /** global destination slot index, sorted within each source slot */
  dstSlot: Int32Array;
  coef: Int32Array;
}

export interface RoutingOptions {
  srcCores: number;
  dstCores: number;
  slotsPerCore: number;
  /** connection probability in [0, 1] */
  p: number;
  seed: number;
}

const MAX_SLOTS = 0x40000000; // keeps every global slot index and pointer inside Int32

function checkCount(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new Error(`routing: ${what} must be an integer >= 1, got ${String(v)}`);
  }
  return v;
}

function checkShape(where: string, srcCores: unknown, dstCores: unknown, slotsPerCore: unknown): void {
  const s = checkCount(`${where}srcCores`, srcCores);
  const d = checkCount(`${where}dstCores`, dstCores);
  const k = checkCount(`${where}slotsPerCore`, slotsPerCore);
  if (s * k > MAX_SLOTS || d * k > MAX_SLOTS) {
    throw new Error(`routing: ${where}layer too large (${s}x${k} -> ${d}x${k} slots)`);
  }
}

/**
 * Generate the input-balanced routing of SCRRAMBLE.md section 2, reproducible from the seed.
 * For each source slot in order: beta ~ Binomial(dstCores*K, p) destination slots are picked
 * uniformly with replacement (+1 each); then, for every positive entry in increasing
 * destination order, w times a slot of the same destination core is picked (-1 each).
 * @example
 * const r = generateRouting({ srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2, seed: 1 });
 * r.dstPtr.length === 50 * 4 + 1; // entries of destination slot d: r.srcSlot/r.coef[r.dstPtr[d]..r.dstPtr[d+1])
 */
export function generateRouting(opts: RoutingOptions): Routing {
  const { srcCores, dstCores, slotsPerCore: K, p, seed } = opts;
  checkShape("", srcCores, dstCores, K);
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`routing: p must be a number in [0, 1], got ${String(p)}`);
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw new Error(`routing: seed must be an integer, got ${String(seed)}`);

  const rng = new Rng(seed);
  const nSrc = srcCores * K;
  const nDst = dstCores * K;
  const dstCount = new Int32Array(nDst);
  // Per source slot: sorted (dst, coef) pairs, concatenated over source slots in order.
  const rowDst: number[] = [];
  const rowCoef: number[] = [];
  let positivePicks = 0;

  for (let src = 0; src < nSrc; src++) {
    const acc = new Map<number, number>();
    const beta = rng.binomial(nDst, p);
    positivePicks += beta;
    for (let i = 0; i < beta; i++) {
      const d = rng.int(nDst);
      acc.set(d, (acc.get(d) ?? 0) + 1);
    }
    // Snapshot (dst, w) first: the -1 picks below may land on a positive entry not yet visited.
    const positives = [...acc.entries()].sort((a, b) => a[0] - b[0]); // all entries are > 0 here
    for (const [d, w] of positives) {
      const coreBase = d - (d % K);
      for (let t = 0; t < w; t++) {
        const d2 = coreBase + rng.int(K);
        acc.set(d2, (acc.get(d2) ?? 0) - 1);
      }
    }
    const keys = [...acc.keys()].sort((a, b) => a - b);
    for (const d of keys) {
      const c = acc.get(d)!;
      if (c === 0) continue;
      rowDst.push(d);
      rowCoef.push(c);
      dstCount[d]++;
    }
    rowDst.push(-1); // source-slot separator
    rowCoef.push(0);
  }

  const dstPtr = new Int32Array(nDst + 1);
  for (let d = 0; d < nDst; d++) dstPtr[d + 1] = dstPtr[d] + dstCount[d];
  const nnz = dstPtr[nDst];
  const srcSlot = new Int32Array(nnz);
  const coef = new Int32Array(nnz);
  const fill = dstPtr.slice(0, nDst);
  let src = 0;
  for (let i = 0; i < rowDst.length; i++) {
    const d = rowDst[i];
    if (d < 0) {
      src++;
      continue;
    }
    const at = fill[d]++;
    srcSlot[at] = src; // source slots visited in increasing order: each dst slot stays sorted
    coef[at] = rowCoef[i];
  }
  return { srcCores, dstCores, slotsPerCore: K, dstPtr, srcSlot, coef, p, seed, positivePicks };
}

/**
 * Validate CSR arrays (e.g. read from a checkpoint) and wrap them as a Routing.
 * Checks the shape, that dstPtr starts at 0, is non-decreasing and ends at the entry count,
 * that source slots are in range and strictly increasing within a destination slot,
 * and that coefficients are non-zero integers. `name` prefixes error messages.
 * @example
 * const r = routingFromArrays({ srcCores: 1, dstCores: 1, slotsPerCore: 2,
 *   dstPtr: [0, 1, 2], srcSlot: [0, 0], coef: [1, -1] }, "model.ckpt");
 */
export function routingFromArrays(
  a: {
    srcCores: number;
    dstCores: number;
    slotsPerCore: number;
    dstPtr: ArrayLike<number>;
    srcSlot: ArrayLike<number>;
    coef: ArrayLike<number>;
  },
  name = "routing",
): Routing {
  try {
    checkShape("", a.srcCores, a.dstCores, a.slotsPerCore);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message.replace(/^routing: /, "")}`);
  }
  const K = a.slotsPerCore;
  const nSrc = a.srcCores * K;
  const nDst = a.dstCores * K;
  const fail = (msg: string): never => {
    throw new Error(`${name}: ${msg}`);
  };
  if (!a.dstPtr || a.dstPtr.length !== nDst + 1)
    fail(`dstPtr must have length dstCores*slotsPerCore+1 = ${nDst + 1}, got ${a.dstPtr?.length}`);
  if (!a.srcSlot || !a.coef) fail("srcSlot and coef are required");
  const nnz = a.srcSlot.length;
  if (a.coef.length !== nnz) fail(`srcSlot and coef lengths differ (${nnz} vs ${a.coef.length})`);
  if (a.dstPtr[0] !== 0) fail(`dstPtr[0] must be 0, got ${a.dstPtr[0]}`);
  if (a.dstPtr[nDst] !== nnz) fail(`dstPtr[${nDst}] must equal the entry count ${nnz}, got ${a.dstPtr[nDst]}`);
  for (let d = 0; d < nDst; d++) {
    const lo = a.dstPtr[d],
      hi = a.dstPtr[d + 1];
    if (!Number.isInteger(hi) || hi < lo) fail(`dstPtr is not non-decreasing at destination slot ${d} (${lo} -> ${hi})`);
    if (hi > nnz) fail(`dstPtr[${d + 1}] = ${hi} exceeds the entry count ${nnz}`);
    for (let e = lo; e < hi; e++) {
      const s = a.srcSlot[e];
      if (!Number.isInteger(s) || s < 0 || s >= nSrc) fail(`srcSlot[${e}] = ${s} out of range [0, ${nSrc})`);
      if (e > lo && s <= a.srcSlot[e - 1]) fail(`source slots of destination slot ${d} are not strictly increasing at entry ${e}`);
      const c = a.coef[e];
      if (!Number.isInteger(c) || c === 0 || Math.abs(c) > 0x7fffffff) fail(`coef[${e}] = ${c} must be a non-zero 32-bit integer`);
    }
  }
  return {
    srcCores: a.srcCores,
    dstCores: a.dstCores,
    slotsPerCore: K,
    dstPtr: Int32Array.from(a.dstPtr),
    srcSlot: Int32Array.from(a.srcSlot),
    coef: Int32Array.from(a.coef),
  };
}

/**
 * CSR by source slot (destination slots sorted within each source slot, then routes in order), for the
 * backward pass: the input gradient gathers each source slot's terms in a scatter-add's order.
 * @example
 * const t = transposeRouting(r); // entries of source slot s: t.dstSlot/t.coef[t.srcPtr[s]..t.srcPtr[s+1])
 */
export function transposeRouting(
  r: Pick<Routing, "srcCores" | "dstCores" | "slotsPerCore" | "dstPtr" | "srcSlot" | "coef">,
): TransposedRouting {
  const K = r.slotsPerCore;
  const nSrc = r.srcCores * K;
  const nDst = r.dstCores * K;
  const nnz = r.srcSlot.length;
  const srcPtr = new Int32Array(nSrc + 1);
  for (let e = 0; e < nnz; e++) srcPtr[r.srcSlot[e] + 1]++;
  for (let s = 0; s < nSrc; s++) srcPtr[s + 1] += srcPtr[s];
  const fill = srcPtr.slice(0, nSrc);
  const dstSlot = new Int32Array(nnz);
  const coef = new Int32Array(nnz);
  for (let d = 0; d < nDst; d++) {
    for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) {
      const at = fill[r.srcSlot[e]]++;
      dstSlot[at] = d; // destination slots visited in increasing order: sorted
      coef[at] = r.coef[e];
    }
  }
  return { srcCores: r.srcCores, dstCores: r.dstCores, slotsPerCore: K, srcPtr, dstSlot, coef };
}

/**
 * The dense tensor C[srcCore, srcSlot, dstCore, dstSlot] flattened row-major, i.e. index
 * (srcCore*K + srcSlot) * (dstCores*K) + dstCore*K + dstSlot. For tests and small layers only.
 * @example
 * const C = denseRoutingTensor(generateRouting({ srcCores: 2, dstCores: 3, slotsPerCore: 4, p: 0.5, seed: 7 }));
 */
export function denseRoutingTensor(r: Routing): Int32Array {
  const nSrc = r.srcCores * r.slotsPerCore;
  const nDst = r.dstCores * r.slotsPerCore;
  if (nSrc * nDst > 1 << 24) throw new Error(`denseRoutingTensor: ${nSrc}x${nDst} is too large for a dense view`);
  const C = new Int32Array(nSrc * nDst);
  for (let d = 0; d < nDst; d++) {
    for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) C[r.srcSlot[e] * nDst + d] += r.coef[e];
  }
  return C;
}
