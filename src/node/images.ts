// Image files for `scrramble predict`: 8-bit greyscale and RGB PNG (inflated
// with node:zlib), binary and ASCII PGM, raw 28 x 28 bytes and IDX image files
// (optionally gzipped), each turned into greyscale byte images. Anything else
// is refused with a message naming the file and what it is.

import { gunzipSync, inflateSync } from "node:zlib";
import { parseIdx } from "../data/idx.js";
import { readFileChecked } from "./atomic.js";

/** One greyscale image (bytes 0..255, row-major) and where it came from. */
export interface GreyImage {
  name: string;
  width: number;
  height: number;
  pixels: Uint8Array;
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const PNG_COLOURS: Record<number, string> = { 0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale + alpha", 6: "RGBA" };

/**
 * Decode an 8-bit greyscale or RGB PNG (not interlaced) to greyscale bytes; RGB by luma (0.299 R + 0.587 G + 0.114 B).
 * @example const { width, height, pixels } = decodePng(readFileSync("digit.png"), "digit.png");
 */
export function decodePng(bytes: Uint8Array, name: string): GreyImage {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error(`${name}: not a PNG file (bad signature)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let ihdr: DataView | null = null;
  const idat: Uint8Array[] = [];
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) throw new Error(`${name}: truncated PNG (chunk ${type} runs past the end of the file)`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") ihdr = new DataView(data.buffer, data.byteOffset, data.byteLength);
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  if (!ihdr || ihdr.byteLength < 13) throw new Error(`${name}: PNG without an IHDR header`);
  const width = ihdr.getUint32(0),
    height = ihdr.getUint32(4);
  const depth = ihdr.getUint8(8),
    colour = ihdr.getUint8(9),
    interlace = ihdr.getUint8(12);
  if ((colour !== 0 && colour !== 2) || depth !== 8 || interlace !== 0) {
    const what = `${depth}-bit ${PNG_COLOURS[colour] ?? `colour type ${colour}`}${interlace ? ", interlaced" : ""}`;
    throw new Error(`${name}: ${what} PNG is not supported; predict reads 8-bit greyscale or RGB PNGs (no alpha, not interlaced)`);
  }
  if (width < 1 || height < 1 || width * height > 1 << 26) throw new Error(`${name}: PNG of ${width} x ${height} pixels is out of range`);
  const channels = colour === 2 ? 3 : 1;
  const stride = width * channels;
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    throw new Error(`${name}: corrupt PNG image data (${(e as Error).message})`);
  }
  if (raw.length < height * (stride + 1))
    throw new Error(`${name}: PNG image data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const img = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = img.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? img.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0,
        b = prev[i],
        c = i >= channels ? prev[i - channels] : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c),
          pb = Math.abs(a - c),
          pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`${name}: corrupt PNG (row ${y} has filter type ${filter})`);
      out[i] = (line[i] + p) & 255;
    }
  }
  if (channels === 1) return { name, width, height, pixels: img };
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(0.299 * img[3 * i] + 0.587 * img[3 * i + 1] + 0.114 * img[3 * i + 2]);
  return { name, width, height, pixels: grey };
}

