// The ScRRAMBLe-ResNet through the command line on a CIFAR-10 archive built here: a tiny model overfits
// a few dozen images to 100 % training accuracy, its checkpoint evaluates to the same numbers digitally
// and on ideal crossbars, the report and an ADC sweep read it, and wrong arguments exit with clear messages.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { cifarRecords, tarArchive } from "./helpers/archive.js";

const main = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");
const tmp = mkdtempSync(join(tmpdir(), "scrramble-cli-resnet-"));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// 40 training images (8 per batch file), and the same 40 as the test batch: test accuracy = training accuracy.
const labels = Array.from({ length: 40 }, (_, i) => i % 10);
const files = [1, 2, 3, 4, 5].map((b) => ({
  name: `cifar-10-batches-bin/data_batch_${b}.bin`,
  data: cifarRecords(labels.slice((b - 1) * 8, b * 8), { seed: b }),
}));
const all = new Uint8Array(files.reduce((a, f) => a + f.data.length, 0));
files.reduce((at, f) => (all.set(f.data, at), at + f.data.length), 0);
files.push({ name: "cifar-10-batches-bin/test_batch.bin", data: all });
const archive = join(tmp, "cifar-10-binary.tar.gz");
writeFileSync(archive, gzipSync(tarArchive(files)));

const TINY = [
  ...["--model", "resnet", "--dataset", "cifar10", "--data", archive, "--val", "0", "--image-size", "8"],
  ...["--channels", "6,8", "--blocks", "1,1", "--cores", "2,4,5", "--core-size", "16", "--slot-size", "4", "--p", "0.5"],
];

test("--help documents the ResNet, data and recipe options", () => {
  const h = run(["train", "--help"]);
  assert.is(h.code, 0);
  for (const flag of [
    "--width W",
    "--depth D",
    "--bn B",
    "--bn-eval S",
    "--head-norm N",
    "--dataset D",
    "--split S",
    "--augment SPEC",
    "--recipe R",
    "--lr-schedule S",
    "--warmup-steps N",
  ])
    assert.ok(h.out.includes(flag), flag);
  assert.match(h.out, /scrramble-resnet/);
});

test("a tiny ResNet overfits 40 CIFAR-format images to 100 % through train; eval, crossbars, report and sweep read it", () => {
  const out = join(tmp, "run");
  const r = run(["train", ...TINY, "--epochs", "25", "--batch-size", "8", "--lr", "0.01", "--augment", "none", "--out", out, "--json"]);
  assert.is(r.code, 0, r.err);
  const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
  assert.is(result.testAccuracy, 1, `training images fitted: ${result.testAccuracy}`);
  const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
  assert.is(cfg.kind, "scrramble-resnet");
  assert.match(cfg.data, /cifar10 from .*: 40 train \/ 40 test/);
  const e = run(["eval", "--checkpoint", out, "--dataset", "cifar10", "--data", archive, "--val", "0", "--json"]);
  assert.is(e.code, 0, e.err);
  assert.is(JSON.parse(e.out).accuracy, 1);
  const b = run(["eval", "--checkpoint", out, "--dataset", "cifar10", "--data", archive, "--val", "0", "--bn-eval", "batch", "--json"]);
  assert.is(b.code, 0, b.err);
  assert.ok(JSON.parse(b.out).accuracy > 0.5, "batch statistics at evaluation");
  const x = run(["eval", "--checkpoint", out, "--dataset", "cifar10", "--data", archive, "--val", "0", "--crossbar", "single", "--json"]);
  assert.is(x.code, 0, x.err);
  assert.is(JSON.parse(x.out).accuracy, 1, "ideal crossbars reproduce the digital head");
  const rep = run(["report", "--checkpoint", out, "--seeds", "2", "--out", join(tmp, "report")]);
  assert.is(rep.code, 0, rep.err);
  assert.match(rep.out, /Digital, not on crossbar cores and not counted below: convolutional front end \(6\/8 channels/);
  const sw = run([
    "sweep",
    "adc-bits",
    "--checkpoint",
    out,
    "--dataset",
    "cifar10",
    "--data",
    archive,
    "--val",
    "0",
    "--values",
    "1,8",
    "--out",
    join(tmp, "sw"),
    "--json",
  ]);
  assert.is(sw.code, 0, sw.err);
  const pts = JSON.parse(sw.out).series[0].points;
  assert.is(pts[1].accuracy, 1);
  assert.ok(existsSync(join(tmp, "sw", "sweep-adc-bits.svg")));
  const ex = run(["export", "--checkpoint", out, "--out", join(tmp, "resnet.mjs")]);
  assert.is(ex.code, 2, "a usage error");
  // one line naming the kind and why, then the usual pointer to --help
  assert.match(ex.err.split("\n")[0], /^scrramble: model kind "scrramble-resnet" cannot be exported yet: .*convolutional front end$/);
  assert.not.ok(existsSync(join(tmp, "resnet.mjs")), "nothing written");
});

test("ResNet and data usage errors exit 2 with the option named; a missing archive exits 1 naming it", () => {
  const cases: [string[], RegExp][] = [
    [["train", "--model", "resnet", "--dataset", "cifar10"], /--dataset cifar10 needs --data PATH/],
    [["train", "--model", "resnet", "--bn", "twice"], /--bn must be one of separate, shared/],
    [["train", "--model", "resnet", "--width", "0"], /--width must be a number >= 0.01/],
    [["train", "--model", "resnet", "--channels", "8,8", "--blocks", "1"], /must name the same number of stages/],
    [["train", "--model", "resnet", "--augment", "spin"], /--augment: unknown entry "spin"/],
    [["train", "--model", "resnet", "--recipe", "fast"], /--recipe must be one of default, reference, paper/],
    [["train", "--model", "dense", "--bn", "shared"], /--bn does not apply to --model dense-baseline/],
    [["train", "--dataset", "mnist", "--labels", "coarse"], /--labels applies to --dataset cifar100 only/],
    [["eval", "--checkpoint", "x", "--bn-eval", "sometimes"], /--bn-eval must be one of running, batch/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.is(r.code, 2, `${args.join(" ")}: exit ${r.code} ${r.err}`);
    assert.match(r.err, re);
  }
  const m = run(["train", "--model", "resnet", "--dataset", "cifar10", "--data", join(tmp, "nothing.tar.gz")]);
  assert.is(m.code, 1);
  assert.match(m.err, /nothing\.tar\.gz: no such file or folder/);
});

test.run();
