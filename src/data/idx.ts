// IDX file parsing (the MNIST / Fashion-MNIST / EMNIST container), optional gzip
// decompression with the web-standard DecompressionStream, and conversion of an
// images + labels pair into a Dataset. Takes bytes, returns data: must not read
// files or import node:* (runs unchanged in Node, Deno, Bun and browsers).
// Every error message starts with the offending file's name.

import type { Dataset } from "./dataset.js";
import { concatBytes } from "../bytes.js";

/** IDX data type codes (third magic byte); only UBYTE is supported. */
export const IDX_DTYPE = {
  UBYTE: 0x08,
  SBYTE: 0x09,
  SHORT: 0x0b,
  INT: 0x0c,
  FLOAT: 0x0d,
  DOUBLE: 0x0e,
} as const;

const DTYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** A parsed IDX file: dimension sizes and the raw unsigned bytes (a view of the input). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const hex = (b: number): string => "0x" + b.toString(16).padStart(2, "0");

/**
 * Parse an unsigned-byte IDX file (magic 0x00 0x00 0x08 ndims, big-endian u32
 * dims, then product(dims) bytes). Rejects bad magic, other dtypes, ndims outside
 * 1..4, and files shorter or longer than the header says.
 * @example
 * const { dims, data } = parseIdx(bytes, "train-labels-idx1-ubyte"); // dims = [60000]
 */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`${name}: not an IDX file: ${bytes.length} bytes, too short for the 4-byte magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${name}: not an IDX file: magic number starts with ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? " (the file is gzip-compressed; decompress it first)" : ""),
    );
  }
  const dtype = bytes[2];
  if (dtype !== IDX_DTYPE.UBYTE) {
    const what = DTYPE_NAMES[dtype] ?? "unknown";
    throw new Error(`${name}: unsupported IDX data type ${hex(dtype)} (${what}); only 0x08 (unsigned byte) is supported`);
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) throw new Error(`${name}: IDX header has ${ndims} dimensions; expected 1 to 4`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new Error(`${name}: truncated: header needs ${header} bytes for ${ndims} dimensions but the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  const present = bytes.length - header;
  const shape = `${dims.join(" x ")} = ${size} bytes of data`;
  if (size > MAX_DATA_FILE_BYTES)
    throw new Error(`${name}: header says ${shape}, more than the ${MAX_DATA_FILE_BYTES} this reader accepts`);
  if (present < size) throw new Error(`${name}: truncated: header says ${shape} but only ${present} present`);
  if (present > size) throw new Error(`${name}: too long: header says ${shape} but ${present} present (${present - size} extra)`);
  return { dims, data: bytes.subarray(header) };
}

/** Largest decompressed file accepted (and largest IDX data size a header may declare). */
export const MAX_DATA_FILE_BYTES = 2 ** 31;

/** Input fed to the decompressor per write: bounds the output of one write (deflate expands at most ~1032x). */
const GZIP_FEED_BYTES = 16384;

/**
 * A limit on the decompressed size: a number of bytes, or a function of the
 * first decompressed bytes that returns the limit once it can tell (null: not
 * yet, call again with more bytes), e.g. the size an IDX header declares.
 */
export type GunzipLimit = number | ((head: Uint8Array) => number | null);

/**
 * Return the bytes unchanged, or gunzipped when they start with the gzip magic 0x1f 0x8b.
 * Decompression stops as soon as the output passes `limit` (a gzip bomb costs
 * no more than the limit); a corrupt or truncated stream, or one that expands
 * beyond the limit, becomes an Error naming the file.
 * @example const raw = await maybeGunzip(fileBytes, "t10k-images-idx3-ubyte.gz", idxSizeLimit);
 */
