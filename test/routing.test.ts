// Tests of the input-balanced routing (SCRRAMBLE.md section 2): the balance property,
// reproducibility, the statistics of the routes measured from the CSR arrays
// against the generator's exact law (goodness of fit), CSR invariants, loading
// and transposing.
// Must not depend on other test files or on WASM.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { denseRoutingTensor, generateRouting, routingFromArrays, transposeRouting, type Routing } from "../src/routing/routing.js";
import { expectedPositiveRoutes, routingStats } from "../src/routing/stats.js";
import { Rng } from "../src/rng.js";

function checkCsr(r: Routing): void {
  const nSrc = r.srcCores * r.slotsPerCore;
  const nDst = r.dstCores * r.slotsPerCore;
  assert.is(r.dstPtr.length, nDst + 1);
  assert.is(r.dstPtr[0], 0);
  assert.is(r.dstPtr[nDst], r.srcSlot.length);
  assert.is(r.coef.length, r.srcSlot.length);
  for (let d = 0; d < nDst; d++) {
    assert.ok(r.dstPtr[d + 1] >= r.dstPtr[d]);
    for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) {
      assert.ok(r.srcSlot[e] >= 0 && r.srcSlot[e] < nSrc);
      assert.ok(r.coef[e] !== 0);
      if (e > r.dstPtr[d]) assert.ok(r.srcSlot[e] > r.srcSlot[e - 1], "sorted by source slot");
    }
  }
}

test("balance: every (source slot, destination core) sums to zero in the dense tensor", () => {
  const shapes = [
    [1, 1, 1],
    [1, 1, 4],
    [2, 3, 4],
    [3, 2, 2],
    [4, 5, 4],
    [2, 4, 16],
  ];
  const ps = [0.05, 0.2, 0.75, 1];
  let nonEmpty = 0;
  for (const [S, D, K] of shapes) {
    for (const p of ps) {
      for (let seed = 0; seed < 8; seed++) {
        const r = generateRouting({ srcCores: S, dstCores: D, slotsPerCore: K, p, seed });
        checkCsr(r);
        const C = denseRoutingTensor(r);
        assert.is(C.length, S * K * D * K);
        const nDst = D * K;
        for (let src = 0; src < S * K; src++) {
          for (let cj = 0; cj < D; cj++) {
            let sum = 0;
            for (let sj = 0; sj < K; sj++) sum += C[src * nDst + cj * K + sj];
            assert.is(sum, 0, `shape ${S}->${D} K=${K} p=${p} seed=${seed} src=${src} core=${cj}`);
          }
        }
        if (r.srcSlot.length > 0) nonEmpty++;
        assert.is(routingStats(r).balanceMaxError, 0);
      }
    }
  }
  assert.ok(nonEmpty > 100, "most routings are not trivially empty");
});

test("K = 1: every +1 is cancelled by its -1, so the routing is empty", () => {
  for (let seed = 0; seed < 10; seed++) {
    const r = generateRouting({ srcCores: 3, dstCores: 4, slotsPerCore: 1, p: 0.9, seed });
    assert.is(r.srcSlot.length, 0);
    assert.ok(r.positivePicks! > 0);
  }
});

test("balance on big layers via stats (MNIST and CIFAR shapes)", () => {
  const layers = [
    [4, 50, 4, 0.2],
    [50, 10, 4, 0.2],
    [8, 50, 16, 0.2],
    [8, 20, 16, 0.75],
  ];
  for (const [S, D, K, p] of layers) {
    for (let seed = 0; seed < 3; seed++) {
      const r = generateRouting({ srcCores: S, dstCores: D, slotsPerCore: K, p, seed });
      checkCsr(r);
      const s = routingStats(r);
      assert.is(s.balanceMaxError, 0);
      assert.is(s.packets, s.positive + s.negative);
      assert.ok(s.positive > 0 && s.negative > 0);
      assert.ok(s.sumAbsCoef >= s.packets);
      assert.ok(s.maxAbsCoef >= 1);
      // the sum of all coefficients is zero, so the positive mass equals the negative mass
      let total = 0;
      for (const c of r.coef) total += c;
      assert.is(total, 0);
      assert.ok(Math.abs(s.fanIn.mean * D * K - s.packets) < 1e-6);
      assert.ok(Math.abs(s.fanOut.mean * S * K - s.packets) < 1e-6);
    }
  }
});

