// GEMM kernels (NN, NT, TN; overwrite and accumulate) of both SIMD variants
// against the naive float64 reference, on sizes that exercise partial tiles.

import { test } from "uvu";
import * as assert from "uvu/assert";
import v8 from "node:v8";
import { loadKernels, type SimdVariant } from "../src/wasm/load.js";
import { gemmScratchBytes, packedABytes } from "../src/wasm/abi.js";
import { naiveMatmul, transpose, randomArray } from "./helpers/reference.js";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [1, 256, 256],
  [2, 13, 37],
  [3, 9, 8],
  [4, 8, 16],
  [13, 17, 19],
  [64, 256, 256],
  [33, 40, 65],
  [5, 9, 1],
];

for (const variant of ["simd128", "relaxed"] as SimdVariant[]) {
  test(`gemm ${variant}: NN, NT, TN with and without accumulate match the reference`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 256 });
    const seed = { s: 7 };
    for (const [M, N, K] of shapes) {
      const A = randomArray(M * K, seed);
      const B = randomArray(K * N, seed);
      const C0 = randomArray(M * N, seed);
      const ref = naiveMatmul(A, B, M, K, N);
      const base = 1 << 16;
      const pa = base,
        pb = pa + M * K * 4 + 64,
        pc = pb + K * N * 4 + 64,
        ps = pc + M * N * 4 + 64;
      const view = () => new Float32Array(memory.buffer);
      const put = (p: number, v: ArrayLike<number>) => view().set(v, p / 4);
      const get = (p: number, n: number) => view().slice(p / 4, p / 4 + n);
      const tol = 1e-5 * K + 1e-6;
      const forms = [
        {
          name: "NN",
          run: (acc: number) => {
            put(pa, A);
            put(pb, B);
            k.gemmNN(M, N, K, pa, K, pb, N, pc, N, acc, ps);
          },
        },
        {
          name: "NT",
          run: (acc: number) => {
            put(pa, A);
            put(pb, transpose(B, K, N));
            k.gemmNT(M, N, K, pa, K, pb, K, pc, N, acc, ps);
          },
        },
        {
          name: "TN",
          run: (acc: number) => {
            put(pa, transpose(A, M, K));
            put(pb, B);
            k.gemmTN(M, N, K, pa, M, pb, N, pc, N, acc, ps);
          },
        },
      ];
      assert.ok(ps + gemmScratchBytes(K) < memory.buffer.byteLength);
      for (const form of forms) {
        put(pc, C0);
        form.run(0);
        let out = get(pc, M * N);
        for (let i = 0; i < M * N; i++) {
          if (Math.abs(out[i] - ref[i]) > tol) assert.unreachable(`${form.name} ${M}x${N}x${K} [${i}]: ${out[i]} vs ${ref[i]}`);
        }
        put(pc, C0);
        form.run(1);
        out = get(pc, M * N);
        for (let i = 0; i < M * N; i++) {
          if (Math.abs(out[i] - (ref[i] + C0[i])) > tol) assert.unreachable(`${form.name} accumulate ${M}x${N}x${K} [${i}]`);
        }
      }
    }
  });
}

test("gemm respects leading dimensions (writes only the addressed sub-block)", () => {
  const { exports: k, memory } = loadKernels({ variant: "simd128", initialPages: 64 });
  const M = 5,
    N = 6,
    K = 3,
    ldc = 10;
  const seed = { s: 3 };
  const A = randomArray(M * K, seed),
    B = randomArray(K * N, seed);
  const f = new Float32Array(memory.buffer);
  const pa = 4096,
    pb = 8192,
    pc = 12288,
    ps = 16384;
  f.set(A, pa / 4);
  f.set(B, pb / 4);
  f.fill(42, pc / 4, pc / 4 + M * ldc);
  k.gemmNN(M, N, K, pa, K, pb, N, pc, ldc, 0, ps);
  const ref = naiveMatmul(A, B, M, K, N);
  const g = new Float32Array(memory.buffer);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < ldc; j++) {
      const v = g[pc / 4 + i * ldc + j];
      if (j < N) assert.ok(Math.abs(v - ref[i * N + j]) < 1e-5);
      else assert.is(v, 42);
    }
});

