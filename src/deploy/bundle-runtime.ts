// The runtime of the one-file edge bundle: the exporter inlines this file's
// JavaScript (transpiled at build time) after the constants below. It loads the
// forward-only kernel module, copies the weights blob into its memory and runs
// the model's plan. Must import nothing at run time (type imports only) and use
// only what Node, Deno, Bun and browsers all have (atob, WebAssembly, TextDecoder).

import type { BlobTensor, BlobWeight, BundleHeader, BundleStep } from "./format.js";

/** Written by the exporter: the forward-only kernel module (base64), the header and the weights blob (base64). */
declare const ENGINE_WASM: string;
declare const HEADER: BundleHeader;
declare const WEIGHTS: string;

const FORMAT = "scrramble-bundle/1";
/** The kernel ABI the runtime speaks (twin: ABI_VERSION in assembly/abi.ts and src/wasm/abi.ts). */
const ABI = 10;
const CHUNK = 64;
const PAGE = 65536;

interface Forward {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmNT(
    M: number,
    J: number,
    I: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    y: number,
    ldy: number,
    acc: number,
    s: number,
  ): void;
  quantizeRowsI16(q: number, ldq: number, scales: number, x: number, ldx: number, M: number, I: number): void;
  gemmNTi8(
    M: number,
    J: number,
    I: number,
    a: number,
    lda: number,
    as: number,
    w: number,
    ldw: number,
    ws: number,
    wo: number,
    y: number,
    ldy: number,
  ): void;
  routeGather(r: number, rs: number, x: number, xs: number, B: number, S: number, DS: number, dp: number, ss: number, co: number): void;
  relu(out: number, x: number, n: number): void;
  qrelu(out: number, x: number, n: number, steps: number, max: number): void;
  addBias(out: number, x: number, bias: number, M: number, J: number): void;
  capsuleLengths(lengths: number, norms: number, y: number, B: number, L: number, D: number): void;
}

/** A weight as the kernels take it: f32 values, or i8 codes with row scales and offsets. */
interface Weight {
  f32: number;
  codes: number;
  scale: number;
  offset: number;
}

/** Scores of a batch: labels [n] and class scores [n, classes]. */
export interface BundlePredictions {
  labels: Int32Array;
  scores: Float32Array;
}

/** The loaded model: predict one image or a batch. */
export interface BundleModel {
  kind: string;
  classes: number;
  inputSize: number;
  input: { height: number; width: number; channels: number };
  weights: string;
  /** What runs it: the kernel build and the thread count (the bundle is single-threaded). */
  engine: { kernels: "simd128"; threads: 1; wasmBytes: number };
  predict(pixels: Uint8Array | Float32Array, geometry?: { height: number; width: number }): { label: number; scores: Float32Array };
  predictBatch(pixels: Uint8Array | Float32Array, n: number, geometry?: { height: number; width: number }): BundlePredictions;
}

function decode64(s: string): Uint8Array<ArrayBuffer> {
  const from = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> }).fromBase64;
  if (from) return from(s);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const align = (n: number) => (n + 15) & ~15;

/**
 * Load the bundled model (compiles the kernels; call once).
 * @example
 * import { load } from "./model.mjs";
 * const m = await load();
 * const { label, scores } = m.predict(digit28x28); // Uint8Array (0..255) or Float32Array (0..1)
 */
