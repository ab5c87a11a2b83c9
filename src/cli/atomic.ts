// Node-only file helpers for checkpoints and reports: atomic writes (temp file +
// rename, so a crash never leaves a half-written file under the real name) and
// reads that name the path in their errors. Must not be imported outside src/cli/.

import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";

function tmpName(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/**
 * Write `data` to `path + ".tmp-<pid>"`, then rename it over `path`.
 * @example
 * await writeFileAtomic("runs/model.safetensors", encodeSafetensors(tensors));
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Synchronous twin of writeFileAtomic; `data` may be consecutive parts. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string | Uint8Array[]): void {
  const tmp = tmpName(path);
  try {
    if (Array.isArray(data)) {
      const fd = openSync(tmp, "w");
      try {
        for (const part of data) for (let at = 0; at < part.length;) at += writeSync(fd, part, at);
      } finally {
        closeSync(fd);
      }
    } else {
      writeFileSync(tmp, data);
    }
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* nothing to clean up */ }
    throw new Error(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function readError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new Error(`${path}: file not found`, { cause: e });
  if (code === "EISDIR") return new Error(`${path}: is a directory, expected a file`, { cause: e });
  if (code === "EACCES") return new Error(`${path}: permission denied`, { cause: e });
  return new Error(`${path}: cannot read (${(e as Error).message})`, { cause: e });
}

/**
 * Read a whole file as bytes; a missing file gives `<path>: file not found`.
 * @example
 * const file = decodeSafetensors(await readFileChecked(p), p);
 */
export async function readFileChecked(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw readError(path, e);
  }
}

/** Synchronous twin of readFileChecked. */
export function readFileCheckedSync(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw readError(path, e);
  }
}
