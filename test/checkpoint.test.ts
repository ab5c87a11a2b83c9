// Checkpoints: a saved model reloads with identical predictions (ScRRAMBLe MLP
// with its routing, and the dense baseline); corrupt or mismatched files, stored
// configs with a missing or invalid key, weights that are not finite and
// unknown versions are refused with a message naming the file, never a crash.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep } from "../src/engine.js";
import { Tensor } from "../src/tensor.js";
import { noGrad } from "../src/autograd/tape.js";
import { ScrrambleMlp, SCRRAMBLE_MLP_DEFAULTS } from "../src/nn/scrramble-mlp.js";
import { DenseBaseline } from "../src/nn/dense-baseline.js";
import type { Model } from "../src/nn/model.js";
import { saveCheckpoint, loadCheckpoint, CHECKPOINT_VERSION } from "../src/io/checkpoint.js";
import { decodeSafetensors, encodeSafetensors } from "../src/io/safetensors.js";
import { randomArray } from "./helpers/reference.js";

const small = {
  ...SCRRAMBLE_MLP_DEFAULTS,
  cores: [4, 6, 10],
  coreSize: 32,
  slotSize: 8,
  routingSeed: 3,
  initSeed: 4,
  init: "glorot-core" as const,
};

function scores(m: Model, x: Float32Array, B: number): Float32Array {
  return noGrad(() => {
    const s = m.scores(Tensor.from(x, [B, m.inputSize])).toArray();
    endStep();
    return s;
  });
}

test("ScRRAMBLe MLP: save -> load gives identical scores and the same routing", () => {
  endStep();
  const a = new ScrrambleMlp(small);
  const x = randomArray(5 * a.inputSize, { s: 1 }, 0, 1);
  const bytes = saveCheckpoint(a, { note: "test" });
  const { model: b, metadata } = loadCheckpoint(bytes, "a.safetensors");
  assert.is(metadata.note, "test");
  assert.is(metadata.routingSeed, "3");
  assert.equal(Array.from(scores(b, x, 5)), Array.from(scores(a, x, 5)));
  const rb = (b as ScrrambleMlp).layers.map((l) => Array.from(l.routing.coef));
  assert.equal(
    rb,
    a.layers.map((l) => Array.from(l.routing.coef)),
  );
});

test("the loaded routing is the stored one, not regenerated from the seed", () => {
  endStep();
  const a = new ScrrambleMlp(small);
  const file = decodeSafetensors(saveCheckpoint(a), "x");
  // Change the recorded seed: the stored arrays must still be used.
  file.metadata.config = JSON.stringify({ ...a.config, routingSeed: 999 });
  const { model: b } = loadCheckpoint(encodeSafetensors(file.tensors, file.metadata), "x");
  const x = randomArray(3 * a.inputSize, { s: 2 }, 0, 1);
  assert.equal(Array.from(scores(b, x, 3)), Array.from(scores(a, x, 3)));
});

test("dense baseline round trip", () => {
  endStep();
  const a = new DenseBaseline({ sizes: [16, 12, 30], classes: 3, groupSize: 10, bias: true, initSeed: 1 });
  const { model: b } = loadCheckpoint(saveCheckpoint(a), "d.safetensors");
  const x = randomArray(4 * 16, { s: 3 });
  assert.equal(Array.from(scores(b, x, 4)), Array.from(scores(a, x, 4)));
});