test("same seed -> identical arrays; different seed -> different routing", () => {
  const o = { srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2 };
  const a = generateRouting({ ...o, seed: 123 });
  const b = generateRouting({ ...o, seed: 123 });
  assert.equal(Array.from(a.dstPtr), Array.from(b.dstPtr));
  assert.equal(Array.from(a.srcSlot), Array.from(b.srcSlot));
  assert.equal(Array.from(a.coef), Array.from(b.coef));
  assert.is(a.positivePicks, b.positivePicks);
  const c = generateRouting({ ...o, seed: 124 });
  const same =
    a.srcSlot.length === c.srcSlot.length &&
    a.dstPtr.every((v, i) => v === c.dstPtr[i]) &&
    a.srcSlot.every((v, i) => v === c.srcSlot[i]) &&
    a.coef.every((v, i) => v === c.coef[i]);
  assert.not.ok(same);
});

/** Upper tail of the chi-square distribution (Wilson-Hilferty normal approximation; ample for p-values near 1e-6). */
function chiSquareP(x: number, df: number): number {
  const z = (Math.cbrt(x / df) - (1 - 2 / (9 * df))) / Math.sqrt(2 / (9 * df));
  // Normal upper tail by the complementary error function (Abramowitz-Stegun 7.1.26).
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-(z * z) / 2);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Pearson chi-square of observed counts against expected counts (expected >= 5 each; the rest pooled). */
function chiSquare(observed: number[], expected: number[]): { x: number; df: number; p: number } {
  let x = 0,
    cells = 0,
    restO = 0,
    restE = 0;
  observed.forEach((o, i) => {
    if (expected[i] >= 5) {
      x += (o - expected[i]) ** 2 / expected[i];
      cells++;
    } else {
      restO += o;
      restE += expected[i];
    }
  });
  if (restE > 0) {
    x += (restO - restE) ** 2 / restE;
    cells++;
  }
  return { x, df: cells - 1, p: chiSquareP(x, cells - 1) };
}

/** Per source slot, its net coefficients into every destination slot, read from the CSR arrays. */
function rowsOf(r: Routing): Int32Array[] {
  const nDst = r.dstCores * r.slotsPerCore;
  const rows = Array.from({ length: r.srcCores * r.slotsPerCore }, () => new Int32Array(nDst));
  for (let d = 0; d < nDst; d++) for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) rows[r.srcSlot[e]][d] = r.coef[e];
  return rows;
}

const binom = (n: number, k: number, p: number): number => {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c * p ** k * (1 - p) ** (n - k);
};

/**
 * Exact law of one source slot's net coefficient row, by enumerating the
 * generator's draws (SCRRAMBLE.md section 2): Binomial(DK, p) picks uniform over
 * the DK destination slots with replacement, each paired with a -1 into a
 * uniform slot of the same destination core. Keys are the rows joined by ",".
 */
function exactRowLaw(D: number, K: number, p: number): Map<string, number> {
  const nDst = D * K;
  const law = new Map<string, number>();
  for (let beta = 0; beta <= nDst; beta++) {
    const picks = new Array<number>(beta).fill(0);
    const minus = new Array<number>(beta).fill(0);
    // every +1 pick has its -1 in a uniform slot of the same core
    const place = (j: number, q: number) => {
      if (j < beta) {
        for (let k = 0; k < K; k++) {
          minus[j] = picks[j] - (picks[j] % K) + k;
          place(j + 1, q / K);
        }
        return;
      }
      const row = new Array<number>(nDst).fill(0);
      for (const d of picks) row[d]++;
      for (const d of minus) row[d]--;
      const key = row.join(",");
      law.set(key, (law.get(key) ?? 0) + q);
    };
    const walk = (i: number, q: number) => {
      if (i === beta) return place(0, q);
      for (let d = 0; d < nDst; d++) {
        picks[i] = d;
        walk(i + 1, q / nDst);
      }
    };
    walk(0, binom(nDst, beta, p));
  }
  return law;
}

type Generate = (o: { srcCores: number; dstCores: number; slotsPerCore: number; p: number; seed: number }) => Routing;

/** Failures of the row-law fit for a generator (empty: it passes). 2 destination cores of K = 2; 10 000 source slots over 10 seeds. */
function rowLawFailures(gen: Generate): string[] {
  const [D, K, p] = [2, 2, 0.5];
  const law = exactRowLaw(D, K, p);
  const total = [...law.values()].reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 1) < 1e-12, `the law sums to ${total}`);
  const counts = new Map<string, number>();
  let n = 0;
  for (let seed = 0; seed < 10; seed++) {
    const r = gen({ srcCores: 500, dstCores: D, slotsPerCore: K, p, seed });
    for (const row of rowsOf(r)) {
      const key = Array.from(row).join(",");
      if (!law.has(key)) return [`row ${key} is impossible under the generator's law`];
      counts.set(key, (counts.get(key) ?? 0) + 1);
      n++;
    }
  }
  const keys = [...law.keys()];
  const fit = chiSquare(
    keys.map((k) => counts.get(k) ?? 0),
    keys.map((k) => law.get(k)! * n),
  );
  assert.ok(fit.df >= 8, `${fit.df} degrees of freedom`);
  return fit.p > 1e-4 ? [] : [`row law: chi-square ${fit.x.toFixed(1)} on ${fit.df} df, p = ${fit.p}`];
}

