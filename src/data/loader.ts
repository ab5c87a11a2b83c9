// Mini-batch iteration over a Dataset: seeded per-epoch shuffling, optional
// on-the-fly random circular shift, 8-bit quantisation and nearest resize, written
// into preallocated batch buffers (no allocation per batch).
// Runtime-neutral (no node:*); every random choice comes from src/rng.ts, derived
// from (seed, epoch) only, so an epoch's batches never depend on earlier calls.

import type { Dataset } from "./dataset.js";
import { featureSize } from "./dataset.js";
import { Rng } from "../rng.js";
import { quantiseArray8bit, resizeNearest, shiftCircular } from "./transforms.js";

/** DataLoader settings. */
export interface DataLoaderOptions {
  batchSize: number;
  /** Shuffle sample order each epoch (seeded by seed + epoch). */
  shuffle: boolean;
  seed: number;
  /** Skip the last partial batch (default false). */
  dropLast?: boolean;
  /** Random circular shift of up to this many pixels in x and y per sample and epoch; 0 = off. */
  shift?: number;
  /** Snap inputs to the k/255 grid (clamped to [0, 1]). */
  quantise8?: boolean;
  /** Nearest-neighbour resize of every image (applied after the shift). */
  resize?: { height: number; width: number };
}

/**
 * One mini-batch. x is size x featureSize (HWC after resize), y the labels.
 * Both are views of the loader's reusable buffers: valid only until the next
 * batch is produced (by any iterator of the same loader). Copy to keep.
 */
export interface Batch {
  x: Float32Array;
  y: Uint8Array;
  size: number;
}

/**
 * Iterates a dataset in mini-batches.
 * @example
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, resize: { height: 32, width: 32 } });
 * for (const { x, y, size } of loader.batches(epoch)) step(x, y, size); // x is reused: copy before keeping
 */
export class DataLoader {
  readonly dataset: Dataset;
  readonly batchSize: number;
  /** Floats per sample in a batch (output height * width * channels). */
  readonly featureSize: number;
  /** Batches per epoch (floor with dropLast, ceil otherwise). */
  readonly numBatches: number;
  /** Output geometry (after resize). */
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly shift: number;
  private readonly dropLast: boolean;
  /** Per-sample source images: quantised if asked, already resized when `preResized`. */
  private readonly source: Float32Array;
  private readonly sourceSize: number;
  private readonly preResized: boolean;
  private readonly xBuf: Float32Array;
  private readonly yBuf: Uint8Array;
  private readonly scratch: Float32Array;

  constructor(ds: Dataset, opts: DataLoaderOptions) {
    const { batchSize, seed } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataLoader(${ds.name}): batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(seed)) throw new Error(`DataLoader(${ds.name}): seed must be an integer, got ${seed}`);
    const shift = opts.shift ?? 0;
    if (!Number.isInteger(shift) || shift < 0) throw new Error(`DataLoader(${ds.name}): shift must be a non-negative integer, got ${shift}`);
    const outH = opts.resize?.height ?? ds.height;
    const outW = opts.resize?.width ?? ds.width;
    if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
      throw new Error(`DataLoader(${ds.name}): resize must be positive integers, got ${outH} x ${outW}`);
    }
    this.dataset = ds;
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle;
    this.seed = seed;
    this.shift = shift;
    this.dropLast = opts.dropLast ?? false;
    this.height = outH;
    this.width = outW;
    this.channels = ds.channels;
    this.featureSize = outH * outW * ds.channels;
    this.numBatches = this.dropLast ? Math.floor(ds.n / batchSize) : Math.ceil(ds.n / batchSize);

    const inSize = featureSize(ds);
    const resizing = outH !== ds.height || outW !== ds.width;
    // Quantisation commutes with shifting and nearest resize (both only move pixels): do it once.
    let source = opts.quantise8 ? quantiseArray8bit(ds.images.slice()) : ds.images;
    this.preResized = resizing && shift === 0;
    if (this.preResized) {
      const resized = new Float32Array(ds.n * this.featureSize);
      for (let i = 0; i < ds.n; i++) {
        const img = source.subarray(i * inSize, (i + 1) * inSize);
        resizeNearest(img, ds.height, ds.width, ds.channels, outH, outW, resized.subarray(i * this.featureSize, (i + 1) * this.featureSize));
      }
      source = resized;
    }
    this.source = source;
    this.sourceSize = this.preResized ? this.featureSize : inSize;
    this.xBuf = new Float32Array(batchSize * this.featureSize);
    this.yBuf = new Uint8Array(batchSize);
    this.scratch = new Float32Array(shift > 0 && resizing ? inSize : 0);
  }

  /**
   * Sample order for an epoch: a seeded permutation (shuffle) or 0..n-1.
   * @example loader.order(3); // same result every call
   */
  order(epoch: number): Uint32Array {
    const n = this.dataset.n;
    if (this.shuffle) return new Rng(this.seed).fork(`shuffle:${epoch}`).permutation(n);
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return p;
  }

  /**
   * The batches of one epoch. Same seed + epoch gives the same batches. Each
   * yielded batch reuses the loader's buffers: it is only valid until the next one.
   * @example for (const b of loader.batches(0)) model.step(b.x, b.y, b.size);
   */
  batches(epoch: number): Iterable<Batch> {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`DataLoader(${this.dataset.name}): epoch must be a non-negative integer, got ${epoch}`);
    return this.generate(epoch);
  }

  private *generate(epoch: number): Generator<Batch> {
    const order = this.order(epoch);
    const shiftRng = this.shift > 0 ? new Rng(this.seed).fork(`shift:${epoch}`) : null;
    const n = this.dataset.n;
    const B = this.batchSize;
    const F = this.featureSize;
    const full: Batch = { x: this.xBuf, y: this.yBuf, size: B };
    for (let b = 0; b < this.numBatches; b++) {
      const start = b * B;
      const size = Math.min(B, n - start);
      for (let k = 0; k < size; k++) {
        const i = order[start + k];
        this.yBuf[k] = this.dataset.labels[i];
        this.writeSample(i, this.xBuf.subarray(k * F, (k + 1) * F), shiftRng);
      }
      yield size === B ? full : { x: this.xBuf.subarray(0, size * F), y: this.yBuf.subarray(0, size), size };
    }
  }

  /** Copy sample i into dst, shifting (on the original grid) then resizing as configured. */
  private writeSample(i: number, dst: Float32Array, shiftRng: Rng | null): void {
    const ds = this.dataset;
    const S = this.sourceSize;
    const img = this.source.subarray(i * S, (i + 1) * S);
    if (shiftRng === null) {
      dst.set(img); // already resized in the constructor when resizing without shift
      return;
    }
    const span = 2 * this.shift + 1;
    const dx = shiftRng.int(span) - this.shift;
    const dy = shiftRng.int(span) - this.shift;
    if (this.scratch.length === 0) {
      shiftCircular(img, ds.height, ds.width, ds.channels, dx, dy, dst);
    } else {
      shiftCircular(img, ds.height, ds.width, ds.channels, dx, dy, this.scratch);
      resizeNearest(this.scratch, ds.height, ds.width, ds.channels, this.height, this.width, dst);
    }
  }
}
