// Runs smoke.js under Node, Deno and Bun (both installed from npm as dev
// dependencies) and checks that all three import the library, compute the same
// matmul + backward, and draw the same RNG stream and routing to the bit.
// Exits non-zero on any difference or failure.

import { execFileSync } from "node:child_process";
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
    console.log(
      `  runtime ${name}: ok (${r.variant} kernels, loss ${r.loss.toFixed(6)}, ` +
        `RNG stream and routing (${r.routes} routes, hash ${r.routingHash}) identical)`,
    );
  } catch (e) {
    failed++;
    console.log(`  runtime ${name}: FAILED ${(e as Error).message.split("\n").slice(0, 4).join(" | ")}`);
  }
}
console.log(`runtimes: ${runs.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
