// The command line end to end on tiny settings: train writes a run folder whose
// checkpoint eval reproduces; routing writes SVGs; IDX folders (gzipped) train;
// wrong arguments exit 2 with a clear message; a corrupt checkpoint exits 1.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const main = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");
const tmp = mkdtempSync(join(tmpdir(), "scrramble-cli-"));
const SMALL = ["--cores", "16,6,10", "--core-size", "64", "--slot-size", "16"];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("--help, --version, unknown command", () => {
  const h = run(["train", "--help"]);
  assert.is(h.code, 0);
  assert.match(h.out, /--slot-size S/);
  assert.match(h.out, /--lr-schedule/);
  assert.is(run(["--version"]).code, 0);
  const u = run(["frobnicate"]);
  assert.is(u.code, 2);
  assert.match(u.err, /unknown command "frobnicate"/);
  assert.is(run([]).code, 2);
});

test("wrong arguments exit 2 with a clear message", () => {
  const cases: [string[], RegExp][] = [
    [["train", "--slot-size", "48"], /slot size 48 does not divide core size 256/],
    [["train", "--p", "1.5"], /--p must be a number >= 0 and <= 1, got "1.5"/],
    [["train", "--cores", "3,10,10"], /first layer takes 768/],
    [["train", "--epochs", "two"], /--epochs must be an integer >= 1, got "two"/],
    [["train", "--epochs", "-1"], /--epochs must be an integer >= 1, got "-1"/],
    [["train", "--lr", "-1"], /--lr must be a number >= 0, got "-1"/],
    [["train", "--lr=-0.5"], /--lr must be a number >= 0, got "-0.5"/],
    [["train", "--max-steps", "-3"], /--max-steps must be an integer >= 0, got "-3"/],
    [["routing", "--p", "-.5"], /--p must be a number >= 0 and <= 1, got "-.5"/],
    [["train", "--bogus"], /unknown option --bogus/],
    [["train", "foo"], /unexpected argument "foo"/],
    [["eval", "--checkpoint", "x", "y", "z"], /eval: unexpected arguments "y" "z"/],
    [["train", "--model", "dense", "--cores", "4,4,4"], /--cores does not apply to --model dense-baseline/],
    [["train", "--model", "cnn"], /unknown model kind "cnn"/],
    [["train", "--activation", "tanh"], /--activation must be one of relu, qrelu/],
    [["eval"], /--checkpoint is required/],
    [["sweep", "levels", "--checkpoint", "x", "--seeds", "3"], /--seeds and --vary apply to the training kinds/],
    [["sweep", "p", "--repeats", "3"], /--repeats applies to the noise sweeps/],
    [["sweep", "grid"], /sweep grid needs --slot-size LIST and --p LIST/],
    [["sweep", "seeds", "--values", "0..3", "--seeds", "2"], /--seeds N applies to the other sweeps/],
    [["sweep", "adc-bits", "--checkpoint", "x", "--values", "0..3"], /adc-bits values must be integers in \[1, 24\]/],
    [["sweep", "p", "--shard", "2/2"], /--shard must be i\/n/],
    [["train", "--bias", "maybe", "--model", "dense"], /--bias must be true or false/],
    [["train", "--shift-mode", "mirror"], /--shift-mode must be one of zero, circular/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.is(r.code, 2, `${args.join(" ")}: exit ${r.code} ${r.err}`);
    assert.match(r.err, re);
    assert.ok(r.err.endsWith(`\n(see scrramble ${args[0]} --help)\n`), `the hint names the command's help: ${r.err}`);
    assert.is(r.err.split("\n").length, 3, `one line and the hint: ${r.err}`);
  }
});

test("train on the bundled data writes a run folder; eval of its checkpoint reproduces the accuracy", () => {
  const out = join(tmp, "run1");
  const r = run(["train", ...SMALL, "--max-steps", "20", "--epochs", "1", "--out", out, "--seed", "3"]);
  assert.is(r.code, 0, r.err);
  for (const f of ["model.safetensors", "config.json", "metrics.jsonl", "curves.svg", "result.json"])
    assert.ok(existsSync(join(out, f)), f);
  assert.match(r.out, /test accuracy .* on 2000 samples/);
  assert.match(r.out, /peak RSS \d+ MB/);
  const num = String.raw`[\d.]+ s`;
  const parts = [
    `steps ${num} \\(\\d+ samples/s\\)`,
    `data ${num}`,
    `held-out evaluation ${num}`,
    `checkpoints, metrics and progress ${num}`,
  ];
  assert.match(r.out, new RegExp(`training loop ${num} = ${[...parts, `other ${num}`].join(" \\+ ")}\n`));
  const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
  const { timing } = result;
  assert.equal(Object.keys(timing).sort(), ["data", "evaluation", "handlers", "other", "steps"]);
  assert.ok(Object.values(timing).every((v) => typeof v === "number" && v >= 0) && timing.steps > 0, JSON.stringify(timing));
  // the steps' own rate: the 20 steps' samples over their seconds, never below the run's rate
  const batch = JSON.parse(readFileSync(join(out, "config.json"), "utf8")).train.batchSize;
  assert.ok(
    Math.abs(result.stepSamplesPerSec * timing.steps - 20 * batch) < 1e-6 * 20 * batch,
    `${result.stepSamplesPerSec} x ${timing.steps}`,
  );
  assert.ok(result.stepSamplesPerSec >= result.samplesPerSec, `${result.stepSamplesPerSec} >= ${result.samplesPerSec}`);
  assert.ok(result.testAccuracy > 0.2, `20 steps should beat chance: ${result.testAccuracy}`);
  const e = run(["eval", "--checkpoint", out, "--json"]);
  assert.is(e.code, 0, e.err);
  assert.is(JSON.parse(e.out).accuracy, result.testAccuracy);
  const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(metrics.some((m) => m.event === "step") && metrics.some((m) => m.event === "eval"));
  assert.ok(
    metrics.filter((m) => m.event === "eval").every((m) => m.split === "test"),
    "on the bundled data the per-epoch curve is the test split",
  );
  const svg = readFileSync(join(out, "curves.svg"), "utf8");
  assert.match(svg, /^<svg/);
  assert.match(svg, /test split \(monitoring only, selects nothing\)/);
  // The checkpoint is the last step's, whatever the test accuracy did.
  const ck = run(["eval", "--checkpoint", out, "--json"]);
  assert.is(JSON.parse(ck.out).step, 20);
});

test("the dense baseline trains through the same CLI", () => {
  const r = run([
    "train",
    "--model",
    "dense",
    "--dense-sizes",
    "1024,64,250",
    "--max-steps",
    "5",
    "--epochs",
    "1",
    "--out",
    join(tmp, "dense"),
  ]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /test accuracy/);
});

test("hardware: eval --crossbar (ideal equals digital), report, sweeps", () => {
  const run1 = join(tmp, "run1");
  const digital = JSON.parse(run(["eval", "--checkpoint", run1, "--json"]).out).accuracy;
  const ideal = run(["eval", "--checkpoint", run1, "--crossbar", "single", "--json"]);
  assert.is(ideal.code, 0, ideal.err);
  const j = JSON.parse(ideal.out);
  assert.is(j.accuracy, digital);
  assert.is(j.hardware.conductances.differential, 2 * j.hardware.conductances.single);
  const noisy = run(["eval", "--checkpoint", run1, "--crossbar", "differential", "--levels", "4", "--adc-bits", "2", "--json"]);
  assert.is(noisy.code, 0, noisy.err);
  assert.ok(JSON.parse(noisy.out).accuracy !== undefined);
  assert.is(run(["eval", "--checkpoint", run1, "--crossbar", "triple"]).code, 2);
  const hardwareErrors: [string[], RegExp][] = [
    [["--dac-bits", "1"], /^scrramble: --dac-bits must be 0 \(ideal\) or >= 2 \(the DAC is signed\), got 1\n/],
    [
      ["--stuck-min", "0.6", "--stuck-max", "0.6"],
      /^scrramble: --stuck-min \+ --stuck-max = 0.6 \+ 0.6: stuck fractions add up to more than 1\n/,
    ],
    [["--stuck-min", "-0.1"], /^scrramble: --stuck-min must be a number >= 0 and <= 1, got "-0.1"\n/],
    [["--g-min", "1", "--g-max", "0.5"], /^scrramble: --g-max must be above --g-min/],
    [["--levels", "1"], /^scrramble: --levels must be 0 \(continuous\) or an integer >= 2, got 1/],
  ];
  for (const [extra, re] of hardwareErrors) {
    const r = run(["eval", "--checkpoint", run1, "--crossbar", "single", ...extra]);
    assert.is(r.code, 2, `${extra.join(" ")}: ${r.err}`);
    assert.match(r.err, re);
  }

  const rep = run(["report", "--checkpoint", run1, "--out", "rep", "--seeds", "3"]);
  assert.is(rep.code, 0, rep.err);
  assert.match(rep.out, /## Reductions/);
  assert.ok(existsSync(join(tmp, "rep", "report.json")) && existsSync(join(tmp, "rep", "report.md")));

  const sw = run([
    "sweep",
    "adc-bits",
    "--checkpoint",
    run1,
    "--baseline",
    join(tmp, "dense"),
    "--values",
    "2,8",
    "--out",
    "sw",
    "--calibration-batches",
    "1",
  ]);
  assert.is(sw.code, 0, sw.err);
  for (const ext of ["csv", "json", "svg"]) assert.ok(existsSync(join(tmp, "sw", `sweep-adc-bits.${ext}`)), ext);
  const res = JSON.parse(readFileSync(join(tmp, "sw", "sweep-adc-bits.json"), "utf8"));
  assert.is(res.series.length, 2);
  assert.is(res.series[0].points.length, 2);
  const pw = run([
    "sweep",
    "p",
    ...SMALL,
    "--values",
    "0.2,0.5",
    "--max-steps",
    "3",
    "--epochs",
    "1",
    "--out",
    "sw",
    "--json",
    "--threads",
    "2",
  ]);
  assert.is(pw.code, 0, pw.err);
  const pj = JSON.parse(pw.out.trim().split("\n").pop()!);
  assert.ok(pj.series[0].points[1].extra.totalBits > pj.series[0].points[0].extra.totalBits, "denser routing moves more bits");
  assert.is(pj.threads, 2, "sweep p keeps the engine's threads for every model it trains");
  assert.is(run(["sweep", "volume", "--checkpoint", run1]).code, 2);
});

test("sweeps on a cluster: 3 shards merged equal the unsharded sweep byte for byte; mixed builds and missing shards refused", () => {
  const args = ["sweep", "p", ...SMALL, "--values", "0.2,0.5", "--seeds", "2", "--max-steps", "3", "--epochs", "1", "--threads", "1"];
  const whole = run([...args, "--out", "shard-all"]);
  assert.is(whole.code, 0, whole.err);
  const again = run([...args, "--out", "shard-all"]);
  assert.is(again.code, 0, again.err);
  assert.is((again.err.match(/\(recorded\)/g) ?? []).length, 4, "a rerun resumes from the task records");
  for (let i = 0; i < 3; i++) {
    const r = run([...args, "--shard", `${i}/3`, "--out", `shard-${i}`]);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /tasks recorded in/);
    assert.not.ok(existsSync(join(tmp, `shard-${i}`, "sweep-p.csv")), "a shard writes records only");
  }
  const missing = run(["merge", "shard-0", "shard-1", "--out", "merged-partial"]);
  assert.is(missing.code, 1);
  assert.match(missing.err, /1 of 4 tasks have no result \(first missing: 2\)/);
  const m = run(["merge", "shard-0", "shard-1", "shard-2", "--out", "merged"]);
  assert.is(m.code, 0, m.err);
  assert.match(m.out, /sweep p: 4 tasks merged/);
  for (const f of ["sweep-p.csv", "sweep-p-runs.csv", "sweep-p.json", "sweep-p.svg"]) {
    const a = readFileSync(join(tmp, "shard-all", f));
    assert.ok(a.length > 100, f);
    assert.ok(a.equals(readFileSync(join(tmp, "merged", f))), `${f} differs after merge`);
  }
  const data = JSON.parse(readFileSync(join(tmp, "merged", "sweep-p.json"), "utf8"));
  assert.equal(Object.keys(data.build), ["kernels", "version"]);
  assert.is(data.series[0].points[0].runs.length, 2);
  const timing = JSON.parse(readFileSync(join(tmp, "shard-all", "sweep-p.run.json"), "utf8"));
  assert.ok(timing.seconds > 0 && timing.threads === 1);
  // a shard made with the other kernel build cannot be merged with the rest
  const simd = run([...args, "--shard", "2/3", "--out", "shard-simd", "--simd", "simd128"]);
  assert.is(simd.code, 0, simd.err);
  const mixed = run(["merge", "shard-0", "shard-1", "shard-simd", "--out", "merged-mixed"]);
  assert.is(mixed.code, 1);
  assert.match(mixed.err, /mixed builds/);
  // other settings into the same folder are refused, nothing overwritten
  const other = run([...args, "--values", "0.3", "--out", "shard-all"]);
  assert.is(other.code, 2);
  assert.match(other.err, /records another sweep p/);
  assert.is(run(["sweep", "p", ...SMALL, "--shard", "3/3"]).code, 2);
});

test("--recipe reference sets the authors' protocol (explicit options win); figures draws connectivity and reconstructions", () => {
  const out = join(tmp, "recipe");
  const r = run(["train", ...SMALL, "--recipe", "reference", "--max-steps", "2", "--lr", "2e-4", "--out", out, "--json", "--threads", "1"]);
  assert.is(r.code, 0, r.err);
  const start = JSON.parse(r.out.split("\n")[0]);
  assert.equal(
    [start.train.lr, start.train.lrSchedule, start.train.shiftedCopies, start.train.copyShift, start.train.shiftMode, start.train.shift],
    [2e-4, "constant", 4, 3, "circular", 0],
  );
  assert.is(start.train.maxSteps, 2, "explicit --max-steps wins over the recipe's 50000");
  assert.is(start.model.reconstruction, 1e-4);
  assert.match(r.err, /recipe reference:.*8-bit grid/);
  const dense = run(["train", "--model", "dense", "--dense-sizes", "1024,64,20", "--group-size", "2", "--recipe", "reference", "--help"]);
  assert.is(dense.code, 0);
  assert.is(run(["train", "--recipe", "fastest"]).code, 2);
  const f = run(["figures", "--checkpoint", out, "--out", "figs2", "--samples", "8"]);
  assert.is(f.code, 0, f.err);
  for (const name of ["connectivity-layer1.svg", "connectivity-layer2.svg", "reconstructions.svg"])
    assert.ok(existsSync(join(tmp, "figs2", name)), name);
  assert.match(readFileSync(join(tmp, "figs2", "reconstructions.svg"), "utf8"), /data:image\/png;base64,/);
  assert.is(run(["figures"]).code, 2);
});

test("--json prints one JSON object per line", () => {
  const r = run(["train", ...SMALL, "--max-steps", "4", "--epochs", "1", "--out", join(tmp, "run2"), "--json"]);
  assert.is(r.code, 0, r.err);
  const lines = r.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.is(lines[0].event, "start");
  assert.is(lines[lines.length - 1].event, "done");
});

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  const dv = new DataView(head.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

test("--data trains on a folder of (gzipped) IDX files; a truncated one is named in the error", () => {
  const dir = join(tmp, "idx");
  const n = 40;
  const imgs = new Uint8Array(n * 784).map((_, i) => (i * 37) % 251);
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  mkdirSync(dir);
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(idx([n, 28, 28], imgs)));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), idx([n], labels));
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), idx([n, 28, 28], imgs));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(idx([n], labels)));
  const r = run(["train", ...SMALL, "--data", dir, "--batch-size", "8", "--epochs", "1", "--val", "8", "--out", join(tmp, "idxrun")]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /on 40 samples/);
  assert.match(r.err, /validation accuracy/);
  const evals = readFileSync(join(tmp, "idxrun", "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((m) => m.event === "eval");
  assert.ok(evals.length > 0 && evals.every((m) => m.split === "validation"));
  assert.match(readFileSync(join(tmp, "idxrun", "curves.svg"), "utf8"), /validation split/);
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), idx([n, 28, 28], imgs).slice(0, 1000));
  const bad = run(["train", ...SMALL, "--data", dir, "--epochs", "1", "--out", join(tmp, "idxrun2")]);
  assert.is(bad.code, 1);
  assert.match(bad.err, /t10k-images-idx3-ubyte.*truncated/);
});

test("routing prints statistics and writes one SVG per layer", () => {
  const r = run(["routing", "--out", "figs"]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /layer 1: 4 -> 50 cores x 4 slots/);
  assert.match(r.out, /balance error \(max \|sum over a destination core\|\) 0/);
  assert.ok(existsSync(join(tmp, "figs", "routing-layer1.svg")) && existsSync(join(tmp, "figs", "routing-layer2.svg")));
});

test("a corrupt checkpoint is refused with exit 1 and the file named", () => {
  const f = join(tmp, "broken.safetensors");
  writeFileSync(f, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const r = run(["eval", "--checkpoint", f]);
  assert.is(r.code, 1);
  assert.match(r.err, /broken\.safetensors/);
  const m = run(["eval", "--checkpoint", join(tmp, "nope")]);
  assert.is(m.code, 1);
  assert.match(m.err, /nope/);
});

test.run();
