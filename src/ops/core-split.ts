// How a ScRRAMBLe layer's forward splits over the threads: work items are
// (destination core, block of batch rows), core-major. Rows are cut only where
// that lowers the largest share, i.e. when the cores are fewer than the threads
// or do not divide among them (10 cores on 16 threads: 0.75 of a core each in
// blocks of 16 rows, against 1 core for 10 of the threads). Every output row is
// computed the same way whatever the split, so results are bit-identical.
// Letters (docs/architecture.md): C cores, B batch rows, T threads.

import { splitRange } from "../wasm/pool.js";

/** Cores [c0, c1) by rows [b0, b1): one kernel call. */
export type CoreRows = [c0: number, c1: number, b0: number, b1: number];

/** The least rows in a block when rows are cut. */
const MIN_BLOCK_ROWS = 16;

/** Splits already made, by "C B T": a layer asks for the same one every step. */
const made = new Map<string, readonly (readonly CoreRows[])[]>();

/**
 * One list of (cores, rows) calls per thread. Row blocks start at multiples of 4
 * (whole GEMM row tiles); a thread's items are merged into as few calls as they allow.
 * The lists are shared between calls with the same arguments: read them, do not change them.
 * @example coreRowParts(10, 64, 16) // 16 lists; each covers 2 or 3 blocks of 16 rows
 */
export function coreRowParts(C: number, B: number, T: number): readonly (readonly CoreRows[])[] {
  const key = `${C} ${B} ${T}`;
  let parts = made.get(key);
  if (!parts) {
    if (made.size >= 256) made.clear();
    parts = splitCoreRows(C, B, T);
    made.set(key, parts);
  }
  return parts;
}

function splitCoreRows(C: number, B: number, T: number): CoreRows[][] {
  let best: { rows: number; R: number; load: number } | null = null;
  for (let r = 1; r <= Math.max(1, Math.floor(B / MIN_BLOCK_ROWS)); r++) {
    const rows = r === 1 ? B : Math.ceil(B / r / 4) * 4;
    const R = Math.ceil(B / rows);
    const load = Math.max(...splitRange(C * R, Math.max(1, Math.min(T, C * R))).map(([a, b]) => rowsOf(a, b, R, rows, B)));
    if (!best || load < best.load) best = { rows, R, load };
  }
  const { rows, R } = best!;
  const n = C * R;
  return splitRange(n, Math.max(1, Math.min(T, n))).map(([a, b]) => {
    const calls: CoreRows[] = [];
    for (let i = a; i < b; i++) {
      const c = Math.floor(i / R),
        b0 = (i % R) * rows,
        b1 = Math.min(B, b0 + rows);
      const last = calls[calls.length - 1];
      if (last && last[1] - last[0] === 1 && last[0] === c && last[3] === b0) last[3] = b1;
      else calls.push([c, c + 1, b0, b1]);
      // a whole core after whole cores: one call over more cores
      const [p, q] = [calls[calls.length - 2], calls[calls.length - 1]];
      if (p && p[2] === 0 && p[3] === B && q[2] === 0 && q[3] === B && p[1] === q[0]) {
        p[1] = q[1];
        calls.pop();
      }
    }
    return calls;
  });
}

/** Rows of work in items [a, b) (R blocks of `rows` rows per core; the last block of a core may be short). */
function rowsOf(a: number, b: number, R: number, rows: number, B: number): number {
  let sum = 0;
  for (let i = a; i < b; i++) sum += Math.min(B, ((i % R) + 1) * rows) - (i % R) * rows;
  return sum;
}
