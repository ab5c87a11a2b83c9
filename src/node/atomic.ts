// Node file helpers for checkpoints, reports and run folders: atomic writes
// (temp file, fsync, rename, fsync of the folder: a crash never leaves a
// half-written file under the real name) and reads whose errors name the path.

import { dirname } from "node:path";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";

function tmpName(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/**
 * Write `data` (a string, bytes, or consecutive byte parts) to `path + ".tmp-<pid>"`,
 * flush it to disk, rename it over `path`, then flush the folder. A write
 * killed before the rename leaves only the temp file (removeStaleTempFiles).
 * @example writeFileAtomic("runs/a/report.md", markdown);
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | Uint8Array[]): void {
  const tmp = tmpName(path);
  try {
    const fd = openSync(tmp, "w");
    try {
      const parts = typeof data === "string" ? [new TextEncoder().encode(data)] : Array.isArray(data) ? data : [data];
      for (const part of parts) for (let at = 0; at < part.length;) at += writeSync(fd, part, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncFolder(dirname(path));
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean up */
    }
    throw new Error(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Flush a folder's entries (the rename) to disk; best effort: some file systems refuse to open folders. */
function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    closeSync(fd);
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
 * @example const file = decodeSafetensors(readFileChecked(p), p);
 */
export function readFileChecked(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw readError(path, e);
  }
}

/**
 * Create the folder `dir` (and its parents) unless it exists; a file in its
 * place gives `<dir> exists and is not a folder`.
 * @example ensureFolder("sweeps"); // then write files into it
 */
export function ensureFolder(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create the folder ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
