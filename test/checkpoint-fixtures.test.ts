// Checkpoints written by release 0.1.0 (test/fixtures/checkpoints-v1, see its
// README, format version 1) still load through the explicit migration, with the
// same kind and config, evaluate to the accuracy that release measured on the
// bundled test split, and saved again as version 2 give the same results.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCheckpoint, saveCheckpoint } from "../src/io/checkpoint.js";
import { evaluate } from "../src/train/evaluate.js";
import { loadBundledMnist } from "../src/node/data-files.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "fixtures", "checkpoints-v1");
const { test: digits } = loadBundledMnist();

const fixtures: [string, string, number, number][] = [
  ["scrramble-mlp.safetensors", "scrramble-mlp", 0.644, 0.30871812],
  ["scrramble-mlp-qrelu.safetensors", "scrramble-mlp", 0.4165, 0.46155036],
  ["dense-baseline.safetensors", "dense-baseline", 0.7055, 1.04565357],
];

for (const [file, kind, accuracy, loss] of fixtures) {
  test(`${file} (release 0.1.0) loads and evaluates as it did`, () => {
    const { model, metadata, step } = loadCheckpoint(readFileSync(join(dir, file)), file);
    assert.is(model.kind, kind);
    assert.is(metadata.version, "1");
    assert.is(step, null);
    const r = evaluate(model, digits);
    assert.is(r.accuracy, accuracy);
    assert.ok(Math.abs(r.loss - loss) < 1e-6, `loss ${r.loss} vs ${loss}`);
    const again = loadCheckpoint(saveCheckpoint(model, metadata), `${file} (saved again)`);
    assert.is(again.metadata.version, "2");
    assert.equal(again.model.config, model.config);
    const r2 = evaluate(again.model, digits);
    assert.equal(Array.from(r2.predictions), Array.from(r.predictions));
    assert.is(r2.loss, r.loss);
  });
}

test("the qrelu fixture keeps its activation and ADC settings", () => {
  const { model } = loadCheckpoint(readFileSync(join(dir, "scrramble-mlp-qrelu.safetensors")), "q");
  assert.equal(
    { ...(model.config as Record<string, unknown>) },
    { ...(model.config as Record<string, unknown>), activation: "qrelu", adcBits: 3, adcMax: 2, init: "glorot-core" },
  );
});

test.run();
