// Runs you can trust, end to end through the command line: a diverging run
// stops with exit 1 and keeps its last good checkpoint; weights that are not
// finite are refused by every command that loads them; run folders are not
// mixed; a run killed with SIGKILL or stopped with Ctrl-C resumes to the same
// bits as an unbroken run; degenerate data, impossible batches and gzip bombs
// are refused before anything is written.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { endStep } from "../src/engine.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { saveCheckpoint } from "../src/io/checkpoint.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import { idx, runCli, runCliUntil } from "./helpers/cli.js";

const tmp = mkdtempSync(join(tmpdir(), "scrramble-runs-"));
const run = (args: string[]) => runCli(args, tmp);
const SMALL = ["--cores", "16,6,10", "--core-size", "64", "--slot-size", "16"];

test("a diverging run exits 1 naming the step and the likely cause, and keeps its last good checkpoint", () => {
  const out = join(tmp, "nan");
  const r = run(["train", ...SMALL, "--lr", "1e6", "--eval-every", "1", "--max-steps", "60", "--epochs", "1", "--out", out]);
  assert.is(r.code, 1, r.err);
  const m =
    /scrramble: training diverged at step (\d+) \(epoch 1\): [^;]+; likely cause: the learning rate 1000000 is too high; (.*)\n$/.exec(
      r.err,
    );
  assert.ok(m, r.err);
  const kept = /the last good checkpoint .*model\.safetensors \(step (\d+)\) is kept/.exec(m![2]);
  assert.ok(kept, m![2]);
  assert.ok(Number(kept![1]) < Number(m![1]));
  assert.not.ok(existsSync(join(out, "result.json")));
  const e = run(["eval", "--checkpoint", out, "--json"]);
  assert.is(e.code, 0, e.err);
  assert.ok(Number.isFinite(JSON.parse(e.out).loss), "the kept checkpoint evaluates to a finite loss");
  const last = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").pop()!;
  assert.is(JSON.parse(last).event, "diverged");

  const sgd = run(["train", "--model", "dense", "--dense-sizes", "1024,64,250", "--optimizer", "sgd", "--lr", "1e6", "--max-steps", "40"]);
  assert.is(sgd.code, 1);
  assert.match(
    sgd.err,
    /training diverged at step \d+ .*likely cause: the learning rate 1000000 is too high; no checkpoint had been written yet/,
  );
  const wd = run(["train", ...SMALL, "--weight-decay", "1e30", "--max-steps", "40", "--out", join(tmp, "wd")]);
  assert.is(wd.code, 1);
  assert.match(wd.err, /likely cause: the weight decay 1e\+30 is too high/);
});

test("a checkpoint holding a weight that is not finite is refused by eval, eval --crossbar, sweep and report", () => {
  endStep();
  const model = new ScrrambleMlp({ ...SCRRAMBLE_MLP_DEFAULTS, cores: [16, 6, 10], coreSize: 64, slotSize: 16, init: "glorot-core" });
  const file = decodeSafetensors(saveCheckpoint(model), "x");
  const w = (file.tensors["layers.1.weight"].data as Float32Array).slice();
  w[123] = NaN;
  const bad = join(tmp, "nan-weight.safetensors");
  writeFileSync(
    bad,
    encodeSafetensors({ ...file.tensors, "layers.1.weight": { ...file.tensors["layers.1.weight"], data: w } }, file.metadata),
  );
  for (const args of [
    ["eval", "--checkpoint", bad],
    ["eval", "--checkpoint", bad, "--crossbar", "single"],
    ["sweep", "levels", "--checkpoint", bad, "--out", "sw-nan"],
    ["report", "--checkpoint", bad, "--out", "rep-nan"],
  ]) {
    const r = run(args);
    assert.is(r.code, 1, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, /nan-weight\.safetensors: tensor "layers\.1\.weight" holds a value that is not finite \(NaN at index 123\)/);
  }
});

test("run folders: a used folder is refused, --force starts over and keeps files it did not write, --out on a file is refused", () => {
  const out = join(tmp, "used");
  const args = ["train", ...SMALL, "--max-steps", "3", "--epochs", "1", "--out", out];
  assert.is(run(args).code, 0);
  const again = run(args);
  assert.is(again.code, 2);
  assert.match(again.err, /--out: run folder .*used is not empty .*: continue its run with --resume .*used, or start over with --force/);
  writeFileSync(join(out, "notes.txt"), "mine");
  writeFileSync(join(out, "model.safetensors.tmp-99999999"), "debris of a killed write");
  const before = readFileSync(join(out, "config.json"), "utf8");
  const forced = run([...args.slice(0, -2), "--seed", "4", "--out", out, "--force"]);
  assert.is(forced.code, 0, forced.err);
  assert.is(readFileSync(join(out, "notes.txt"), "utf8"), "mine");
  assert.not.ok(existsSync(join(out, "model.safetensors.tmp-99999999")), "stale temp file removed");
  assert.is.not(readFileSync(join(out, "config.json"), "utf8"), before, "a new config.json");
  writeFileSync(join(tmp, "a-file"), "x");
  for (const cmd of [["train"], ["report"], ["routing"]]) {
    const r = run([...cmd, "--out", "a-file"]);
    assert.is(r.code, 2, cmd.join(" "));
    assert.match(r.err, /--out: a-file exists and is not a folder/);
  }
});

