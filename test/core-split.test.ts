// The forward's split of (cores x batch rows) over threads: every (core, row)
// exactly once, row blocks on multiples of 4, at most T lists, and rows cut only
// where that lowers the largest share.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { coreRowParts } from "../src/ops/core-split.js";

test("every (core, row) exactly once, in at most T lists; rows cut only where it lowers the largest share", () => {
  for (const C of [1, 2, 3, 10, 50]) {
    for (const B of [1, 3, 16, 40, 64, 100]) {
      for (const T of [1, 2, 3, 4, 8, 16]) {
        const parts = coreRowParts(C, B, T);
        assert.ok(parts.length >= 1 && parts.length <= T, `${C} cores, ${B} rows, ${T} threads: ${parts.length} lists`);
        const seen = new Uint8Array(C * B);
        let largest = 0;
        for (const calls of parts) {
          let load = 0;
          for (const [c0, c1, b0, b1] of calls) {
            assert.ok(c0 < c1 && b0 < b1 && b1 <= B && c1 <= C);
            assert.ok(b0 % 4 === 0, `row block at ${b0}`);
            assert.ok(b0 === 0 || b1 - b0 >= 4);
            for (let c = c0; c < c1; c++) for (let b = b0; b < b1; b++) seen[c * B + b]++;
            load += (c1 - c0) * (b1 - b0);
          }
          largest = Math.max(largest, load);
        }
        assert.ok(
          seen.every((v) => v === 1),
          `${C} cores, ${B} rows, ${T} threads: a (core, row) is missed or repeated`,
        );
        const wholeCores = Math.ceil(C / Math.min(T, C)) * B;
        assert.ok(largest <= wholeCores, `${C}x${B} on ${T}: largest share ${largest} > ${wholeCores} with whole cores`);
        if (largest === wholeCores)
          assert.ok(
            parts.flat().every(([, , b0, b1]) => b0 === 0 && b1 === B),
            "rows cut for nothing",
          );
      }
    }
  }
  // 10 cores on 16 threads at batch 64: blocks of 16 rows, 0.75 of a core at most
  assert.is(Math.max(...coreRowParts(10, 64, 16).map((l) => l.reduce((s, [c0, c1, b0, b1]) => s + (c1 - c0) * (b1 - b0), 0))), 48);
  // 50 cores on 2 threads: one call of 25 whole cores each
  assert.equal(coreRowParts(50, 64, 2), [[[0, 25, 0, 64]], [[25, 50, 0, 64]]]);
});

test.run();