for (const variant of ["simd128", "relaxed"] as SimdVariant[]) {
  test(`gemm ${variant}: b packed once (packB, from b or b^T) gives gemmNN / gemmNT's results, to the bit from 4 rows`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 256 });
    const seed = { s: 11 };
    for (const [M, N, K] of shapes) {
      const A = randomArray(M * K, seed);
      const B = randomArray(K * N, seed);
      const C0 = randomArray(M * N, seed);
      const ref = naiveMatmul(A, B, M, K, N);
      const pa = 1 << 16,
        pb = pa + M * K * 4 + 64,
        pbt = pb + K * N * 4 + 64,
        pp = pbt + K * N * 4 + 64,
        pc = pp + k.packedBytes(K, N) + 64,
        pd = pc + M * N * 4 + 64,
        ps = pd + M * N * 4 + 64;
      assert.ok(ps + gemmScratchBytes(K) < memory.buffer.byteLength);
      const view = () => new Float32Array(memory.buffer);
      view().set(A, pa / 4);
      view().set(B, pb / 4);
      view().set(transpose(B, K, N), pbt / 4);
      for (const transB of [0, 1]) {
        view().fill(NaN, pp / 4, (pp + k.packedBytes(K, N)) / 4);
        k.packB(transB ? pbt : pb, transB ? K : N, transB, K, N, pp);
        for (const acc of [0, 1]) {
          view().set(C0, pc / 4);
          view().set(C0, pd / 4);
          k.gemmPacked(M, N, K, pa, K, pp, pc, N, acc, ps);
          if (transB) k.gemmNT(M, N, K, pa, K, pbt, K, pd, N, acc, ps);
          else k.gemmNN(M, N, K, pa, K, pb, N, pd, N, acc, ps);
          const got = view().slice(pc / 4, pc / 4 + M * N);
          const plain = view().slice(pd / 4, pd / 4 + M * N);
          for (let i = 0; i < M * N; i++) {
            const want = ref[i] + (acc ? C0[i] : 0);
            if (Math.abs(got[i] - want) > 1e-5 * K + 1e-5) assert.unreachable(`packed ${M}x${N}x${K} [${i}]: ${got[i]} vs ${want}`);
          }
          if (M >= 4) assert.equal(got, plain, `${M}x${N}x${K} transB ${transB} acc ${acc}: not bit-identical`);
        }
      }
    }
  });
}