export async function load(): Promise<BundleModel> {
  const h = HEADER;
  if (h.format !== FORMAT) throw new Error(`bundle: header format ${h.format}, this runtime reads ${FORMAT}`);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { instance } = (await WebAssembly.instantiate(decode64(ENGINE_WASM), {
    env: {
      memory,
      abort(_m: number, _f: number, line: number, col: number) {
        throw new Error(`bundle: kernel abort at ${line}:${col}`);
      },
    },
  })) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
  const k = instance.exports as unknown as Forward;
  const abi = (instance.exports.ABI_VERSION as WebAssembly.Global).value;
  if (abi !== ABI) throw new Error(`bundle: kernel ABI ${abi}, runtime ${ABI}`);
  // Memory: [static data | blob | decoded weights | workspace].
  let top = align(k.heapBase() + 16);
  const need = (bytes: number) => {
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  };
  const blob = decode64(WEIGHTS);
  if (blob.length !== h.blobBytes) throw new Error(`bundle: weights are ${blob.length} bytes, header says ${h.blobBytes}`);
  const base = top;
  need(base + blob.length);
  new Uint8Array(memory.buffer, base, blob.length).set(blob);
  top = align(base + blob.length);
  const at = (t: BlobTensor | null) => (t ? base + t.offset : 0);
  const weight = (w: BlobWeight, rows: number, cols: number): Weight => {
    if (w.format === "f32") return { f32: at(w.values), codes: 0, scale: 0, offset: 0 };
    if (w.format === "i8") return { f32: 0, codes: at(w.codes), scale: at(w.scale), offset: at(w.offset) };
    // Level codes: decode once to f32 (w = offset[r] + table[r / rowsPerTable][code]).
    const ptr = top;
    top = align(top + rows * cols * 4);
    need(top);
    const codes = new Uint8Array(memory.buffer, at(w.codes), rows * cols);
    const table = new Float32Array(memory.buffer, at(w.table), w.table.length);
    const offset = new Float32Array(memory.buffer, at(w.offset), rows);
    const out = new Float32Array(memory.buffer, ptr, rows * cols);
    for (let r = 0; r < rows; r++) {
      const t = Math.floor(r / w.rowsPerTable) * w.levels;
      for (let c = 0; c < cols; c++) out[r * cols + c] = offset[r] + table[t + codes[r * cols + c]];
    }
    return { f32: ptr, codes: 0, scale: 0, offset: 0 };
  };
  const steps = h.steps.map((s) => ({
    s,
    w: s.op === "cores" ? weight(s.weight, s.cores * s.size, s.size) : s.op === "dense" ? weight(s.weight, s.outputs, s.inputs) : null,
  }));
  const widths = widthsOf(h.steps, h.inputSize);
  const wide = Math.max(h.inputSize, ...widths);
  const maxInner = Math.max(h.inputSize, ...h.steps.map((s) => (s.op === "cores" ? s.size : s.op === "dense" ? s.inputs : 0)));
  // Workspace for CHUNK samples: two activation buffers, i16 codes, row scales, scratch, norms.
  const bufA = top,
    bufB = align(bufA + CHUNK * wide * 4),
    codes = align(bufB + CHUNK * wide * 4),
    scales = align(codes + CHUNK * wide * 2),
    scratch = align(scales + CHUNK * 4),
    norms = align(scratch + (maxInner * 8 + 32) * 4);
  need(align(norms + CHUNK * h.classes * 4));

  const run = (x: Float32Array, B: number, out: Float32Array, o: number) => {
    new Float32Array(memory.buffer, bufA, B * h.inputSize).set(x);
    let cur = bufA,
      other = bufB,
      width = h.inputSize;
    const swap = (w: number) => {
      [cur, other] = [other, cur];
      width = w;
    };
    for (const { s, w } of steps) {
      if (s.op === "route") {
        const N = (width / s.srcCores) | 0;
        const S = N / s.slotsPerCore;
        k.routeGather(other, s.dstCores * N, cur, width, B, S, s.dstCores * s.slotsPerCore, at(s.dstPtr), at(s.srcSlot), at(s.coef));
        swap(s.dstCores * N);
      } else if (s.op === "cores") {
        const N = s.size;
        if (w!.codes) k.quantizeRowsI16(codes, width, scales, cur, width, B, width);
        for (let c = 0; c < s.cores; c++) {
          const y = other + c * N * 4;
          if (w!.codes) {
            const wo = w!.offset ? w!.offset + c * N * 4 : 0;
            k.gemmNTi8(B, N, N, codes + c * N * 2, width, scales, w!.codes + c * N * N, N, w!.scale + c * N * 4, wo, y, width);
          } else k.gemmNT(B, N, N, cur + c * N * 4, width, w!.f32 + c * N * N * 4, N, y, width, 0, scratch);
        }
        swap(width);
      } else if (s.op === "dense") {
        if (w!.codes) {
          k.quantizeRowsI16(codes, s.inputs, scales, cur, s.inputs, B, s.inputs);
          k.gemmNTi8(B, s.outputs, s.inputs, codes, s.inputs, scales, w!.codes, s.inputs, w!.scale, w!.offset, other, s.outputs);
        } else k.gemmNT(B, s.outputs, s.inputs, cur, s.inputs, w!.f32, s.inputs, other, s.outputs, 0, scratch);
        if (s.bias) k.addBias(other, other, at(s.bias), B, s.outputs);
        swap(s.outputs);
      } else if (s.op === "relu") k.relu(cur, cur, B * width);
      else if (s.op === "qrelu") k.qrelu(cur, cur, B * width, 2 ** s.bits - 1, s.max);
      else if (s.op === "capsules") {
        k.capsuleLengths(other, norms, cur, B, s.classes, width / s.classes);
        swap(s.classes);
      } else if (s.op === "groupMean") {
        const v = new Float32Array(memory.buffer, cur, B * width);
        const y = new Float32Array(memory.buffer, other, B * s.classes);
        for (let b = 0; b < B; b++)
          for (let c = 0; c < s.classes; c++) {
            let sum = 0;
            for (let j = 0; j < s.groupSize; j++) sum += v[b * width + c * s.groupSize + j];
            y[b * s.classes + c] = sum / s.groupSize;
          }
        swap(s.classes);
      }
    }
    out.set(new Float32Array(memory.buffer, cur, B * h.classes), o);
  };

  const predictBatch = (pixels: Uint8Array | Float32Array, n: number, geometry?: { height: number; width: number }) => {
    const x = inputs(h, pixels, n, geometry);
    const scores = new Float32Array(n * h.classes);
    for (let i = 0; i < n; i += CHUNK) {
      const B = Math.min(CHUNK, n - i);
      run(x.subarray(i * h.inputSize, (i + B) * h.inputSize), B, scores, i * h.classes);
    }
    const labels = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      let best = 0;
      for (let c = 1; c < h.classes; c++) if (scores[b * h.classes + c] > scores[b * h.classes + best]) best = c;
      labels[b] = best;
    }
    return { labels, scores };
  };
  return {
    kind: h.kind,
    classes: h.classes,
    inputSize: h.inputSize,
    input: { ...h.input },
    weights: h.weights,
    engine: { kernels: "simd128", threads: 1, wasmBytes: Math.floor((ENGINE_WASM.length * 3) / 4) },
    predictBatch,
    predict(pixels, geometry) {
      const r = predictBatch(pixels, 1, geometry);
      return { label: r.labels[0], scores: r.scores };
    },
  };
}

