// Encode and decode the safetensors format (u64 LE header length, JSON header,
// contiguous little-endian data buffer). Decoding validates everything and reports
// problems as Errors prefixed with the file name; it must never throw a RangeError
// on bad input, must not keep views into the input bytes, and must not import node:*.
// I64 decodes to BigInt64Array (lossless); F16 decodes to Float32Array (exact).

import { concatBytes } from "../bytes.js";

export const DTYPE_SIZE = { F64: 8, F32: 4, F16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1 } as const;
export type Dtype = keyof typeof DTYPE_SIZE;

/** The typed array each dtype is held in (F16 is widened to Float32Array). */
export interface DtypeData {
  F64: Float64Array;
  F32: Float32Array;
  F16: Float32Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U8: Uint8Array;
}
export type TensorData = DtypeData[Dtype];

export interface Tensor<D extends Dtype = Dtype> {
  dtype: D;
  shape: number[];
  data: DtypeData[D];
}

export interface SafetensorsFile {
  /** the name given to decodeSafetensors (used in error messages) */
  name: string;
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const CTOR = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Float32Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U8: Uint8Array,
} as const;

/** Own-property assignment that is safe for keys like "__proto__". */
function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isDtype(s: unknown): s is Dtype {
  return typeof s === "string" && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits -> number (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** number -> IEEE half bits, round to nearest even, overflow to Infinity. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  let m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  let he = e - 127 + 15;
  if (he >= 31) return sign | 0x7c00;
  if (he <= 0) {
    if (he < -10) return sign;
    m |= 0x800000;
    const shift = 14 - he;
    let hm = m >>> shift;
    const rem = m & ((1 << shift) - 1),
      half = 1 << (shift - 1);
    if (rem > half || (rem === half && hm & 1)) hm++;
    return sign | hm; // a carry into the exponent field is still correct
  }
  let hm = m >>> 13;
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && hm & 1)) {
    hm++;
    if (hm === 0x400) {
      hm = 0;
      he++;
      if (he >= 31) return sign | 0x7c00;
    }
  }
  return sign | (he << 10) | hm;
}

function toBytes(dtype: Dtype, data: TensorData): Uint8Array {
  const n = data.length;
  if (dtype !== "F16" && (LITTLE_ENDIAN || DTYPE_SIZE[dtype] === 1)) {
    return new Uint8Array(data.buffer, data.byteOffset, n * DTYPE_SIZE[dtype]); // a view, no copy
  }
  const out = new Uint8Array(n * DTYPE_SIZE[dtype]);
  if (dtype === "F16") {
    const dv = new DataView(out.buffer);
    for (let i = 0; i < n; i++) dv.setUint16(2 * i, floatToHalf((data as Float32Array)[i]), true);
  } else if (LITTLE_ENDIAN || DTYPE_SIZE[dtype] === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, out.length));
  } else {
    const dv = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (dtype === "F64") dv.setFloat64(8 * i, v as number, true);
      else if (dtype === "F32") dv.setFloat32(4 * i, v as number, true);
      else if (dtype === "I64") dv.setBigInt64(8 * i, v as bigint, true);
      else if (dtype === "I32") dv.setInt32(4 * i, v as number, true);
      else dv.setInt16(2 * i, v as number, true);
    }
  }
  return out;
}

function fromBytes(dtype: Dtype, bytes: Uint8Array, n: number): TensorData {
  if (dtype === "F16") {
    const out = new Float32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
    return out;
  }
  // Own, aligned buffer (not bytes.slice(): a Node Buffer's slice is a view of a shared pool).
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const arr = new CTOR[dtype](copy.buffer, 0, n);
  if (!LITTLE_ENDIAN && DTYPE_SIZE[dtype] > 1) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      if (dtype === "F64") arr[i] = dv.getFloat64(8 * i, true);
      else if (dtype === "F32") arr[i] = dv.getFloat32(4 * i, true);
      else if (dtype === "I64") arr[i] = dv.getBigInt64(8 * i, true);
      else if (dtype === "I32") arr[i] = dv.getInt32(4 * i, true);
      else arr[i] = dv.getInt16(2 * i, true);
    }
  }
  return arr;
}

/**
 * Serialise tensors (in insertion order) and string metadata to safetensors bytes.
 * The header is padded with spaces so the data buffer starts 8-byte aligned.
 * @example
 * const bytes = encodeSafetensors({ w: { dtype: "F32", shape: [2, 2], data: new Float32Array(4) } }, { seed: "1" });
 */
export function encodeSafetensors(
  tensors: Record<string, { dtype: Dtype; shape: readonly number[]; data: TensorData }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const parts = encodeSafetensorsParts(tensors, metadata);
  return concatBytes(parts);
}

/**
 * The same bytes as encodeSafetensors, as consecutive parts (header, then each
 * tensor's data, as views where no conversion is needed): write them in order
 * to avoid one more copy of every tensor.
 */