for (const variant of ["simd128", "relaxed"] as SimdVariant[]) {
  test(`gemm ${variant}: a packed in micro-panels (packA, from a or a^T) gives gemmNN / gemmNT / gemmTN's results to the bit`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 256 });
    const seed = { s: 19 };
    // rows for 6-row panels (relaxed build): whole panels, a last one of 5 rows (6 high), of 1-4 rows (4 high)
    const more: [number, number, number][] = [
      [6, 9, 11],
      [11, 16, 7],
      [12, 8, 4],
      [16, 24, 9],
      [17, 5, 3],
      [29, 12, 10],
    ];
    for (const [M, N, K] of [...shapes.filter(([m]) => m >= 4), ...more]) {
      const exact = k.packedABytes(M, K);
      assert.ok(exact <= packedABytes(M, K), `${M}x${K}: the library's packedABytes bounds the module's`);
      const A = randomArray(M * K, seed);
      const B = randomArray(K * N, seed);
      const C0 = randomArray(M * N, seed);
      const ref = naiveMatmul(A, B, M, K, N);
      const lda = K + 3; // a [M, lda]: rows padded, so the packer must follow the stride
      const pa = 1 << 16,
        pat = pa + M * lda * 4 + 64,
        pb = pat + K * M * 4 + 64,
        pbt = pb + K * N * 4 + 64,
        pp = pbt + K * N * 4 + 64,
        pap = pp + k.packedBytes(K, N) + 64,
        pc = pap + packedABytes(M, K) + 64,
        pd = pc + M * N * 4 + 64,
        ps = pd + M * N * 4 + 64;
      assert.ok(ps + gemmScratchBytes(K) < memory.buffer.byteLength);
      const view = () => new Float32Array(memory.buffer);
      const padded = new Float32Array(M * lda).fill(NaN);
      for (let i = 0; i < M; i++) padded.set(A.subarray(i * K, (i + 1) * K), i * lda);
      view().set(padded, pa / 4);
      view().set(transpose(A, M, K), pat / 4);
      view().set(B, pb / 4);
      view().set(transpose(B, K, N), pbt / 4);
      k.packB(pb, N, 0, K, N, pp);
      // packA from a (rows along k: 4 x 4 transposes) and from a^T (a vector per k): the same panels
      view().fill(NaN, pap / 4, (pap + packedABytes(M, K)) / 4);
      k.packA(pat, 1, M, M, K, pap);
      const fromT = view().slice(pap / 4, (pap + exact) / 4);
      assert.ok(
        view()
          .slice((pap + exact) / 4, (pap + packedABytes(M, K)) / 4)
          .every((v) => Number.isNaN(v)),
        "nothing is written past packedABytes",
      );
      view().fill(NaN, pap / 4, (pap + packedABytes(M, K)) / 4);
      k.packA(pa, lda, 1, M, K, pap);
      assert.equal(view().slice(pap / 4, (pap + exact) / 4), fromT, `${M}x${K}: packA of a and of a^T differ`);
      assert.ok(
        fromT.every((v) => !Number.isNaN(v)),
        "every panel value is written (zero padding included)",
      );
      const forms: [string, (acc: number) => void, (acc: number) => void][] = [
        ["NN", (acc) => k.gemmPackedA(M, N, K, pap, pb, N, 0, pc, N, acc, ps), (acc) => k.gemmNN(M, N, K, pa, lda, pb, N, pd, N, acc, ps)],
        [
          "NT",
          (acc) => k.gemmPackedA(M, N, K, pap, pbt, K, 1, pc, N, acc, ps),
          (acc) => k.gemmNT(M, N, K, pa, lda, pbt, K, pd, N, acc, ps),
        ],
        ["TN", (acc) => k.gemmPackedA(M, N, K, pap, pb, N, 0, pc, N, acc, ps), (acc) => k.gemmTN(M, N, K, pat, M, pb, N, pd, N, acc, ps)],
        ["AB", (acc) => k.gemmPackedAB(M, N, K, pap, pp, pc, N, acc, ps), (acc) => k.gemmPacked(M, N, K, pa, lda, pp, pd, N, acc, ps)],
      ];
      for (const [name, packed, plain] of forms) {
        for (const acc of [0, 1]) {
          view().set(C0, pc / 4);
          view().set(C0, pd / 4);
          packed(acc);
          plain(acc);
          const got = view().slice(pc / 4, pc / 4 + M * N);
          for (let i = 0; i < M * N; i++) {
            const want = ref[i] + (acc ? C0[i] : 0);
            if (Math.abs(got[i] - want) > 1e-5 * K + 1e-5)
              assert.unreachable(`packed A ${name} ${M}x${N}x${K} [${i}]: ${got[i]} vs ${want}`);
          }
          assert.equal(got, view().slice(pd / 4, pd / 4 + M * N), `${name} ${M}x${N}x${K} acc ${acc}: not bit-identical`);
        }
      }
    }
  });
}

// Inputs with zeros in runs of every length (and none): leading, trailing, between values,
// a whole row of zeros, and scattered ones, so that ranges start and end anywhere.
function zeroRuns(n: number, seed: { s: number }): Float32Array {
  const out = randomArray(n, seed);
  let i = 0,
    run = 0;
  while (i < n) {
    run = (run % 13) + 1;
    const zeros = (i * 7 + run) % 3 === 0 ? run + 7 : run;
    for (let z = 0; z < zeros && i < n; z++) out[i++] = 0;
    i += (run % 4) + 1;
  }
  return out;
}

