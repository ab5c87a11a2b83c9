// Mini-batch iteration over a byte Dataset: seeded per-epoch shuffling, optional
// on-the-fly random shift (zero-fill translation or circular, on bytes), then
// nearest resize and the conversion byte / 255 in one gather into a
// preallocated float batch buffer (no allocation per batch, no resized copy of
// the dataset), then the optional float-space augmentation (augment.ts).
// Runtime-neutral (no node:*); every random choice comes from src/rng.ts, derived
// from (seed, epoch) only, so an epoch's batches never depend on earlier calls;
// a position inside an epoch (LoaderPosition) resumes the same batches exactly.

import type { Dataset } from "./dataset.js";
import { featureSize } from "./dataset.js";
import { Rng, type RngState } from "../rng.js";
import { resizeNearest, shiftImage, type ShiftMode } from "../pixels.js";
import { augmentImage, hasFloatTransforms, type AugmentPolicy } from "./augment.js";

/** byte -> float32 input value, byte / 255 (indexed by byte). */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, b) => b / 255);

/** DataLoader settings. */
export interface DataLoaderOptions {
  batchSize: number;
  /** Shuffle sample order each epoch (seeded by seed + epoch). */
  shuffle: boolean;
  seed: number;
  /** Skip the last partial batch (default false). */
  dropLast?: boolean;
  /** Random shift of up to this many pixels in x and y per sample and epoch; 0 = off. */
  shift?: number;
  /** How the shift treats pixels leaving the frame: "zero" fill (default) or "circular" wrap. */
  shiftMode?: ShiftMode;
  /** Nearest-neighbour resize of every image (applied after the shift). */
  resize?: { height: number; width: number };
  /** Float-space augmentation after the resize (flips, rotation, zoom, brightness, contrast, erasing), seeded per epoch. */
  augment?: AugmentPolicy;
}

/**
 * One mini-batch. x is size x featureSize (HWC after resize) float32 values
 * byte / 255 in [0, 1], y the labels.
 * Both are views of the loader's reusable buffers: valid only until the next
 * batch is produced (by any iterator of the same loader). Copy to keep.
 */
export interface Batch {
  x: Float32Array;
  y: Uint8Array;
  size: number;
}

/**
 * Where an epoch's iteration stands: the next batch and the augmentation
 * generators' states (shift: null without shift; augment: null without float transforms). Plain data, for a training state file.
 */
export interface LoaderPosition {
  epoch: number;
  /** Index of the next batch of the epoch. */
  batch: number;
  shift: RngState | null;
  /** The float-space augmentation generator's state (null or absent without one). */
  augment?: RngState | null;
}

/**
 * The batches of one epoch, one at a time, with the position after each.
 * @example const it = loader.epoch(0); let b; while ((b = it.next())) use(b); const at = it.position();
 */
export interface EpochIterator {
  /** The next batch (valid until the next call), or null at the epoch's end. */
  next(): Batch | null;
  /** The position after the batches returned so far. */
  position(): LoaderPosition;
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
  private readonly shiftMode: ShiftMode;
  private readonly dropLast: boolean;
  /**
   * The nearest resize as a gather: output value k of a sample reads input value
   * resizeIndex[k] (null without resize). Resizing on the fly this way keeps no
   * resized copy of the dataset.
   */
  private readonly resizeIndex: Int32Array | null;
  private readonly xBuf: Float32Array;
  private readonly yBuf: Uint8Array;
  /** Shifted sample on the original grid (bytes); empty without shift. */
  private readonly shifted: Uint8Array;
  /** The float-space augmentation (null when none) and its scratch image. */
  private readonly augment: AugmentPolicy | null;
  private readonly augmentScratch: Float32Array;