test("corrupt, truncated and mismatched checkpoints are refused with the file name", () => {
  endStep();
  const a = new ScrrambleMlp(small);
  const good = saveCheckpoint(a);
  const name = "runs/x/model.safetensors";
  const bad: [string, Uint8Array, RegExp][] = [];
  bad.push(["truncated", good.slice(0, good.length - 100), /runs\/x\/model\.safetensors/]);
  const huge = good.slice();
  new DataView(huge.buffer).setUint32(0, 0xfffffff0, true);
  bad.push(["bad header length", huge, /header/]);
  bad.push(["tiny", good.slice(0, 5), /8-byte/]);
  const file = decodeSafetensors(good, name);
  const wrongShape = {
    ...file.tensors,
    "layers.0.weight": { dtype: "F32" as const, shape: [6, 32, 16], data: new Float32Array(6 * 32 * 16) },
  };
  bad.push(["shape mismatch", encodeSafetensors(wrongShape, file.metadata), /layers\.0\.weight/]);
  const wrongDtype = {
    ...file.tensors,
    "routing.0.coef": {
      dtype: "F32" as const,
      shape: file.tensors["routing.0.coef"].shape,
      data: new Float32Array(file.tensors["routing.0.coef"].data.length),
    },
  };
  bad.push(["routing dtype", encodeSafetensors(wrongDtype, file.metadata), /routing\.0\.coef.*I32/]);
  bad.push(["not ours", encodeSafetensors(file.tensors, { format: "other" }), /not a scrramble checkpoint/]);
  bad.push(["bad config", encodeSafetensors(file.tensors, { ...file.metadata, config: "{" }), /config/]);
  const missing = { ...file.tensors };
  delete (missing as Record<string, unknown>)["routing.1.srcSlot"];
  bad.push(["missing routing", encodeSafetensors(missing, file.metadata), /routing\.1\.srcSlot/]);
  for (const [what, bytes, re] of bad) {
    try {
      loadCheckpoint(bytes, name);
      assert.unreachable(`${what}: accepted`);
    } catch (e) {
      const msg = (e as Error).message;
      assert.ok(!(e instanceof RangeError), `${what}: RangeError ${msg}`);
      assert.ok(msg.includes(name), `${what}: message lacks the file name: ${msg}`);
      assert.match(msg, re, `${what}: ${msg}`);
    }
    endStep();
  }
});

test("a stored config is checked key by key: missing, invalid and unknown keys are refused by name", () => {
  endStep();
  const file = decodeSafetensors(
    saveCheckpoint(new DenseBaseline({ sizes: [16, 12, 30], classes: 3, groupSize: 10, bias: true, initSeed: 1 })),
    "d.safetensors",
  );
  const config = JSON.parse(file.metadata.config);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...config, groupSize: undefined }, /key "groupSize" is missing/],
    [{ ...config, groupSize: 0 }, /key "groupSize" must be an integer >= 1, got 0/],
    [{ ...config, groupSize: 1.5 }, /key "groupSize" must be an integer >= 1, got 1.5/],
    [{ ...config, groupSize: -1 }, /key "groupSize" must be an integer >= 1, got -1/],
    [{ ...config, classes: undefined }, /key "classes" is missing/],
    [{ ...config, extra: 1 }, /unknown key "extra"/],
  ];
  for (const [c, re] of cases) {
    const bytes = encodeSafetensors(file.tensors, { ...file.metadata, config: JSON.stringify(c) });
    assert.throws(
      () => loadCheckpoint(bytes, "d.safetensors"),
      (e: Error) => re.test(e.message) && e.message.startsWith("d.safetensors"),
    );
    endStep();
  }
});

test("a qrelu model without activation, a 5-class model without classes: refused by key, for version 2 and version 1 files", () => {
  endStep();
  const q = new ScrrambleMlp({ ...small, activation: "qrelu", adcBits: 3, adcMax: 2, classes: 5, cores: [4, 6, 5] });
  const file = decodeSafetensors(saveCheckpoint(q), "q.safetensors");
  const config = JSON.parse(file.metadata.config);
  for (const version of [CHECKPOINT_VERSION, "1"]) {
    for (const key of ["activation", "classes", "adcBits", "init"]) {
      const c = { ...config };
      delete c[key];
      const md = { ...file.metadata, version, config: JSON.stringify(c) };
      assert.throws(
        () => loadCheckpoint(encodeSafetensors(file.tensors, md), "q.safetensors"),
        (e: Error) => e.message.startsWith("q.safetensors") && e.message.includes(`key "${key}" is missing`),
        `version ${version} without ${key}`,
      );
      endStep();
    }
  }
  const ok = loadCheckpoint(encodeSafetensors(file.tensors, { ...file.metadata, version: "1" }), "q.safetensors");
  assert.is(ok.model.classes, 5);
  assert.is((ok.model.config as { activation: string }).activation, "qrelu");
  assert.is(ok.step, null, "a version 1 file records no step");
});

