// Parser for the CIFAR-10 / CIFAR-100 "binary version" files: fixed-size records
// of label byte(s) then 3072 image bytes stored channel-planar (R 1024, G 1024,
// B 1024, each 32x32 row-major). Output is a Dataset of HWC pixel bytes (model
// input = byte / 255). Also the sets of an official .tar.gz archive's members.
// Takes bytes, returns data: must not read files or import node:*.
// Every error message starts with the offending file's name.

import type { Dataset } from "./dataset.js";
import { concatDatasets } from "./dataset.js";
import { tarMember, type TarEntry } from "./tar.js";

/** Geometry of the CIFAR binary format. */
export const CIFAR = {
  HEIGHT: 32,
  WIDTH: 32,
  CHANNELS: 3,
  IMAGE_BYTES: 3072,
  PLANE: 1024,
} as const;

/** Which CIFAR file layout, and for CIFAR-100 which label (default "fine"). */
export interface CifarOptions {
  variant: "cifar10" | "cifar100";
  label?: "fine" | "coarse";
}

/** Label bytes per record and class count for a variant / label choice. */
export function cifarLayout(opts: CifarOptions): { labelBytes: number; labelOffset: number; classes: number; recordBytes: number } {
  if (opts.variant === "cifar10") {
    if (opts.label === "coarse") throw new Error(`cifar10 has no coarse labels (label: "coarse" is CIFAR-100 only)`);
    return { labelBytes: 1, labelOffset: 0, classes: 10, recordBytes: 1 + CIFAR.IMAGE_BYTES };
  }
  if (opts.variant === "cifar100") {
    const coarse = opts.label === "coarse";
    return { labelBytes: 2, labelOffset: coarse ? 0 : 1, classes: coarse ? 20 : 100, recordBytes: 2 + CIFAR.IMAGE_BYTES };
  }
  throw new Error(`unknown CIFAR variant ${String((opts as { variant: unknown }).variant)}`);
}

/**
 * Parse one CIFAR binary file (e.g. data_batch_1.bin or CIFAR-100 train.bin).
 * The length must be a whole, non-zero number of records. The pixels are copied
 * (planar -> HWC) into a new byte array; the input is not retained.
 * @example
 * const ds = parseCifar(bytes, "test_batch.bin", { variant: "cifar10" }); // ds.n = 10000
 */
export function parseCifar(bytes: Uint8Array, name: string, opts: CifarOptions): Dataset {
  const { labelBytes, labelOffset, classes, recordBytes } = cifarLayout(opts);
  if (bytes.length === 0) throw new Error(`${name}: empty file (expected ${opts.variant} records of ${recordBytes} bytes)`);
  if (bytes.length % recordBytes !== 0) {
    const whole = Math.floor(bytes.length / recordBytes);
    throw new Error(
      `${name}: length ${bytes.length} is not a whole number of ${opts.variant} records of ${recordBytes} bytes ` +
        `(${whole} records + ${bytes.length - whole * recordBytes} bytes left over)`,
    );
  }
  const n = bytes.length / recordBytes;
  const { PLANE, CHANNELS, IMAGE_BYTES } = CIFAR;
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const rec = i * recordBytes;
    const label = bytes[rec + labelOffset];
    if (label >= classes) {
      throw new Error(
        `${name}: record ${i} has ${opts.label ?? "fine"} label ${label}, out of range for ${opts.variant} (classes = ${classes})`,
      );
    }
    labels[i] = label;
    const src = rec + labelBytes;
    const dst = i * IMAGE_BYTES;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < CHANNELS; c++) images[dst + p * CHANNELS + c] = bytes[src + c * PLANE + p];
    }
  }
  const label = opts.variant === "cifar100" ? `:${opts.label ?? "fine"}` : "";
  return {
    name: `${opts.variant}${label}:${name}`,
    images,
    labels,
    n,
    height: CIFAR.HEIGHT,
    width: CIFAR.WIDTH,
    channels: CHANNELS,
    classes,
  };
}

/** Member files of the official binary archives (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz). */
export const CIFAR_FILES = {
  cifar10: {
    folder: "cifar-10-batches-bin",
    archive: "cifar-10-binary.tar.gz",
    train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
    test: ["test_batch.bin"],
  },
  cifar100: { folder: "cifar-100-binary", archive: "cifar-100-binary.tar.gz", train: ["train.bin"], test: ["test.bin"] },
} as const;

/**
 * The training and test sets of a CIFAR binary archive's members (parseTar of the gunzipped archive).
 * Missing members, and the Python-pickle archives, are Errors naming the archive.
 * @example const { train, test } = cifarFromTar(parseTar(raw, "cifar-10-binary.tar.gz"), "cifar-10-binary.tar.gz", { variant: "cifar10" });
 */
export function cifarFromTar(entries: readonly TarEntry[], archive: string, opts: CifarOptions): { train: Dataset; test: Dataset } {
  const files = CIFAR_FILES[opts.variant];
  if (!files) throw new Error(`${archive}: unknown CIFAR variant ${String(opts.variant)} (expected cifar10 or cifar100)`);
  const find = (base: string) => tarMember(entries, base);
  const missing = [...files.train, ...files.test].filter((f) => !find(f));
  if (missing.length > 0) {
    const python = entries.some((e) => /batches-py\/|cifar-100-python\//.test(e.name));
    throw new Error(
      `${archive}: missing ${missing.join(", ")}` +
        (python
          ? ` (this is the Python-pickle archive; use the binary version, ${files.archive})`
          : ` (expected the ${files.archive} layout)`),
    );
  }
  const part = (list: readonly string[], split: string) =>
    concatDatasets(
      `${opts.variant}${opts.variant === "cifar100" ? `-${opts.label ?? "fine"}` : ""}:${split}`,
      list.map((f) => parseCifar(find(f)!.data, `${archive}:${find(f)!.name}`, opts)),
    );
  return { train: part(files.train, "train"), test: part(files.test, "test") };
}