test("goodness of fit: each source slot's row of net coefficients follows the generator's exact law", () => {
  const failures = rowLawFailures(generateRouting);
  assert.equal(failures, []);
});

/** Failures of the uniformity fits (+ routes over destination cores and slots, - routes over slots; MNIST layer shape). */
function uniformFailures(gen: Generate): string[] {
  const [S, D, K, p] = [4, 50, 4, 0.2];
  const failures: string[] = [];
  const plusCore = new Array<number>(D).fill(0);
  const plusSlot = new Array<number>(K).fill(0);
  const minusSlot = new Array<number>(K).fill(0);
  for (let seed = 0; seed < 40; seed++) {
    const r = gen({ srcCores: S, dstCores: D, slotsPerCore: K, p, seed });
    for (let d = 0; d < D * K; d++) {
      for (let e = r.dstPtr[d]; e < r.dstPtr[d + 1]; e++) {
        const c = r.coef[e];
        if (c > 0) {
          plusCore[Math.floor(d / K)] += c;
          plusSlot[d % K] += c;
        } else minusSlot[d % K] -= c;
      }
    }
  }
  for (const [what, counts] of [
    ["+ routes per destination core", plusCore],
    ["+ routes per slot within a core", plusSlot],
    ["- routes per slot within a core", minusSlot],
  ] as const) {
    const n = counts.reduce((a, b) => a + b, 0);
    const fit = chiSquare(
      counts,
      counts.map(() => n / counts.length),
    );
    if (!(fit.p > 1e-6)) failures.push(`${what}: chi-square ${fit.x.toFixed(1)} on ${fit.df} df, p = ${fit.p} (${counts.join(" ")})`);
  }
  return failures;
}

test("goodness of fit: destination cores and slots of the + and - routes are uniform (MNIST layer shape)", () => {
  assert.equal(uniformFailures(generateRouting), []);
});

