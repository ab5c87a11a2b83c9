// The in-memory dataset shape shared by every loader (IDX, CIFAR, bundled MNIST)
// and small pure helpers over it: subset, validation split, concat, class counts.
// Must stay runtime-neutral: no node:* imports, no I/O, no randomness (callers
// that need a random split shuffle indices with src/rng.ts and call subset).

/**
 * A labelled image set held as one flat Uint8Array of pixel bytes (1 byte per
 * value, a quarter of float32). Every supported format is 8-bit, so nothing is
 * lost: the value a model sees is byte / 255 in [0, 1] (the DataLoader converts
 * per batch). Images are row-major, channel-last (HWC); sample i occupies
 * images[i * F .. (i + 1) * F) with F = height * width * channels.
 * @example
 * const f = featureSize(ds); const first = ds.images.subarray(0, f); // bytes 0..255
 */
export interface Dataset {
  name: string;
  /** n x (height * width * channels) pixel bytes 0..255, HWC; model input = byte / 255. */
  images: Uint8Array;
  /** n class indices, each < classes. */
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
}

/** Number of values (bytes) per sample: height * width * channels. */
export function featureSize(ds: Dataset): number {
  return ds.height * ds.width * ds.channels;
}

/**
 * Throws if images is not a Uint8Array of pixel bytes, the arrays and the declared
 * sizes disagree, or a label is out of range.
 * @example checkDataset(ds); // returns ds
 */
export function checkDataset(ds: Dataset): Dataset {
  const f = featureSize(ds);
  const where = `dataset ${ds.name}`;
  for (const k of ["n", "height", "width", "channels", "classes"] as const) {
    if (!Number.isInteger(ds[k]) || ds[k] < 0) throw new Error(`${where}: ${k} must be a non-negative integer, got ${ds[k]}`);
  }
  if (!(ds.images instanceof Uint8Array)) {
    throw new Error(
      `${where}: images must be a Uint8Array of pixel bytes, got ${(ds.images as object)?.constructor?.name ?? typeof ds.images}`,
    );
  }
  if (ds.images.length !== ds.n * f)
    throw new Error(`${where}: images has ${ds.images.length} values, expected n * h * w * c = ${ds.n * f}`);
  if (ds.labels.length !== ds.n) throw new Error(`${where}: labels has ${ds.labels.length} entries, expected n = ${ds.n}`);
  for (let i = 0; i < ds.n; i++) {
    if (ds.labels[i] >= ds.classes) throw new Error(`${where}: label ${ds.labels[i]} at sample ${i} is >= classes (${ds.classes})`);
  }
  return ds;
}

/**
 * A new dataset holding copies of the given samples' bytes, in the given order.
 * @example const firstTen = subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const f = featureSize(ds);
  const n = indices.length;
  const images = new Uint8Array(n * f);
  const labels = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const i = indices[j];
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new Error(`subset(${ds.name}): index ${i} out of range [0, ${ds.n})`);
    images.set(ds.images.subarray(i * f, (i + 1) * f), j * f);
    labels[j] = ds.labels[i];
  }
  return { ...ds, name, images, labels, n };
}

/**
 * Deterministic split: the last nVal samples become validation, the rest train.
 * Both parts are views of the source's bytes (no copy: a 60k set stays 47 MB).
 * Shuffle first (with a seeded Rng) if the source order is not already random.
 * @example const { train, val } = splitValidation(mnistTrain, 10000);
 */
export function splitValidation(ds: Dataset, nVal: number): { train: Dataset; val: Dataset } {
  if (!Number.isInteger(nVal) || nVal < 0 || nVal > ds.n) {
    throw new Error(`splitValidation(${ds.name}): nVal must be an integer in [0, ${ds.n}], got ${nVal}`);
  }
  const f = featureSize(ds);
  const nTrain = ds.n - nVal;
  const train: Dataset = {
    ...ds,
    name: `${ds.name}:train`,
    images: ds.images.subarray(0, nTrain * f),
    labels: ds.labels.subarray(0, nTrain),
    n: nTrain,
  };
  const val: Dataset = {
    ...ds,
    name: `${ds.name}:val`,
    images: ds.images.subarray(nTrain * f),
    labels: ds.labels.subarray(nTrain),
    n: nVal,
  };
  return { train, val };
}

/**
 * Concatenate datasets of identical geometry and class count, in order, into one
 * new byte array.
 * @example const train = concatDatasets("cifar10:train", batches);
 */
export function concatDatasets(name: string, parts: readonly Dataset[]): Dataset {
  if (parts.length === 0) throw new Error(`concatDatasets(${name}): no parts`);
  const p0 = parts[0];
  let n = 0;
  for (const p of parts) {
    if (p.height !== p0.height || p.width !== p0.width || p.channels !== p0.channels || p.classes !== p0.classes) {
      throw new Error(
        `concatDatasets(${name}): ${p.name} is ${p.height}x${p.width}x${p.channels} with ${p.classes} classes, ` +
          `but ${p0.name} is ${p0.height}x${p0.width}x${p0.channels} with ${p0.classes} classes`,
      );
    }
    n += p.n;
  }
  const f = featureSize(p0);
  const images = new Uint8Array(n * f);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * f);
    labels.set(p.labels, at);
    at += p.n;
  }
  return { ...p0, name, images, labels, n };
}

/**
 * How many samples carry each label: result[k] = count of label k, length = classes.
 * @example classCounts(ds); // [980, 1135, ...]
 */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.n; i++) {
    const k = ds.labels[i];
    if (k >= ds.classes) throw new Error(`classCounts(${ds.name}): label ${k} at sample ${i} is >= classes (${ds.classes})`);
    counts[k]++;
  }
  return counts;
}