/** Output width of every step (the runtime sizes its buffers with the widest). */
function widthsOf(steps: BundleStep[], inputSize: number): number[] {
  let w = inputSize;
  return steps.map((s) => {
    if (s.op === "route") w = (w / s.srcCores) * s.dstCores;
    else if (s.op === "dense") w = s.outputs;
    else if (s.op === "capsules" || s.op === "groupMean") w = s.classes;
    return w;
  });
}

/** Model inputs [n, inputSize] from n images: bytes / 255, other sizes resized (nearest) to the model's image. */
function inputs(h: BundleHeader, pixels: Uint8Array | Float32Array, n: number, g?: { height: number; width: number }): Float32Array {
  const side = `${h.input.height} x ${h.input.width}`;
  const want = `a Uint8Array (0..255) or a Float32Array (0..1) of ${side} values or a square image such as 28 x 28`;
  if (!(pixels instanceof Uint8Array || pixels instanceof Float32Array)) {
    const got = pixels === null || pixels === undefined ? String(pixels) : ((pixels as object).constructor?.name ?? typeof pixels);
    throw new TypeError(`predict: pixels must be ${want}, got ${got}`);
  }
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`predict: image count must be a positive integer, got ${n}`);
  const per = pixels.length / n;
  const C = h.input.channels;
  if (!Number.isInteger(per)) throw new RangeError(`predict: ${pixels.length} values do not split into ${n} images`);
  let H = g?.height ?? Math.round(Math.sqrt(per / C)),
    W = g?.width ?? H;
  if (per === h.inputSize && !g) [H, W] = [h.input.height, h.input.width];
  if (H * W * C !== per || H < 1)
    throw new RangeError(
      `predict: ${per} values per image${g ? ` do not make ${g.height} x ${g.width}` : " is not a square image"}; give ${want}`,
    );
  const scale = pixels instanceof Uint8Array ? 1 / 255 : 1;
  if (pixels instanceof Float32Array) {
    for (let i = 0; i < pixels.length; i++)
      if (!Number.isFinite(pixels[i])) throw new RangeError(`predict: pixel ${i} is ${pixels[i]}; values must be finite`);
  }
  const oh = h.input.height,
    ow = h.input.width;
  const out = new Float32Array(n * h.inputSize);
  for (let i = 0; i < n; i++) {
    const src = i * per,
      dst = i * h.inputSize;
    for (let y = 0; y < oh; y++) {
      const sy = Math.floor(((y + 0.5) * H) / oh);
      for (let x = 0; x < ow; x++) {
        const sx = Math.floor(((x + 0.5) * W) / ow);
        for (let c = 0; c < C; c++) out[dst + (y * ow + x) * C + c] = pixels[src + (sy * W + sx) * C + c] * scale;
      }
    }
  }
  return out;
}

export default load;