/** Failures of the + mass check: per (source slot, destination core), measured from the CSR arrays, against its exact expectation. */
function massFailures(gen: Generate): string[] {
  // Picks into one core: n ~ Binomial(D K, p / D); the +1s and the -1s are each
  // multinomial over its K slots, independent, and a slot keeps max(+ - -, 0).
  const [S, D, K, p] = [16, 10, 4, 0.3];
  let expected = 0;
  for (let n = 0; n <= D * K; n++) {
    let perSlot = 0;
    for (let a = 0; a <= n; a++) for (let b = 0; b < a; b++) perSlot += binom(n, a, 1 / K) * binom(n, b, 1 / K) * (a - b);
    expected += binom(D * K, n, p / D) * K * perSlot;
  }
  const values: number[] = [];
  for (let seed = 0; seed < 100; seed++) {
    const r = gen({ srcCores: S, dstCores: D, slotsPerCore: K, p, seed });
    for (const row of rowsOf(r)) {
      for (let c = 0; c < D; c++) {
        let plus = 0;
        for (let k = 0; k < K; k++) plus += Math.max(row[c * K + k], 0);
        values.push(plus);
      }
    }
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  const se = sd / Math.sqrt(values.length);
  assert.ok(se < expected * 0.01, "the sample is large enough to see a 1 % shift");
  // Before cancellation the picks number D K p per source slot: the closed form the report prints.
  assert.ok(Math.abs(expectedPositiveRoutes(S, D, K, p) - S * K * D * K * p) < 1e-9);
  return Math.abs(mean - expected) < 4 * se ? [] : [`+ mass: measured ${mean} vs exact ${expected} (standard error ${se})`];
}

test("the + mass per (source slot, destination core), measured from the CSR arrays, matches its exact expectation", () => {
  assert.equal(massFailures(generateRouting), []);
});

/**
 * The generator of SCRRAMBLE.md section 2 written again here, with one planted
 * defect at a time, so the checks above can be shown to catch each.
 */
type Defect = "none" | "one fewer pick" | "every -1 to slot 0" | "picks without replacement" | "fixed beta";
function plantedGenerator(defect: Defect): Generate {
  return ({ srcCores, dstCores, slotsPerCore: K, p, seed }) => {
    const rng = new Rng(seed);
    const nDst = dstCores * K;
    const rows: Map<number, number>[] = [];
    for (let src = 0; src < srcCores * K; src++) {
      const acc = new Map<number, number>();
      let beta = rng.binomial(nDst, p);
      if (defect === "one fewer pick") beta = Math.max(beta - 1, 0);
      if (defect === "fixed beta") beta = Math.round(nDst * p);
      const picked = new Set<number>();
      for (let i = 0; i < beta; i++) {
        let d = rng.int(nDst);
        if (defect === "picks without replacement") {
          if (picked.size === nDst) break;
          while (picked.has(d)) d = rng.int(nDst);
          picked.add(d);
        }
        acc.set(d, (acc.get(d) ?? 0) + 1);
      }
      for (const [d, w] of [...acc.entries()].sort((a, b) => a[0] - b[0])) {
        for (let t = 0; t < w; t++) {
          const d2 = d - (d % K) + (defect === "every -1 to slot 0" ? 0 : rng.int(K));
          acc.set(d2, (acc.get(d2) ?? 0) - 1);
        }
      }
      rows.push(acc);
    }
    const dstPtr = [0];
    const srcSlot: number[] = [];
    const coef: number[] = [];
    for (let d = 0; d < nDst; d++) {
      rows.forEach((acc, src) => {
        const c = acc.get(d) ?? 0;
        if (c !== 0) {
          srcSlot.push(src);
          coef.push(c);
        }
      });
      dstPtr.push(srcSlot.length);
    }
    return routingFromArrays({ srcCores, dstCores, slotsPerCore: K, dstPtr, srcSlot, coef });
  };
}

test("each planted defect of the generator fails at least one of the statistical checks", () => {
  // The replica without a defect is the generator itself, bit for bit.
  const o = { srcCores: 3, dstCores: 5, slotsPerCore: 4, p: 0.3, seed: 11 };
  const a = generateRouting(o),
    b = plantedGenerator("none")(o);
  assert.equal(
    [Array.from(a.dstPtr), Array.from(a.srcSlot), Array.from(a.coef)],
    [Array.from(b.dstPtr), Array.from(b.srcSlot), Array.from(b.coef)],
  );
  for (const defect of ["one fewer pick", "every -1 to slot 0", "picks without replacement", "fixed beta"] as const) {
    const gen = plantedGenerator(defect);
    const failures = [...rowLawFailures(gen), ...uniformFailures(gen), ...massFailures(gen)];
    assert.ok(failures.length > 0, `the checks pass a generator with the defect "${defect}"`);
  }
});

test("p = 0 gives an empty routing; p = 1 picks every destination slot count", () => {
  const r = generateRouting({ srcCores: 3, dstCores: 5, slotsPerCore: 4, p: 0, seed: 9 });
  assert.is(r.srcSlot.length, 0);
  assert.is(r.positivePicks, 0);
  assert.is(r.dstPtr.length, 21);
  assert.ok(r.dstPtr.every((v) => v === 0));
  const s = routingStats(r);
  assert.is(s.emptyDstSlots, 20);
  assert.equal(s.fanIn, { min: 0, mean: 0, max: 0 });
  const full = generateRouting({ srcCores: 2, dstCores: 3, slotsPerCore: 4, p: 1, seed: 9 });
  assert.is(full.positivePicks, 2 * 4 * 3 * 4);
});

test("a destination slot that receives nothing is representable", () => {
  // hand-built: 1 source core, 1 destination core, K = 3; slot 1 gets nothing
  const r = routingFromArrays({ srcCores: 1, dstCores: 1, slotsPerCore: 3, dstPtr: [0, 2, 2, 3], srcSlot: [0, 2, 0], coef: [1, -1, -1] });
  const s = routingStats(r);
  assert.is(s.emptyDstSlots, 1);
  assert.is(s.balanceMaxError, 1); // source slot 0: +1 -1 = 0, source slot 2: -1 -> unbalanced
  // generated routings with few picks also leave slots empty
  const g = generateRouting({ srcCores: 1, dstCores: 20, slotsPerCore: 4, p: 0.05, seed: 3 });
  assert.ok(routingStats(g).emptyDstSlots > 0);
  assert.is(routingStats(g).balanceMaxError, 0);
});

test("argument errors", () => {
  const ok = { srcCores: 2, dstCores: 2, slotsPerCore: 2, p: 0.5, seed: 1 };
  assert.throws(() => generateRouting({ ...ok, p: -0.1 }), /p must be a number in \[0, 1\]/);
  assert.throws(() => generateRouting({ ...ok, p: 1.5 }), /p must/);
  assert.throws(() => generateRouting({ ...ok, p: NaN }), /p must/);
  assert.throws(() => generateRouting({ ...ok, srcCores: 0 }), /srcCores must be an integer >= 1/);
  assert.throws(() => generateRouting({ ...ok, dstCores: 2.5 }), /dstCores must be an integer >= 1/);
  assert.throws(() => generateRouting({ ...ok, slotsPerCore: -1 }), /slotsPerCore/);
  assert.throws(() => generateRouting({ ...ok, seed: 0.5 }), /seed must be an integer/);
});

test("routingFromArrays accepts a generated routing and rejects broken CSR", () => {
  const g = generateRouting({ srcCores: 3, dstCores: 4, slotsPerCore: 4, p: 0.3, seed: 5 });
  const back = routingFromArrays({ ...g, dstPtr: Array.from(g.dstPtr), srcSlot: Array.from(g.srcSlot), coef: Array.from(g.coef) }, "ckpt");
  assert.equal(Array.from(back.coef), Array.from(g.coef));
  assert.equal(Array.from(back.srcSlot), Array.from(g.srcSlot));
  const base = { srcCores: 1, dstCores: 1, slotsPerCore: 2, dstPtr: [0, 1, 2], srcSlot: [0, 1], coef: [1, -1] };
  routingFromArrays(base);
  const bad: [Partial<typeof base>, RegExp][] = [
    [{ dstPtr: [0, 2] }, /dstPtr must have length .* = 3, got 2/],
    [{ dstPtr: [1, 1, 2] }, /dstPtr\[0\] must be 0/],
    [{ slotsPerCore: 3, dstPtr: [0, 2, 1, 2] }, /not non-decreasing at destination slot 1/],
    [{ dstPtr: [0, 1, 3] }, /must equal the entry count/],
    [{ srcSlot: [0, 2] }, /out of range/],
    [{ srcSlot: [-1, 0] }, /out of range/],
    [{ coef: [1, 0] }, /non-zero/],
    [{ coef: [1.5, -1] }, /non-zero 32-bit integer/],
    [{ coef: [1] }, /lengths differ/],
    [{ dstPtr: [0, 2, 2], srcSlot: [1, 0], coef: [1, -1] }, /not strictly increasing/],
    [{ slotsPerCore: 0 }, /slotsPerCore must be an integer >= 1/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(
      () => routingFromArrays({ ...base, ...patch }, "ckpt.safetensors"),
      (e: Error) => e.message.startsWith("ckpt.safetensors: ") && re.test(e.message),
      JSON.stringify(patch),
    );
  }
});

test("transposeRouting holds the same entries, sorted by source slot", () => {
  const r = generateRouting({ srcCores: 3, dstCores: 5, slotsPerCore: 4, p: 0.4, seed: 11 });
  const t = transposeRouting(r);
  const nSrc = 12,
    nDst = 20;
  assert.is(t.srcPtr.length, nSrc + 1);
  assert.is(t.srcPtr[nSrc], r.srcSlot.length);
  const C = denseRoutingTensor(r);
  const C2 = new Int32Array(nSrc * nDst);
  for (let s = 0; s < nSrc; s++) {
    for (let e = t.srcPtr[s]; e < t.srcPtr[s + 1]; e++) {
      if (e > t.srcPtr[s]) assert.ok(t.dstSlot[e] > t.dstSlot[e - 1]);
      C2[s * nDst + t.dstSlot[e]] += t.coef[e];
    }
  }
  assert.equal(Array.from(C2), Array.from(C));
  assert.ok(C.some((v) => v !== 0));
});

test("denseRoutingTensor layout is [srcCore, srcSlot, dstCore, dstSlot]", () => {
  // source core 1 slot 0 -> destination core 0 slot 1 (+2), and core 0 slot 0 (-2)
  const r = routingFromArrays({ srcCores: 2, dstCores: 1, slotsPerCore: 2, dstPtr: [0, 1, 2], srcSlot: [2, 2], coef: [-2, 2] });
  const C = denseRoutingTensor(r);
  assert.is(C[(1 * 2 + 0) * 2 + 0 * 2 + 1], 2);
  assert.is(C[(1 * 2 + 0) * 2 + 0], -2);
  assert.is(
    C.reduce((a, v) => a + Math.abs(v), 0),
    4,
  );
});

test.run();
