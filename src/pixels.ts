// Pure pixel transforms over flat HWC images (dataset bytes or float values):
// nearest-neighbour resize, circular shift and zero-fill translation. They only move values, so they
// work on either kind and write the kind they are given. Forward-only code
// (inference, the edge bundle) uses them, so this file imports nothing.
// Functions with an `out` write into it and must not allocate per call.

/** A flat HWC image: dataset bytes (0..255) or float values. */
export type Pixels = Uint8Array | Float32Array;

function allocLike(src: Pixels, length: number): Pixels {
  return src instanceof Float32Array ? new Float32Array(length) : new Uint8Array(length);
}

function checkSameKind(fn: string, src: Pixels, out: Pixels): void {
  if (src instanceof Float32Array !== out instanceof Float32Array) {
    throw new Error(`${fn}: src is a ${src.constructor.name} but out is a ${out.constructor.name}; both must be bytes or both floats`);
  }
}

/**
 * Nearest-neighbour resize of one HWC image. Output row i reads input row
 * floor((i + 0.5) * h / outH); columns likewise. Works on bytes or floats; `out`
 * (outH * outW * channels, same kind as `src`) is allocated when omitted.
 * @example const big = resizeNearest(img28, 28, 28, 1, 32, 32); // 1024 values, same type as img28
 */
export function resizeNearest(
  src: Uint8Array,
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
  out?: Uint8Array,
): Uint8Array;
export function resizeNearest(
  src: Float32Array,
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
  out?: Float32Array,
): Float32Array;
export function resizeNearest(src: Pixels, h: number, w: number, channels: number, outH: number, outW: number, out?: Pixels): Pixels;
export function resizeNearest(
  src: Pixels,
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
  out: Pixels = allocLike(src, outH * outW * channels),
): Pixels {
  checkSameKind("resizeNearest", src, out);
  if (src.length < h * w * channels) throw new Error(`resizeNearest: src has ${src.length} values, need ${h * w * channels}`);
  if (out.length < outH * outW * channels) throw new Error(`resizeNearest: out has ${out.length} values, need ${outH * outW * channels}`);
  for (let i = 0; i < outH; i++) {
    const y = Math.min(h - 1, Math.floor(((i + 0.5) * h) / outH));
    for (let j = 0; j < outW; j++) {
      const x = Math.min(w - 1, Math.floor(((j + 0.5) * w) / outW));
      const s = (y * w + x) * channels;
      const d = (i * outW + j) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c];
    }
  }
  return out;
}

function checkImageAt(fn: string, src: Pixels, from: number, n: number): void {
  if (!Number.isInteger(from) || from < 0 || from + n > src.length)
    throw new Error(`${fn}: an image of ${n} values from ${from} does not fit in src (${src.length} values)`);
}

/**
 * Circular shift of one HWC image: out(y, x) = src((y - dy) mod h, (x - dx) mod w).
 * Positive dx moves content right, positive dy moves it down. Works on bytes or
 * floats; `out` must be the same kind as `src` and must not alias it.
 * The image starts at src[from] (default 0: a data set's whole buffer needs no view per image).
 * @example shiftCircular(img, 28, 28, 1, 2, -1, scratch);
 */
export function shiftCircular<P extends Pixels>(
  src: P,
  h: number,
  w: number,
  channels: number,
  dx: number,
  dy: number,
  out: P,
  from = 0,
): P {
  checkSameKind("shiftCircular", src, out);
  checkImageAt("shiftCircular", src, from, h * w * channels);
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new Error(`shiftCircular: dx, dy must be integers, got ${dx}, ${dy}`);
  if (out.length < h * w * channels) throw new Error(`shiftCircular: out has ${out.length} values, need ${h * w * channels}`);
  const my = ((dy % h) + h) % h;
  const mx = ((dx % w) + w) % w;
  for (let y = 0; y < h; y++) {
    let sy = y - my;
    if (sy < 0) sy += h;
    for (let x = 0; x < w; x++) {
      let sx = x - mx;
      if (sx < 0) sx += w;
      const s = from + (sy * w + sx) * channels;
      const d = (y * w + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c];
    }
  }
  return out;
}

/** How a shift treats content that leaves the frame: zero-fill translation or circular wrap. */
export const SHIFT_MODES = ["zero", "circular"] as const;
export type ShiftMode = (typeof SHIFT_MODES)[number];

/**
 * Zero-fill translation of one HWC image: out(y, x) = src(y - dy, x - dx) where
 * that pixel exists, else 0. Content moved out of the frame is lost instead of
 * wrapping to the other side (an object that fills the frame stays whole).
 * Works on bytes or floats; `out` must be the same kind as `src` and must not alias it.
 * The image starts at src[from] (default 0).
 * @example shiftZero(img, 28, 28, 1, 2, -1, scratch);
 */
export function shiftZero<P extends Pixels>(src: P, h: number, w: number, channels: number, dx: number, dy: number, out: P, from = 0): P {
  checkSameKind("shiftZero", src, out);
  checkImageAt("shiftZero", src, from, h * w * channels);
  if (!Number.isInteger(dx) || !Number.isInteger(dy)) throw new Error(`shiftZero: dx, dy must be integers, got ${dx}, ${dy}`);
  if (out.length < h * w * channels) throw new Error(`shiftZero: out has ${out.length} values, need ${h * w * channels}`);
  out.fill(0, 0, h * w * channels);
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    const sy = y - dy;
    for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) {
      const s = from + (sy * w + x - dx) * channels;
      const d = (y * w + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c];
    }
  }
  return out;
}

/**
 * Shift one HWC image by (dx, dy) in the given mode (zero-fill or circular).
 * @example shiftImage("zero", img, 28, 28, 1, 2, -1, scratch);
 */
export function shiftImage(
  mode: ShiftMode,
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  dx: number,
  dy: number,
  out: Uint8Array,
  from = 0,
): Uint8Array {
  return mode === "circular" ? shiftCircular(src, h, w, c, dx, dy, out, from) : shiftZero(src, h, w, c, dx, dy, out, from);
}
