// The seeded RNG: reproducibility, known first values (the cross-runtime
// contract), moments of uniform / normal / binomial / int, and the exact log.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng, detLog } from "../src/rng.js";

test("same seed, same stream; different seeds differ; forks are independent and reproducible", () => {
  const a = new Rng(123),
    b = new Rng(123),
    c = new Rng(124);
  const xa = Array.from({ length: 50 }, () => a.nextU32());
  const xb = Array.from({ length: 50 }, () => b.nextU32());
  const xc = Array.from({ length: 50 }, () => c.nextU32());
  assert.equal(xa, xb);
  assert.not.equal(xa, xc);
  assert.equal(new Rng(5).fork("routing:0").uniform(), new Rng(5).fork("routing:0").uniform());
  assert.not.equal(new Rng(5).fork("routing:0").uniform(), new Rng(5).fork("routing:1").uniform());
});

test("golden values (the stream every runtime must produce for seed 42)", () => {
  const r = new Rng(42);
  const golden = [2837322924, 544945897, 479756282, 142, 0.15178267621950975];
  assert.equal([r.nextU32(), r.nextU32(), r.nextU32(), r.int(1000), r.normal()], golden);
});

test("uniform moments: mean 1/2, variance 1/12", () => {
  const r = new Rng(1);
  const n = 200000;
  let s = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
  }
  const mean = s / n,
    v = s2 / n - mean * mean;
  assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
  assert.ok(Math.abs(v - 1 / 12) < 0.002, `var ${v}`);
});

test("normal moments: mean 0, variance 1, kurtosis 3", () => {
  const r = new Rng(2);
  const n = 200000;
  let s = 0,
    s2 = 0,
    s4 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
    s4 += z ** 4;
  }
  assert.ok(Math.abs(s / n) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(s2 / n - 1) < 0.015, `var ${s2 / n}`);
  assert.ok(Math.abs(s4 / n - 3) < 0.1, `kurt ${s4 / n}`);
});

test("binomial moments: mean np, variance np(1-p)", () => {
  const r = new Rng(3);
  const n = 200,
    p = 0.2,
    reps = 20000;
  let s = 0,
    s2 = 0;
  for (let i = 0; i < reps; i++) {
    const k = r.binomial(n, p);
    s += k;
    s2 += k * k;
  }
  const mean = s / reps,
    v = s2 / reps - mean * mean;
  assert.ok(Math.abs(mean - n * p) < 5 * Math.sqrt((n * p * (1 - p)) / reps), `mean ${mean}`);
  assert.ok(Math.abs(v / (n * p * (1 - p)) - 1) < 0.05, `var ${v}`);
  assert.is(r.binomial(10, 0), 0);
  assert.is(r.binomial(10, 1), 10);
  assert.throws(() => r.binomial(10, 1.5), /p must be in \[0, 1\]/);
});

test("int is uniform over its range (chi-square) and validates n", () => {
  const r = new Rng(4);
  const k = 7,
    n = 70000;
  const counts = new Array(k).fill(0);
  for (let i = 0; i < n; i++) counts[r.int(k)]++;
  const e = n / k;
  const chi2 = counts.reduce((a, c) => a + (c - e) ** 2 / e, 0);
  assert.ok(chi2 < 22.5, `chi2 ${chi2}`); // p ~ 0.001 at 6 dof
  assert.throws(() => r.int(0), /n must be/);
});

test("detLog matches Math.log to 1 ulp-ish and handles edge cases", () => {
  for (const x of [1e-300, 1e-10, 0.1, 0.5, 0.7071, 1, 1.5, 2, 3.14159, 1e10, 5e-324]) {
    assert.ok(Math.abs(detLog(x) - Math.log(x)) <= 4e-16 * Math.max(1, Math.abs(Math.log(x))), `log ${x}: ${detLog(x)} vs ${Math.log(x)}`);
  }
  assert.is(detLog(0), -Infinity);
  assert.ok(Number.isNaN(detLog(-1)));
});

test("shuffle and permutation are permutations", () => {
  const p = new Rng(9).permutation(100);
  assert.equal(
    Array.from(p).sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test("state() and restore() continue a stream exactly, the spare normal included", () => {
  const a = new Rng(11);
  a.uniform();
  a.normal(); // leaves a spare
  const saved = JSON.parse(JSON.stringify(a.state()));
  const next = [a.normal(), a.int(1000), a.uniform(), a.normal()];
  const b = new Rng(0).restore(saved);
  assert.equal([b.normal(), b.int(1000), b.uniform(), b.normal()], next);
  assert.ok(typeof a.state().spare === "number" && a.state().spare === b.state().spare, "an odd count of normals leaves a spare");
  a.normal();
  assert.is(a.state().spare, null, "the spare taken: none left");
  // a state without a spare clears the one the generator holds
  const c = new Rng(3);
  c.normal();
  c.restore(a.state());
  assert.equal([c.normal(), c.normal()], [a.normal(), a.normal()]);
  assert.throws(() => new Rng(0).restore({ words: [0, 0, 0, 0], spare: null }), /not a generator state/);
  assert.throws(() => new Rng(0).restore({ words: [1, 2, 3], spare: null }), /not a generator state/);
  assert.throws(() => new Rng(0).restore({ words: [1, 2, 3, 2 ** 32], spare: null }), /not a generator state/);
});

test.run();
