// The README's library example runs as written: the first js block of
// "## The library" is saved inside the package (so "scrramble" and
// "scrramble/node" resolve to this build by name) and run in a scratch folder.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

test("the README library example trains, simulates and writes a report", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## The library"));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, "the section has a js block");
  const file = join(here, "readme-example.mjs");
  writeFileSync(file, block![1]);
  const cwd = mkdtempSync(join(tmpdir(), "scrramble-readme-"));
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  const out = execFileSync(process.execPath, [file], { cwd, env, encoding: "utf8" });
  const digital = Number(/digital accuracy ([\d.]+)/.exec(out)?.[1]);
  const chip = Number(/4-bit ADC ([\d.]+)/.exec(out)?.[1]);
  assert.ok(digital > 0.9, `one epoch of the default model: ${out}`);
  assert.ok(chip > 0.5 && chip <= 1, `simulated accuracy: ${out}`);
  assert.ok(existsSync(join(cwd, "report.md")));
  assert.match(readFileSync(join(cwd, "report.md"), "utf8"), /## Reductions/);
});

test.run();