for (const variant of ["simd128", "relaxed"] as SimdVariant[]) {
  test(`gemm ${variant}: gemvPackedNonzero skips runs of zero inputs and equals gemmPacked on few rows`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 256 });
    const seed = { s: 11 };
    const shapes: [number, number, number][] = [
      [1, 256, 256],
      [3, 40, 65],
      [2, 13, 37],
      [1, 8, 1],
      [3, 33, 100],
      [1, 13, 2],
      [2, 5, 3],
    ];
    for (const [M, N, K] of shapes) {
      for (const kind of ["dense", "runs", "zero"]) {
        const A = kind === "dense" ? randomArray(M * K, seed) : kind === "runs" ? zeroRuns(M * K, seed) : new Float32Array(M * K);
        if (kind === "runs" && M > 1) A.fill(0, 0, K); // a row of zeros only
        const B = randomArray(K * N, seed);
        const pa = 1 << 16,
          pb = pa + M * K * 4 + 64,
          pp = pb + K * N * 4 + 64,
          pc = pp + k.packedBytes(K, N) + 64,
          pd = pc + M * N * 4 + 64,
          ps = pd + M * N * 4 + 64,
          pt = ps + Math.max(8 * K, 32) + 128; // gemmPacked's own 128 bytes of tmp, after the guard
        const listEnd = ps + Math.max(8 * K, 32);
        assert.ok(pt + 128 < memory.buffer.byteLength);
        const view = () => new Float32Array(memory.buffer);
        view().set(A, pa / 4);
        view().set(B, pb / 4);
        view().fill(7, listEnd / 4, listEnd / 4 + 16); // a guard after the list's max(8 K, 32) bytes
        k.packB(pb, N, 0, K, N, pp);
        k.gemmPacked(M, N, K, pa, K, pp, pc, N, 0, pt);
        k.gemvPackedNonzero(M, N, K, pa, K, pp, pd, N, ps);
        const want = view().slice(pc / 4, pc / 4 + M * N),
          got = view().slice(pd / 4, pd / 4 + M * N);
        // the same value (a sum of zero terms only may differ in its sign: === takes -0 as 0)
        for (let i = 0; i < M * N; i++) assert.ok(got[i] === want[i], `${M}x${N}x${K} ${kind} [${i}]: ${got[i]} vs ${want[i]}`);
        const ref = naiveMatmul(A, B, M, K, N);
        for (let i = 0; i < M * N; i++) assert.ok(Math.abs(got[i] - ref[i]) <= 1e-5 * K + 1e-6, `${kind} reference [${i}]`);
        assert.equal(Array.from(view().slice(listEnd / 4, listEnd / 4 + 16)), new Array(16).fill(7), "nothing written past the list");
      }
    }
    // The rows under a run of ZERO_RUN (8) or more zeros are not read: NaN there stays out of y,
    // while a shorter run is summed (0 * NaN is NaN).
    const K = 40,
      N = 16;
    const pa = 1 << 16,
      pb = pa + K * 4,
      pp = pb + K * N * 4,
      py = pp + k.packedBytes(K, N),
      ps = py + N * 4;
    for (const [zeros, finite] of [
      [12, true],
      [7, false],
    ] as [number, boolean][]) {
      const A = new Float32Array(K).fill(1);
      A.fill(0, 10, 10 + zeros);
      const B = new Float32Array(K * N).fill(0.5);
      B.fill(NaN, 12 * N, 13 * N); // row 12 lies in the run
      new Float32Array(memory.buffer).set(A, pa / 4);
      new Float32Array(memory.buffer).set(B, pb / 4);
      k.packB(pb, N, 0, K, N, pp);
      k.gemvPackedNonzero(1, N, K, pa, K, pp, py, N, ps);
      const y = new Float32Array(memory.buffer).slice(py / 4, py / 4 + N);
      assert.ok(
        y.every((v) => Number.isFinite(v) === finite),
        `a run of ${zeros} zeros: ${Array.from(y)}`,
      );
      if (finite) assert.ok(y.every((v) => v === (K - zeros) * 0.5));
    }
  });
}