/** Decode a binary (P5) or ASCII (P2) PGM with maxval <= 255 (rescaled to 0..255). */
export function decodePgm(bytes: Uint8Array, name: string): GreyImage {
  const magic = String.fromCharCode(bytes[0], bytes[1]);
  if (magic !== "P5" && magic !== "P2") throw new Error(`${name}: not a PGM file (magic ${JSON.stringify(magic)}, expected P5 or P2)`);
  let at = 2;
  const token = (): number => {
    for (;;) {
      while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]))) at++;
      if (bytes[at] === 35) while (at < bytes.length && bytes[at] !== 10) at++;
      else break;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]))) at++;
    const v = Number(String.fromCharCode(...bytes.subarray(start, at)));
    if (!Number.isInteger(v) || start === at) throw new Error(`${name}: bad PGM header`);
    return v;
  };
  const width = token(),
    height = token(),
    maxval = token();
  if (maxval < 1 || maxval > 255)
    throw new Error(`${name}: PGM maxval ${maxval} is not supported; predict reads 8-bit PGMs (maxval <= 255)`);
  const n = width * height;
  const pixels = new Uint8Array(n);
  if (magic === "P5") {
    at++; // the single whitespace after maxval
    if (bytes.length - at < n) throw new Error(`${name}: truncated PGM: ${bytes.length - at} pixel bytes, expected ${n}`);
    pixels.set(bytes.subarray(at, at + n));
  } else for (let i = 0; i < n; i++) pixels[i] = token();
  if (maxval !== 255) for (let i = 0; i < n; i++) pixels[i] = Math.round((Math.min(pixels[i], maxval) * 255) / maxval);
  return { name, width, height, pixels };
}

/**
 * The images in one file: PNG, PGM, an IDX image file (3 dimensions, optionally .gz),
 * or raw bytes of whole 28 x 28 (or `side` x `side`) images.
 * @example readImages("digits.idx3-ubyte", 32); // one GreyImage per sample
 */
export function readImages(path: string, side = 28): GreyImage[] {
  let bytes: Uint8Array = readFileChecked(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return [decodePng(bytes, path)];
  if (bytes[0] === 80 && (bytes[1] === 53 || bytes[1] === 50)) return [decodePgm(bytes, path)];
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 8 && bytes[3] === 3) {
    const idx = parseIdx(bytes, path);
    const [n, h, w] = idx.dims;
    return Array.from({ length: n }, (_, i) => ({
      name: `${path}[${i}]`,
      width: w,
      height: h,
      pixels: idx.data.subarray(i * h * w, (i + 1) * h * w),
    }));
  }
  for (const s of [28, side]) {
    if (bytes.length > 0 && bytes.length % (s * s) === 0) {
      const n = bytes.length / (s * s);
      return Array.from({ length: n }, (_, i) => ({
        name: n > 1 ? `${path}[${i}]` : path,
        width: s,
        height: s,
        pixels: bytes.subarray(i * s * s, (i + 1) * s * s),
      }));
    }
  }
  throw new Error(`${path}: not a PNG, PGM or IDX image file, and ${bytes.length} bytes are not whole raw 28 x 28 images (784 bytes each)`);
}

/**
 * An image as the model's data looks: light digit on dark ground (inverted when the border
 * is light, or when asked), non-square images padded, other sizes area-averaged to side x side.
 */
export function asDigit(img: GreyImage, invert: "auto" | "yes" | "no", side = 28): Uint8Array {
  const { width: W, height: H } = img;
  let px = img.pixels;
  let border = 0,
    count = 0;
  for (let x = 0; x < W; x++) {
    border += px[x] + px[(H - 1) * W + x];
    count += 2;
  }
  for (let y = 0; y < H; y++) {
    border += px[y * W] + px[y * W + W - 1];
    count += 2;
  }
  const flip = invert === "yes" || (invert === "auto" && border / count > 127);
  if (flip) px = px.map((v) => 255 - v);
  if (W === H && (W === side || W === 28)) return px;
  const S = Math.max(W, H);
  const square = new Uint8Array(S * S); // padded with the background (0 after inversion)
  const ox = (S - W) >> 1,
    oy = (S - H) >> 1;
  for (let y = 0; y < H; y++) square.set(px.subarray(y * W, (y + 1) * W), (y + oy) * S + ox);
  const out = new Uint8Array(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const y0 = Math.floor((y * S) / side),
        y1 = Math.max(y0 + 1, Math.floor(((y + 1) * S) / side));
      const x0 = Math.floor((x * S) / side),
        x1 = Math.max(x0 + 1, Math.floor(((x + 1) * S) / side));
      let sum = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += square[yy * S + xx];
      out[y * side + x] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  return out;
}
