// Checkpoint files: read one given as a run folder or a .safetensors file
// (errors name the path), write one atomically.

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkpointParts, loadCheckpoint, type CheckpointOptions, type LoadedCheckpoint } from "../io/checkpoint.js";
import type { Model } from "../nn/model.js";
import { readFileChecked, writeFileAtomic } from "./atomic.js";

/** The checkpoint file of a run folder, or the path itself. */
export function checkpointPath(p: string): string {
  if (existsSync(p) && statSync(p).isDirectory()) return join(p, "model.safetensors");
  return p;
}

/**
 * Load a model from a run folder or a .safetensors file.
 * @example const { model } = readCheckpoint("runs/scrramble-mlp-2026-11-26");
 */
export function readCheckpoint(p: string): LoadedCheckpoint & { path: string } {
  const path = checkpointPath(p);
  return { ...loadCheckpoint(readFileChecked(path), path), path };
}

/**
 * Write a model's checkpoint atomically (streamed from WASM memory, no full copy).
 * @example writeCheckpoint("runs/a/model.safetensors", model, { note: "epoch 3" }, { step: 1200 });
 */
export function writeCheckpoint(path: string, model: Model, metadata: Record<string, string> = {}, o: CheckpointOptions = {}): void {
  writeFileAtomic(path, checkpointParts(model, metadata, o));
}