for (const variant of ["simd128", "relaxed"] as SimdVariant[]) {
  test(`gemm ${variant}: the inner columns that are zero in every row are left out with the same bits (nonzeroColumns)`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 256 });
    const seed = { s: 13 };
    const shapes: [number, number, number][] = [
      [4, 8, 16],
      [6, 16, 40],
      [13, 17, 19],
      [9, 40, 65],
      [64, 256, 256],
      [5, 9, 1],
      [7, 3, 33],
    ];
    for (const [M, J, I] of shapes) {
      for (const kind of ["none", "some", "most", "all", "minus zero"]) {
        const A = randomArray(M * I, seed);
        const zero = Array.from({ length: I }, (_, c) =>
          kind === "all" ? true : kind === "none" ? false : kind === "most" ? c % 7 !== 3 : (c * 5 + 3) % 7 < 3,
        );
        for (let r = 0; r < M; r++) for (let c = 0; c < I; c++) if (zero[c]) A[r * I + c] = kind === "minus zero" && r % 2 ? -0 : 0;
        const Bt = randomArray(J * I, seed); // bt [J, I]
        const pa = 1 << 16,
          pb = pa + M * I * 4 + 64,
          pap = pb + J * I * 4 + 64,
          pwant = pap + k.packedABytes(M, I) + 64,
          pgot = pwant + M * J * 4 + 64,
          pcols = pgot + M * J * 4 + 64,
          ps = pcols + I * 4 + 64;
        assert.ok(ps + gemmScratchBytes(I) < memory.buffer.byteLength);
        const f32 = () => new Float32Array(memory.buffer);
        f32().set(A, pa / 4);
        f32().set(Bt, pb / 4);
        k.packA(pa, I, 1, M, I, pap);
        k.gemmPackedA(M, J, I, pap, pb, I, 1, pwant, J, 0, ps);
        new Int32Array(memory.buffer).fill(-7, pcols / 4, pcols / 4 + I + 16); // the list's slots and a guard after it
        const n = k.nonzeroColumns(pa, I, M, I, pcols);
        const cols = Array.from(new Int32Array(memory.buffer, pcols, n));
        const expected = zero.flatMap((z, c) => (z ? [] : [c]));
        assert.equal(cols, expected, `${M}x${J}x${I} ${kind}: the nonzero columns`);
        assert.equal(
          Array.from(new Int32Array(memory.buffer, pcols + I * 4, 16)),
          new Array(16).fill(-7),
          "nothing written past I entries",
        );
        k.packA(pa, I, 1, M, I, pap);
        k.compactPackedA(pap, M, I, pcols, n);
        k.gemmPackedAColumnsT(M, J, I, pap, pb, I, pcols, n, pgot, J, ps);
        const want = f32().slice(pwant / 4, pwant / 4 + M * J),
          got = f32().slice(pgot / 4, pgot / 4 + M * J);
        for (let i = 0; i < M * J; i++) assert.ok(Object.is(got[i], want[i]), `${M}x${J}x${I} ${kind} [${i}]: ${got[i]} vs ${want[i]}`);
        // the same on packed weights (packB of b = bt^T): gemmPackedABColumns
        const ppanels = ps + gemmScratchBytes(I) + 64;
        assert.ok(ppanels + k.packedBytes(I, J) < memory.buffer.byteLength);
        k.packB(pb, I, 1, I, J, ppanels);
        f32().fill(NaN, pgot / 4, pgot / 4 + M * J);
        k.gemmPackedABColumns(M, J, I, pap, ppanels, pcols, n, pgot, J, ps);
        const onPanels = f32().slice(pgot / 4, pgot / 4 + M * J);
        for (let i = 0; i < M * J; i++) assert.ok(Object.is(onPanels[i], want[i]), `${M}x${J}x${I} ${kind} packed [${i}]: ${onPanels[i]}`);
        // compactPackedA gives packA of the kept columns
        const kept = new Float32Array(M * n);
        for (let r = 0; r < M; r++) cols.forEach((c, j) => (kept[r * n + j] = A[r * I + c]));
        f32().set(kept, pa / 4);
        const pref = ppanels + k.packedBytes(I, J) + 64;
        k.packA(pa, Math.max(n, 1), 1, M, n, pref);
        const bytes = k.packedABytes(M, n) / 4;
        assert.ok(
          Object.is(0, 0) &&
            f32()
              .slice(pap / 4, pap / 4 + bytes)
              .every((v, i) => Object.is(v, f32()[pref / 4 + i])),
          "compacted panels",
        );
      }
    }
  });
}

test.run();
