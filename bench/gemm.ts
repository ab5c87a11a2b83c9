// GEMM cases: (64x256).(256x256), (256x256).(256x256), (64x1024).(1024x2048)
// for each SIMD variant, single thread, each checked against a naive float64
// product on sampled entries before it is timed.

import type { Bench } from "tinybench";
import { loadKernels, relaxedSimdSupported, type SimdVariant } from "../src/wasm/load.js";
import { gemmScratchBytes } from "../src/wasm/abi.js";

export const GEMM_SHAPES: [number, number, number][] = [
  [64, 256, 256],
  [256, 256, 256],
  [64, 2048, 1024],
];

export interface GemmCase {
  name: string;
  flops: number;
  variant: SimdVariant;
  M: number;
  N: number;
  K: number;
}

export function addGemmCases(bench: Bench): GemmCase[] {
  const cases: GemmCase[] = [];
  const variants: SimdVariant[] = relaxedSimdSupported() ? ["simd128", "relaxed"] : ["simd128"];
  for (const variant of variants) {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 1024 });
    for (const [M, N, K] of GEMM_SHAPES) {
      const pa = 1 << 16,
        pb = pa + M * K * 4,
        pc = pb + K * N * 4,
        ps = pc + M * N * 4;
      const need = ps + gemmScratchBytes(K);
      if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      const f = new Float32Array(memory.buffer);
      let s = 1;
      const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
      for (let i = 0; i < M * K; i++) f[pa / 4 + i] = rnd();
      for (let i = 0; i < K * N; i++) f[pb / 4 + i] = rnd();
      k.gemmNN(M, N, K, pa, K, pb, N, pc, N, 0, ps);
      for (let t = 0; t < 200; t++) {
        const i = (t * 7919) % M,
          j = (t * 104729) % N;
        let acc = 0;
        for (let q = 0; q < K; q++) acc += f[pa / 4 + i * K + q] * f[pb / 4 + q * N + j];
        if (Math.abs(acc - f[pc / 4 + i * N + j]) > 1e-4 * K)
          throw new Error(`gemm ${variant} ${M}x${K}.${K}x${N}: wrong result at (${i}, ${j})`);
      }
      const name = `gemm ${variant} (${M}x${K}).(${K}x${N})`;
      bench.add(name, () => k.gemmNN(M, N, K, pa, K, pb, N, pc, N, 0, ps));
      cases.push({ name, flops: 2 * M * N * K, variant, M, N, K });
    }
  }
  return cases;
}
