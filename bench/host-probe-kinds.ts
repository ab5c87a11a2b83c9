// The host probes (host-probe.ts): loops that each stress one part of the
// machine, timed in chunks of a few milliseconds, the same on the main thread
// and on a worker. Each probe checks what it computed before it is timed.

import type { KernelExports } from "../src/wasm/kernels.js";
import { gemmScratchBytes } from "../src/wasm/abi.js";
import type { Spread } from "./rounds.js";

/** The probes, in the order they run; each line of the report names one. */
export const PROBES = {
  registers: "FP multiplies in registers (JS, no memory)",
  gemmL2: "GEMM 64 x 256 x 256 on one core's weights (second-level cache)",
  gemmCores: "GEMM 64 x 256 x 256 over 50 cores' weights (13 MB)",
  adamw: "AdamW over the default model's 3.9 M weights (110 MB moved)",
} as const;
export type Probe = keyof typeof PROBES;

export interface HostProbeRow {
  probe: Probe;
  what: string;
  /** 2 x one-thread time over the slower of the two threads' times: median (min-max) of the rounds */
  ratio: Spread;
  /** the same, per round */
  ratios: number[];
  /** median chunk time (ms) on one thread, per round */
  oneThreadMs: number[];
}

const MB = 1 << 20;
const B = 64,
  N = 256;
const CORES = 50;
/** The default ScRRAMBLe model's 50 + 10 cores of 256 x 256 weights. */
const ADAM_VALUES = 60 * N * N;
/** Bytes of linear memory one thread's probes use, from its base address. */
export const PROBE_BYTES = 8 * MB + CORES * N * N * 4 + 4 * ADAM_VALUES * 4;

// 12 independent chains of multiplies: the FP units' throughput, nothing else.
function multiplies(n: number): number {
  let a = 1.0,
    b = 1.1,
    c = 1.2,
    d = 1.3,
    e = 1.4,
    f = 1.5,
    g = 1.6,
    h = 1.7,
    i = 1.8,
    j = 1.9,
    k = 2.0,
    l = 2.1;
  const s = 0.9999999;
  for (let t = 0; t < n; t++) {
    a *= s;
    b *= s;
    c *= s;
    d *= s;
    e *= s;
    f *= s;
    g *= s;
    h *= s;
    i *= s;
    j *= s;
    k *= s;
    l *= s;
  }
  return a + b + c + d + e + f + g + h + i + j + k + l;
}

/** One thread's probe memory at `base`: fills it, returns one chunk of each probe. */
export function probeChunks(ex: KernelExports, memory: WebAssembly.Memory, base: number): Record<Probe, () => void> {
  const x = base,
    y = x + B * N * 4,
    scratch = y + B * N * 4,
    w = base + 8 * MB,
    p = w + CORES * N * N * 4,
    g = p + ADAM_VALUES * 4,
    m = g + ADAM_VALUES * 4,
    v = m + ADAM_VALUES * 4,
    flag = scratch + gemmScratchBytes(N);
  if (p + 4 * ADAM_VALUES * 4 > base + PROBE_BYTES || flag + 4 > w) throw new Error("host probe: layout overflows its memory");
  const f32 = (at: number, n: number) => new Float32Array(memory.buffer, at, n);
  f32(x, B * N).fill(0.5);
  f32(w, CORES * N * N).fill(0.25);
  f32(p, ADAM_VALUES).fill(0.1);
  f32(g, ADAM_VALUES).fill(0.01);
  f32(m, 2 * ADAM_VALUES).fill(0);
  const gemm = (core: number) => ex.gemmNN(B, N, N, x, N, w + core * N * N * 4, N, y, N, 0, scratch);
  const adam = () => ex.adamStep(p, g, m, v, ADAM_VALUES, 1e-3, 0.9, 0.999, 1e-8, 1e-4, 1, 0.1, 0.001, flag);
  const chunks: Record<Probe, () => void> = {
    registers: () => {
      if (!Number.isFinite(multiplies(4e6))) throw new Error("host probe: the multiplies gave a non-finite sum");
    },
    gemmL2: () => {
      for (let r = 0; r < 20; r++) gemm(0);
    },
    gemmCores: () => {
      for (let c = 0; c < CORES; c++) gemm(c);
    },
    adamw: adam,
  };
  // Checked before any timing: each output value of the GEMM is 256 * 0.5 * 0.25; AdamW's update is finite.
  chunks.gemmL2();
  const out = f32(y, B * N);
  if (out.some((o) => o !== 32)) throw new Error("host probe: the GEMM gave a wrong value");
  adam();
  if (new Int32Array(memory.buffer, flag, 1)[0] !== 0 || !(f32(p, 1)[0] < 0.1)) throw new Error("host probe: AdamW's update is wrong");
  return chunks;
}

/** Median time (ms) of the chunks of one probe run back to back for about `ms` milliseconds. */
export function medianChunkMs(chunk: () => void, ms: number): number {
  chunk();
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end || times.length < 3) {
    const t = performance.now();
    chunk();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
