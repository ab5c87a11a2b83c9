// Run folder rules as library calls: which folders take a new run, what --force
// removes (only the files a run writes) and which temp files count as stale
// (those of processes that are gone).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRunFolder, prepareRunFolder, removeStaleTempFiles, RUN_FILES } from "../src/node/run-folder.js";

const tmp = mkdtempSync(join(tmpdir(), "scrramble-folder-"));

test("a new run needs an empty or absent folder; resume needs a training state; a file is not a folder", () => {
  checkRunFolder(join(tmp, "absent"), "new");
  const dir = join(tmp, "a");
  mkdirSync(dir);
  checkRunFolder(dir, "new");
  writeFileSync(join(dir, "config.json"), "{}");
  assert.throws(() => checkRunFolder(dir, "new"), /run folder .* is not empty \(config\.json\): continue its run with --resume/);
  checkRunFolder(dir, "force");
  assert.throws(() => checkRunFolder(dir, "resume"), /state\.safetensors: no training state to resume/);
  writeFileSync(join(dir, RUN_FILES.state), "x");
  checkRunFolder(dir, "resume");
  writeFileSync(join(tmp, "f"), "x");
  for (const mode of ["new", "force", "resume"] as const)
    assert.throws(() => checkRunFolder(join(tmp, "f"), mode), /f exists and is not a folder/);
  // a folder holding only temp files of killed writes counts as empty
  const debris = join(tmp, "debris");
  mkdirSync(debris);
  writeFileSync(join(debris, "model.safetensors.tmp-99999999"), "x");
  checkRunFolder(debris, "new");
});

test("stale temp files (their process gone) are removed; a live process's stay; force removes only run files", () => {
  const dir = join(tmp, "b");
  mkdirSync(dir);
  for (const name of Object.values(RUN_FILES)) writeFileSync(join(dir, name), "old");
  writeFileSync(join(dir, "notes.txt"), "mine");
  writeFileSync(join(dir, "model.safetensors.tmp-99999999"), "dead");
  writeFileSync(join(dir, `state.safetensors.tmp-${process.pid}`), "ours, being written");
  writeFileSync(join(dir, "x.tmp-abc"), "not a pid");
  assert.equal(removeStaleTempFiles(dir), ["model.safetensors.tmp-99999999"]);
  prepareRunFolder(dir, "force");
  assert.equal(readdirSync(dir).sort(), ["notes.txt", `state.safetensors.tmp-${process.pid}`, "x.tmp-abc"].sort());
  prepareRunFolder(join(tmp, "c", "d"), "new");
  assert.ok(existsSync(join(tmp, "c", "d")));
});

test.run();
