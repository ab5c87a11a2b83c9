// Run folder rules: which files a training run writes, when a folder may take a
// new run (empty or absent; with force, after removing the previous run's
// files), and removal of the temp files that killed writes leave behind.
// Never removes a file scrramble did not write.

import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";

/** The files a training run writes into its folder. */
export const RUN_FILES = {
  checkpoint: "model.safetensors",
  state: "state.safetensors",
  config: "config.json",
  metrics: "metrics.jsonl",
  curves: "curves.svg",
  result: "result.json",
} as const;

/** How a run uses its folder: a new run, a new run replacing an old one, or continuing one. */
export type RunFolderMode = "new" | "force" | "resume";

/** A temp file of writeFileAtomic: `<name>.tmp-<pid>`. */
const TMP = /\.tmp-(\d+)$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove the `*.tmp-<pid>` files in `dir` whose writing process is gone (a
 * write killed before its rename); returns the names removed.
 * @example removeStaleTempFiles("runs/a"); // ["model.safetensors.tmp-4242"]
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TMP.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      /* gone already */
    }
  }
  return removed;
}

/**
 * Check that `dir` can take a run in this mode, without changing anything:
 * it must be a folder (or absent); a new run needs it empty, a resumed one
 * needs its training state. Errors name the folder and what to do.
 */
export function checkRunFolder(dir: string, mode: RunFolderMode): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  const present = existsSync(dir) ? readdirSync(dir).filter((n) => !TMP.test(n)) : [];
  if (mode === "new" && present.length > 0) {
    throw new Error(
      `run folder ${dir} is not empty (${present.slice(0, 3).join(", ")}${present.length > 3 ? ", ..." : ""}): ` +
        `continue its run with --resume ${dir}, or start over with --force`,
    );
  }
  if (mode === "resume" && !present.includes(RUN_FILES.state)) {
    throw new Error(`${join(dir, RUN_FILES.state)}: no training state to resume (a run writes it at every evaluation and on Ctrl-C)`);
  }
}

/**
 * Make `dir` ready for a run: checkRunFolder, then create it, remove stale temp
 * files and, with "force", the previous run's files (other files stay).
 * @example prepareRunFolder("runs/a", "force");
 */
export function prepareRunFolder(dir: string, mode: RunFolderMode): void {
  checkRunFolder(dir, mode);
  mkdirSync(dir, { recursive: true });
  removeStaleTempFiles(dir);
  if (mode === "force") {
    for (const name of Object.values(RUN_FILES)) if (existsSync(join(dir, name))) unlinkSync(join(dir, name));
  }
}