// The reference: the same run, never stopped.
const RESUMABLE = ["train", ...SMALL, "--max-steps", "300", "--epochs", "2", "--eval-every", "50", "--batch-size", "16", "--seed", "5"];
let reference: Uint8Array | null = null;
function unbroken(): Uint8Array {
  if (!reference) {
    const r = run([...RESUMABLE, "--out", "unbroken", "--threads", "1"]);
    assert.is(r.code, 0, r.err);
    reference = readFileSync(join(tmp, "unbroken", "model.safetensors"));
  }
  return reference;
}

test("a run killed with SIGKILL resumes (on other threads) to the same bits as an unbroken run; stale temp files go", async () => {
  const want = unbroken();
  const killed = await runCliUntil([...RESUMABLE, "--out", "killed"], tmp, (l) => l.event === "eval", "SIGKILL");
  assert.ok(killed.sent && killed.signal === "SIGKILL", `not killed: ${killed.code} ${killed.err}`);
  const dir = join(tmp, "killed");
  assert.not.ok(existsSync(join(dir, "result.json")), "killed before the end");
  writeFileSync(join(dir, "state.safetensors.tmp-99999998"), new Uint8Array(1000));
  const r = run(["train", "--resume", dir, "--threads", "3"]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /test accuracy/);
  assert.equal(readFileSync(join(dir, "model.safetensors")), want, "bit-identical checkpoint");
  assert.equal(
    readdirSync(dir).filter((n) => n.includes(".tmp-")),
    [],
  );
});

test("Ctrl-C finishes the step, saves, prints the resume hint and exits 130; --resume ends identical", async () => {
  const want = unbroken();
  const stopped = await runCliUntil([...RESUMABLE, "--out", "stopped"], tmp, (l) => l.event === "eval", "SIGINT");
  assert.ok(stopped.sent);
  assert.is(stopped.code, 130, stopped.err);
  const dir = join(tmp, "stopped");
  const m = /(^|\n)interrupted at step (\d+) of 300; resume with --resume (.*)\n$/.exec(stopped.err);
  assert.ok(m, stopped.err);
  assert.is(m![3], "stopped");
  const lines = stopped.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines[lines.length - 1], { event: "interrupted", step: Number(m![2]), out: "stopped" });
  assert.ok(existsSync(join(dir, "state.safetensors")) && existsSync(join(dir, "model.safetensors")));
  const again = run(["train", "--resume", "stopped", "--json"]);
  assert.is(again.code, 0, again.err);
  const first = JSON.parse(again.out.split("\n")[0]);
  assert.is(first.event, "resume");
  assert.is(first.step, Number(m![2]));
  assert.equal(readFileSync(join(dir, "model.safetensors")), want, "bit-identical checkpoint");
  const done = run(["train", "--resume", dir]);
  assert.is(done.code, 1);
  assert.match(done.err, /has finished; nothing to resume/);
});

test("--resume keeps the run's own settings and needs a training state", () => {
  const other = run(["train", "--resume", join(tmp, "unbroken"), "--lr", "0.1"]);
  assert.is(other.code, 2);
  assert.match(other.err, /--lr does not go with --resume/);
  const none = run(["train", "--resume", join(tmp, "nowhere")]);
  assert.is(none.code, 2);
  assert.match(none.err, /nowhere.*state\.safetensors: no training state to resume/);
});

function idxFolder(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(dir, f), bytes);
  return dir;
}

function mnistLike(n: number, nTest: number, classes: number, size = 28): Record<string, Uint8Array> {
  const imgs = (k: number) => new Uint8Array(k * size * size).map((_, i) => (i * 37) % 251);
  const labels = (k: number) => new Uint8Array(k).map((_, i) => i % classes);
  return {
    "train-images-idx3-ubyte": idx([n, size, size], imgs(n)),
    "train-labels-idx1-ubyte": idx([n], labels(n)),
    "t10k-images-idx3-ubyte": idx([nTest, size, size], imgs(nTest)),
    "t10k-labels-idx1-ubyte": idx([nTest], labels(nTest)),
  };
}