test("keys added since version 1 (dense bias) are filled for version 1 files only", () => {
  endStep();
  const file = decodeSafetensors(
    saveCheckpoint(new DenseBaseline({ sizes: [16, 12, 30], classes: 3, groupSize: 10, bias: true, initSeed: 1 })),
    "b.safetensors",
  );
  const config = JSON.parse(file.metadata.config);
  delete config.bias;
  const v1 = loadCheckpoint(
    encodeSafetensors(file.tensors, { ...file.metadata, version: "1", config: JSON.stringify(config) }),
    "b.safetensors",
  );
  assert.is((v1.model.config as { bias: boolean }).bias, true);
  endStep();
  assert.throws(
    () => loadCheckpoint(encodeSafetensors(file.tensors, { ...file.metadata, config: JSON.stringify(config) }), "b.safetensors"),
    /^b\.safetensors: config: key "bias" is missing/,
  );
  endStep();
});

test("version 2 records the step; unknown versions and bad steps are refused", () => {
  endStep();
  const a = new DenseBaseline({ sizes: [16, 12, 30], classes: 3, groupSize: 10, initSeed: 1, bias: true });
  const bytes = saveCheckpoint(a, {}, { step: 1234 });
  const loaded = loadCheckpoint(bytes, "d.safetensors");
  assert.is(loaded.metadata.version, "2");
  assert.is(loaded.step, 1234);
  assert.is(loadCheckpoint(saveCheckpoint(a), "d.safetensors").step, 0);
  assert.throws(() => saveCheckpoint(a, {}, { step: -1 }), /step must be a non-negative integer/);
  const file = decodeSafetensors(bytes, "d.safetensors");
  const cases: [Record<string, string>, RegExp][] = [
    [{ ...file.metadata, version: "3" }, /checkpoint version "3" \(written by a newer scrramble\); this library reads versions 1, 2/],
    [{ ...file.metadata, version: "0" }, /checkpoint version "0"; this library reads/],
    [{ format: file.metadata.format, kind: file.metadata.kind, config: file.metadata.config, step: "1" }, /checkpoint version undefined/],
    [{ ...file.metadata, step: "x" }, /metadata "step" must be a non-negative integer, got "x"/],
    [{ ...file.metadata, step: "-3" }, /metadata "step"/],
    [
      Object.fromEntries(Object.entries(file.metadata).filter(([k]) => k !== "step")),
      /metadata "step" must be a non-negative integer, got undefined/,
    ],
  ];
  for (const [md, re] of cases) {
    assert.throws(
      () => loadCheckpoint(encodeSafetensors(file.tensors, md), "d.safetensors"),
      (e: Error) => e.message.startsWith("d.safetensors: ") && re.test(e.message),
      JSON.stringify(md.version),
    );
    endStep();
  }
});

test("a weight that is not finite is refused, naming the tensor", () => {
  endStep();
  const a = new ScrrambleMlp(small);
  const file = decodeSafetensors(saveCheckpoint(a), "n.safetensors");
  for (const [key, at, bad] of [
    ["layers.0.weight", 17, NaN],
    ["layers.1.weight", 0, Infinity],
    ["layers.1.weight", 5000, -Infinity],
  ] as const) {
    const data = (file.tensors[key].data as Float32Array).slice();
    data[at] = bad;
    const tensors = { ...file.tensors, [key]: { ...file.tensors[key], data } };
    assert.throws(
      () => loadCheckpoint(encodeSafetensors(tensors, file.metadata), "n.safetensors"),
      (e: Error) =>
        e.message === `n.safetensors: tensor "${key}" holds a value that is not finite (${bad} at index ${at}); the weights are unusable`,
      `${key} ${bad}`,
    );
    endStep();
  }
});

test.run();
