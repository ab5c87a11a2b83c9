// Runs smoke.js under Node, Deno and Bun (both installed from npm as dev
// dependencies) and checks that all three import the library, compute the same
// matmul + backward, and draw the same RNG stream and routing to the bit (Deno
// and Bun also run kernel threads as Web Workers). Then exports one edge bundle
// (int8) and checks that the same file gives the same predictions in all three.
// Exits non-zero on any difference or failure.

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createModel } from "../../src/nn/registry.js";
import { bundleOf, BUNDLE_DEFAULTS } from "../../src/deploy/bundle.js";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const script = join(here, "smoke.js");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

const runs: [string, string, string[]][] = [
  ["node", process.execPath, [script]],
  ["deno", bin("deno"), ["run", "--allow-read", script]],
  ["bun", bin("bun"), [script]],
];

let failed = 0;
let reference: { loss: number; gradA: number[]; gradB: number[]; stream: number[]; routingHash: number } | null = null;
for (const [name, cmd, args] of runs) {
  try {
    const out = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      .trim()
      .split("\n")
      .pop()!;
    const r = JSON.parse(out);
    reference ??= r;
    const same =
      Math.abs(r.loss - reference!.loss) < 1e-5 &&
      r.gradA.every((v: number, i: number) => Math.abs(v - reference!.gradA[i]) < 1e-5) &&
      r.gradB.every((v: number, i: number) => Math.abs(v - reference!.gradB[i]) < 1e-5);
    if (!same) throw new Error(`result differs from node: ${out}`);
    if (JSON.stringify(r.stream) !== JSON.stringify(reference!.stream))
      throw new Error(`RNG stream differs from node: ${JSON.stringify(r.stream)}`);
    if (r.routingHash !== reference!.routingHash)
      throw new Error(`routing differs from node (hash ${r.routingHash} vs ${reference!.routingHash})`);
    if (/DIFFERENT/.test(r.webWorkers) || (name !== "node" && !/^2 threads.*: identical$/.test(r.webWorkers)))
      throw new Error(`Web Worker threads: ${r.webWorkers}`);
    console.log(
      `  runtime ${name}: ok (${r.variant} kernels, loss ${r.loss.toFixed(6)}, ` +
        `RNG stream and routing (${r.routes} routes, hash ${r.routingHash}) identical; Web Worker kernel threads: ${r.webWorkers})`,
    );
  } catch (e) {
    failed++;
    console.log(`  runtime ${name}: FAILED ${(e as Error).message.split("\n").slice(0, 4).join(" | ")}`);
  }
}
// One bundle file, three runtimes: the same labels and scores to the bit.
const dir = mkdtempSync(join(tmpdir(), "scrramble-bundle-smoke-"));
const bundleFile = join(dir, "model.mjs");
const model = createModel("scrramble-mlp", { cores: [4, 12, 10], coreSize: 256, slotSize: 64, init: "glorot-core", routingSeed: 2 });
writeFileSync(bundleFile, bundleOf(model, { ...BUNDLE_DEFAULTS, weights: "int8" }).source);
const bundleScript = join(here, "bundle-smoke.js");
const bundleRuns: [string, string, string[]][] = [
  ["node", process.execPath, [bundleScript, bundleFile]],
  ["deno", bin("deno"), ["run", "--allow-read", bundleScript, bundleFile]],
  ["bun", bin("bun"), [bundleScript, bundleFile]],
];
let first: string | null = null;
for (const [name, cmd, args] of bundleRuns) {
  try {
    const out = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      .trim()
      .split("\n")
      .pop()!;
    const r = JSON.parse(out);
    first ??= out;
    if (out !== first) throw new Error(`bundle output differs from node: ${out.slice(0, 200)}`);
    console.log(`  bundle in ${name}: ok (labels ${r.labels.join(" ")}, scores identical to node)`);
  } catch (e) {
    failed++;
    console.log(`  bundle in ${name}: FAILED ${(e as Error).message.split("\n").slice(0, 4).join(" | ")}`);
  }
}
const total = runs.length + bundleRuns.length;
console.log(`runtimes: ${total - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