  constructor(ds: Dataset, opts: DataLoaderOptions) {
    const { batchSize, seed } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`DataLoader(${ds.name}): batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(seed)) throw new Error(`DataLoader(${ds.name}): seed must be an integer, got ${seed}`);
    const shift = opts.shift ?? 0;
    if (!Number.isInteger(shift) || shift < 0)
      throw new Error(`DataLoader(${ds.name}): shift must be a non-negative integer, got ${shift}`);
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
    this.shiftMode = opts.shiftMode ?? "zero";
    if (this.shiftMode !== "zero" && this.shiftMode !== "circular")
      throw new Error(`DataLoader(${ds.name}): shiftMode must be "zero" or "circular", got ${JSON.stringify(opts.shiftMode)}`);
    this.dropLast = opts.dropLast ?? false;
    this.height = outH;
    this.width = outW;
    this.channels = ds.channels;
    this.featureSize = outH * outW * ds.channels;
    this.numBatches = this.dropLast ? Math.floor(ds.n / batchSize) : Math.ceil(ds.n / batchSize);

    const inSize = featureSize(ds);
    const resizing = outH !== ds.height || outW !== ds.width;
    // The index map comes from resizeNearest itself (on an image of indices), so it is the same resize.
    const identity = Float32Array.from({ length: resizing ? inSize : 0 }, (_, k) => k);
    this.resizeIndex = resizing ? Int32Array.from(resizeNearest(identity, ds.height, ds.width, ds.channels, outH, outW)) : null;
    this.xBuf = new Float32Array(batchSize * this.featureSize);
    this.yBuf = new Uint8Array(batchSize);
    this.shifted = new Uint8Array(shift > 0 ? inSize : 0);
    this.augment = opts.augment && hasFloatTransforms(opts.augment) ? { ...opts.augment } : null;
    this.augmentScratch = new Float32Array(this.augment ? this.featureSize : 0);
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
    const it = this.epoch(epoch);
    return {
      *[Symbol.iterator]() {
        for (let b = it.next(); b; b = it.next()) yield b;
      },
    };
  }

  /**
   * An epoch's batches one at a time, from its start or from a position that
   * an iterator of the same loader (same data, seed and settings) reported.
   * @example const it = loader.epoch(3, saved); // continues exactly where `saved` was taken
   */
  epoch(epoch: number, from?: LoaderPosition): EpochIterator {
    const name = this.dataset.name;
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`DataLoader(${name}): epoch must be a non-negative integer, got ${epoch}`);
    const order = this.order(epoch);
    const shiftRng = this.shift > 0 ? new Rng(this.seed).fork(`shift:${epoch}`) : null;
    const augRng = this.augment ? new Rng(this.seed).fork(`augment:${epoch}`) : null;
    let b = 0;
    if (from) {
      if (from.epoch !== epoch) throw new Error(`DataLoader(${name}): position is in epoch ${from.epoch}, not ${epoch}`);
      if (!Number.isInteger(from.batch) || from.batch < 0 || from.batch > this.numBatches)
        throw new Error(`DataLoader(${name}): position batch ${from.batch} outside [0, ${this.numBatches}]`);
      if ((from.shift === null) !== (shiftRng === null))
        throw new Error(
          `DataLoader(${name}): position ${from.shift ? "has" : "lacks"} a shift state, the loader ${shiftRng ? "shifts" : "does not"}`,
        );
      const aug = from.augment ?? null;
      if ((aug === null) !== (augRng === null))
        throw new Error(
          `DataLoader(${name}): position ${aug ? "has" : "lacks"} an augmentation state, the loader ${augRng ? "augments" : "does not"}`,
        );
      if (shiftRng && from.shift) shiftRng.restore(from.shift);
      if (augRng && aug) augRng.restore(aug);
      b = from.batch;
    }
    const n = this.dataset.n;
    const B = this.batchSize;
    const F = this.featureSize;
    const full: Batch = { x: this.xBuf, y: this.yBuf, size: B };
    return {
      next: () => {
        if (b >= this.numBatches) return null;
        const start = b * B;
        const size = Math.min(B, n - start);
        for (let k = 0; k < size; k++) {
          const i = order[start + k];
          this.yBuf[k] = this.dataset.labels[i];
          this.writeSample(i, k * F, shiftRng);
          if (augRng) {
            const dst = this.xBuf.subarray(k * F, (k + 1) * F);
            augmentImage(dst, this.height, this.width, this.channels, this.augment!, augRng, this.augmentScratch);
          }
        }
        b++;
        return size === B ? full : { x: this.xBuf.subarray(0, size * F), y: this.yBuf.subarray(0, size), size };
      },
      position: () => ({ epoch, batch: b, shift: shiftRng ? shiftRng.state() : null, augment: augRng ? augRng.state() : null }),
    };
  }

  /**
   * Write sample i into xBuf from element `at` as byte / 255: shift (on the original grid,
   * bytes), then the resize and the conversion in one gather loop. Without a shift the bytes
   * are read in place (no view per sample).
   */
  private writeSample(i: number, at: number, shiftRng: Rng | null): void {
    const ds = this.dataset;
    const F = featureSize(ds);
    const out = this.xBuf;
    const n = this.featureSize;
    let img = ds.images;
    let from = i * F;
    if (shiftRng !== null) {
      const span = 2 * this.shift + 1;
      const dx = shiftRng.int(span) - this.shift;
      const dy = shiftRng.int(span) - this.shift;
      img = shiftImage(this.shiftMode, ds.images, ds.height, ds.width, ds.channels, dx, dy, this.shifted, from);
      from = 0;
    }
    const index = this.resizeIndex;
    if (index) for (let k = 0; k < n; k++) out[at + k] = BYTE_TO_UNIT[img[from + index[k]]];
    else for (let k = 0; k < n; k++) out[at + k] = BYTE_TO_UNIT[img[from + k]];
  }
}