export function encodeSafetensorsParts(
  tensors: Record<string, { dtype: Dtype; shape: readonly number[]; data: TensorData }>,
  metadata?: Record<string, string>,
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new Error(`encodeSafetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of Object.entries(tensors)) {
    const where = `encodeSafetensors: tensor "${key}"`;
    if (key === "__metadata__") throw new Error(`${where}: reserved name`);
    if (!isDtype(t.dtype)) throw new Error(`${where}: unknown dtype ${String(t.dtype)}`);
    if (!isShape(t.shape)) throw new Error(`${where}: shape must be an array of non-negative integers`);
    if (!(t.data instanceof CTOR[t.dtype])) throw new Error(`${where}: ${t.dtype} data must be a ${CTOR[t.dtype].name}`);
    if (t.data.length !== numel(t.shape)) throw new Error(`${where}: data length ${t.data.length} does not match shape [${t.shape}]`);
    const b = toBytes(t.dtype, t.data);
    setOwn(header, key, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + b.length] });
    chunks.push(b);
    offset += b.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  const head = new Uint8Array(8 + json.length + pad);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, json.length + pad, true);
  dv.setUint32(4, 0, true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length, 8 + json.length + pad);
  return [head, ...chunks];
}

/**
 * Parse and validate safetensors bytes. `name` (e.g. the file path) starts every error message.
 * Tensor data is copied (aligned, independent of `bytes`).
 * @example
 * const file = decodeSafetensors(bytes, "model.safetensors");
 * const w = expectTensor(file, "layer0.W", "F32", [50, 256, 256]);
 */
export function decodeSafetensors(bytes: Uint8Array, name: string): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new Error(`${name}: ${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) fail("expected a Uint8Array");
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true),
    hi = dv.getUint32(4, true);
  const n = hi * 0x100000000 + lo;
  if (hi !== 0 || n > MAX_HEADER_BYTES) fail(`header length ${n} is absurd (limit ${MAX_HEADER_BYTES})`);
  if (n > bytes.length - 8) fail(`header length ${n} is larger than the file (${bytes.length - 8} bytes after the length)`);
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  const h = header as Record<string, unknown>;
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  if ("__metadata__" in h) {
    const m = h.__metadata__;
    if (typeof m !== "object" || m === null || Array.isArray(m)) fail("__metadata__ is not an object");
    for (const [k, v] of Object.entries(m as object)) {
      if (typeof v !== "string") fail(`__metadata__ value "${k}" is not a string`);
      setOwn(metadata, k, v);
    }
  }

  const entries: { key: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, info] of Object.entries(h)) {
    if (key === "__metadata__") continue;
    const where = `tensor "${key}"`;
    if (typeof info !== "object" || info === null || Array.isArray(info)) fail(`${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
    if (!isDtype(dtype)) fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!isShape(shape)) fail(`${where}: shape ${JSON.stringify(shape)} is not an array of non-negative integers`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${where}: data_offsets ${JSON.stringify(offs)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offs as number[];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) fail(`${where}: data_offsets [${begin}, ${end}] out of range (data buffer is ${dataLen} bytes)`);
    const need = numel(shape as number[]) * DTYPE_SIZE[dtype as Dtype];
    if (end - begin !== need) {
      fail(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} [${shape}] needs ${need}`);
    }
    entries.push({ key, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }

  // The format requires the data buffer to be covered exactly: no overlaps, holes or trailing bytes.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] overlap another tensor`);
    if (e.begin > covered) fail(`tensor "${e.key}": data_offsets [${e.begin}, ${e.end}] leave a gap after byte ${covered}`);
    covered = e.end;
  }
  if (covered !== dataLen) fail(`data buffer has ${dataLen - covered} trailing bytes not owned by any tensor`);

  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const data = fromBytes(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end), numel(e.shape));
    setOwn(tensors, e.key, { dtype: e.dtype, shape: e.shape, data });
  }
  return { name, tensors, metadata };
}

/**
 * The data of tensor `key`, checked against the expected dtype and shape.
 * @example
 * const w = expectTensor(file, "layer0.W", "F32", [50, 256, 256]); // Float32Array
 * // throws `model.safetensors: tensor "layer0.W": expected F32 [50,256,256], found F32 [50,256,128]`
 */
export function expectTensor<D extends Dtype>(file: SafetensorsFile, key: string, dtype: D, shape: readonly number[]): DtypeData[D] {
  const want = `${dtype} [${shape.join(",")}]`;
  const t = Object.prototype.hasOwnProperty.call(file.tensors, key) ? file.tensors[key] : undefined;
  if (!t) {
    const have = Object.keys(file.tensors);
    const list = have.length > 12 ? `${have.slice(0, 12).join(", ")}, ...` : have.join(", ");
    throw new Error(`${file.name}: tensor "${key}": expected ${want}, found nothing (tensors: ${list || "none"})`);
  }
  const same = t.dtype === dtype && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!same) throw new Error(`${file.name}: tensor "${key}": expected ${want}, found ${t.dtype} [${t.shape.join(",")}]`);
  return t.data as DtypeData[D];
}