export async function maybeGunzip(bytes: Uint8Array, name: string, limit: GunzipLimit = MAX_DATA_FILE_BYTES): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stop = false;
  // Feed the input in pieces, each waiting for the reader (backpressure), so
  // that stopping the reader stops the decompression too.
  const written = (async () => {
    for (let at = 0; at < bytes.length && !stop; at += GZIP_FEED_BYTES) {
      // A copy into a plain ArrayBuffer-backed array (the stream rejects shared buffers).
      await writer.write(bytes.slice(at, at + GZIP_FEED_BYTES));
    }
    if (!stop) await writer.close();
  })();
  written.catch(() => {}); // the same failure surfaces on the read side
  let chunks: Uint8Array[] = [];
  let total = 0;
  let cap = typeof limit === "number" ? limit : null;
  // Once a declared size is known, the output goes straight into one buffer of
  // that size (no chunk list beside it, no final concatenation).
  let out: Uint8Array | null = null;
  let tooLong: string | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out && total + value.length <= out.length) out.set(value, total);
      else if (!out) chunks.push(value);
      total += value.length;
      if (cap === null && typeof limit === "function") {
        cap = limit(concat(chunks, total));
        if (cap !== null && total <= cap) {
          out = new Uint8Array(cap);
          out.set(concat(chunks, total));
          chunks = [];
        }
      }
      if (cap !== null && total > cap) {
        tooLong =
          `${name}: gzip data expands beyond ${cap} bytes` +
          `${typeof limit === "function" ? " (the size its IDX header declares)" : ""}; stopped after ${total} bytes`;
        stop = true;
        await reader.cancel().catch(() => {});
        break;
      }
    }
    if (!tooLong) await written;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${name}: corrupt gzip data (${why})`);
  }
  if (tooLong) throw new Error(tooLong);
  return out ? out.subarray(0, total) : concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks, total);
}

/**
 * The total size (header + data) an IDX header declares, from a file's first
 * bytes: null while fewer than the header's bytes are given; for a header that
 * is not IDX, the bytes given (so decompression stops there and parseIdx says why).
 * @example await maybeGunzip(bytes, "train-images-idx3-ubyte.gz", idxDeclaredBytes);
 */
export function idxDeclaredBytes(head: Uint8Array): number | null {
  if (head.length < 4) return null;
  const ndims = head[3];
  if (head[0] !== 0 || head[1] !== 0 || head[2] !== IDX_DTYPE.UBYTE || ndims < 1 || ndims > 4) return head.length;
  const header = 4 + 4 * ndims;
  if (head.length < header) return null;
  const view = new DataView(head.buffer, head.byteOffset, header);
  let size = 1;
  for (let d = 0; d < ndims; d++) size *= view.getUint32(4 + 4 * d, false);
  return header + Math.min(size, MAX_DATA_FILE_BYTES);
}

/** Options for idxToDataset: dataset name, class count (default 10) and the two file names for errors. */
export interface IdxToDatasetOptions {
  name: string;
  classes?: number;
  imagesName: string;
  labelsName: string;
}

/**
 * Combine a 3-D images IDX [n, h, w] and a 1-D labels IDX [n] into a 1-channel
 * Dataset of pixel bytes (a model sees byte / 255). Checks shapes, counts and
 * label range. No copy of the pixels: `images` is a plain Uint8Array view of
 * `images.data` (so of the file bytes parseIdx was given), which keeps peak memory
 * at one copy; do not modify those bytes afterwards. The labels are copied.
 * @example
 * const ds = idxToDataset(parseIdx(img, "a"), parseIdx(lab, "b"), { name: "mnist:test", imagesName: "a", labelsName: "b" });
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, opts: IdxToDatasetOptions): Dataset {
  const classes = opts.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new Error(`${opts.name}: classes must be an integer in [1, 256], got ${classes}`);
  }
  if (images.dims.length !== 3) {
    throw new Error(`${opts.imagesName}: images must be 3-D [n, height, width], got ${images.dims.length}-D [${images.dims.join(", ")}]`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${opts.labelsName}: labels must be 1-D [n], got ${labels.dims.length}-D [${labels.dims.join(", ")}]`);
  }
  const [n, height, width] = images.dims;
  if (height < 1 || width < 1) throw new Error(`${opts.imagesName}: images are ${height} x ${width} pixels; each needs at least 1 x 1`);
  if (labels.dims[0] !== n) {
    throw new Error(
      `${opts.imagesName} / ${opts.labelsName}: count mismatch: ${opts.imagesName} has ${n} images ` +
        `but ${opts.labelsName} has ${labels.dims[0]} labels`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= classes) {
      throw new Error(`${opts.labelsName}: label ${labels.data[i]} at index ${i} is out of range (classes = ${classes})`);
    }
  }
  // A plain Uint8Array (not a Node Buffer subclass, whose slice() is a view) over the same memory.
  const pixels = new Uint8Array(images.data.buffer, images.data.byteOffset, images.data.length);
  return { name: opts.name, images: pixels, labels: new Uint8Array(labels.data), n, height, width, channels: 1, classes };
}
