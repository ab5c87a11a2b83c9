// Reads a checkpoint given as a run folder or a .safetensors file, with errors
// that name the path. Node-only.

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint, type LoadedCheckpoint } from "../io/checkpoint.js";
import { readFileCheckedSync } from "./atomic.js";

/** The checkpoint file for a run folder or file path. */
export function checkpointPath(p: string): string {
  if (existsSync(p) && statSync(p).isDirectory()) return join(p, "model.safetensors");
  return p;
}

export function readCheckpoint(p: string): LoadedCheckpoint & { path: string } {
  const path = checkpointPath(p);
  return { ...loadCheckpoint(readFileCheckedSync(path), path), path };
}