test("degenerate data and impossible batches are refused before a run folder is made", () => {
  const base = mnistLike(40, 20, 10);
  const cases: [string, Record<string, Uint8Array>, number, RegExp][] = [
    [
      "zero-size",
      { ...base, "train-images-idx3-ubyte": idx([40, 0, 0], new Uint8Array(0)) },
      1,
      /train-images-idx3-ubyte: images are 0 x 0 pixels/,
    ],
    ["zero-rows", { ...base, "train-images-idx3-ubyte": idx([40, 0, 28], new Uint8Array(0)) }, 1, /images are 0 x 28 pixels/],
    [
      "empty-train",
      { ...base, "train-images-idx3-ubyte": idx([0, 28, 28], new Uint8Array(0)), "train-labels-idx1-ubyte": idx([0], new Uint8Array(0)) },
      1,
      /train-images-idx3-ubyte: holds no images, so the train split would be empty/,
    ],
    [
      "empty-test",
      { ...base, "t10k-images-idx3-ubyte": idx([0, 28, 28], new Uint8Array(0)), "t10k-labels-idx1-ubyte": idx([0], new Uint8Array(0)) },
      1,
      /t10k-images-idx3-ubyte: holds no images, so the test split would be empty/,
    ],
    ["small-train", base, 2, /--batch-size 64 is larger than the 40 training samples: an epoch would have no full batch/],
  ];
  for (const [name, files, code, re] of cases) {
    const out = join(tmp, `out-${name}`);
    const r = run(["train", ...SMALL, "--data", idxFolder(name, files), "--out", out]);
    assert.is(r.code, code, `${name}: ${r.err}`);
    assert.match(r.err, re, name);
    assert.not.ok(existsSync(out), `${name}: no run folder`);
  }
  const huge = run(["train", "--batch-size", "100000000", "--seed", "-5", "--out", "huge"]);
  assert.is(huge.code, 2);
  assert.match(huge.err, /^scrramble: --batch-size 100000000 is larger than the 8000 training samples/);
  assert.not.ok(existsSync(join(tmp, "huge")));
});

test("a gzip bomb stops at the size its IDX header declares", () => {
  const head = idx([10, 28, 28], new Uint8Array(0));
  const bomb = new Uint8Array(head.length + 64 * 2 ** 20);
  bomb.set(head);
  const files = mnistLike(40, 20, 10);
  delete (files as Record<string, Uint8Array>)["train-images-idx3-ubyte"];
  files["train-images-idx3-ubyte.gz"] = gzipSync(bomb, { level: 1 });
  const r = run(["train", ...SMALL, "--data", idxFolder("bomb", files), "--out", "bomb-run"]);
  assert.is(r.code, 1);
  const m =
    /train-images-idx3-ubyte\.gz: gzip data expands beyond 7856 bytes \(the size its IDX header declares\); stopped after (\d+) bytes/.exec(
      r.err,
    );
  assert.ok(m, r.err);
  assert.ok(Number(m![1]) < 2 ** 20, `decompressed ${m![1]} bytes of 64 MiB`);
});

test("eval follows the model's classes; data with more classes than the model is refused by name", () => {
  const five = idxFolder("five", mnistLike(64, 30, 5));
  const out = join(tmp, "five-run");
  const t = run(["train", ...SMALL, "--data", five, "--classes", "5", "--batch-size", "16", "--max-steps", "4", "--out", out]);
  assert.is(t.code, 0, t.err);
  const e = run(["eval", "--checkpoint", out, "--data", five, "--json"]);
  assert.is(e.code, 0, e.err);
  const j = JSON.parse(e.out);
  assert.is(j.confusion.length, 5);
  assert.is(j.n, 30);
  const bundled = run(["eval", "--checkpoint", out]);
  assert.is(bundled.code, 2);
  assert.match(bundled.err, /the model in .*five-run\/model\.safetensors has 5 classes, the bundled MNIST subset 10: give an IDX folder/);
  const more = run(["eval", "--checkpoint", out, "--data", five, "--classes", "10"]);
  assert.is(more.code, 2);
  assert.match(more.err, /--classes 10: the model in .* has only 5 classes/);
  const ten = idxFolder("ten", mnistLike(64, 30, 10));
  const wrong = run(["eval", "--checkpoint", out, "--data", ten]);
  assert.is(wrong.code, 1);
  assert.match(wrong.err, /train-labels-idx1-ubyte: label 5 at index 5 is out of range \(classes = 5\)/);
});

test.run();
