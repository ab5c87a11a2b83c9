// The package as a user installs it: pack the built tree (--ignore-scripts),
// install the tarball offline into an empty project (its dependency from the
// npm cache, pinned by a lock file as ours pins it), then
// import "scrramble", "scrramble/node" and "scrramble/infer" by name, run them
// (worker threads, an IDX folder, a forward pass) and type-check a TypeScript
// user of the same entries against the shipped declarations.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "scrramble-pkg-"));
const app = join(tmp, "app");
const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

test("the packed tarball installs offline and its three entries import by name", () => {
  npm(["pack", "--ignore-scripts", "--pack-destination", tmp], root);
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote a tarball");
  mkdirSync(app);
  const spec = `file:../${tarball}`;
  const integrity =
    "sha512-" +
    createHash("sha512")
      .update(readFileSync(join(tmp, tarball!)))
      .digest("base64");
  const ours = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages;
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
  const deps = pkg.dependencies;
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { scrramble: spec } },
    "node_modules/scrramble": { version: pkg.version, resolved: spec, integrity, dependencies: deps },
  };
  for (const name of Object.keys(deps)) {
    const { version, resolved, integrity: i } = ours[`node_modules/${name}`];
    packages[`node_modules/${name}`] = { version, resolved, integrity: i };
  }
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module", dependencies: { scrramble: spec } }),
  );
  writeFileSync(join(app, "package-lock.json"), JSON.stringify({ name: "app", lockfileVersion: 3, requires: true, packages }));
  npm(["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], app);

  const data = join(app, "idx");
  mkdirSync(data);
  const n = 12;
  const images = new Uint8Array(n * 784).map((_, i) => (i * 13) % 256);
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  for (const split of ["train", "t10k"]) {
    writeFileSync(join(data, `${split}-images-idx3-ubyte`), idx([n, 28, 28], images));
    writeFileSync(join(data, `${split}-labels-idx1-ubyte`), idx([n], labels));
  }
  writeFileSync(
    join(app, "main.mjs"),
    `import { spawnNodeWorker, loadIdxDir, runPosted } from "scrramble/node";
import { initEngine, engine, createModel, Tensor, noGrad } from "scrramble";
import { predict } from "scrramble/infer";
initEngine({ threads: 2, spawnWorker: spawnNodeWorker });
const { train } = await loadIdxDir(${JSON.stringify(data)});
const model = createModel("scrramble-mlp", { cores: [4, 3, 10], coreSize: 16, slotSize: 4 });
const { label, scores } = predict(model, train.images.subarray(0, 784));
console.log(JSON.stringify({ threads: engine().threads, n: train.n, label, classes: scores.length, runPosted: typeof runPosted }));
engine().pool.close();
`,
  );
  const out = JSON.parse(execFileSync(process.execPath, ["main.mjs"], { cwd: app, encoding: "utf8" }).trim());
  assert.equal(out, { threads: 2, n, label: out.label, classes: 10, runPosted: "function" });
  assert.ok(out.label >= 0 && out.label < 10);
});

test("the shipped declarations type-check a TypeScript user of scrramble/node", () => {
  writeFileSync(
    join(app, "user.ts"),
    `import {
  spawnNodeWorker,
  loadIdxDir,
  loadBundledMnist,
  readCheckpoint,
  type SpawnWorker,
  type WorkerInit,
  type DataSplits,
} from "scrramble/node";
import { initEngine, type Model } from "scrramble";
import { predict } from "scrramble/infer";
const spawn: SpawnWorker = spawnNodeWorker;
const init: ((i: WorkerInit) => unknown) | null = null;
export async function main(dir: string): Promise<number> {
  initEngine({ threads: 2, spawnWorker: spawn });
  const { train } = await loadIdxDir(dir, { classes: 10 });
  const m: Model = readCheckpoint("run").model;
  const s: DataSplits | null = null;
  return train.n + predict(m, loadBundledMnist().test.images.subarray(0, 784)).label + (init ? 1 : 0) + (s ? 1 : 0);
}
`,
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const args = [
    "--noEmit",
    "--strict",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--lib",
    "es2022,dom",
    "user.ts",
  ];
  execFileSync(process.execPath, [tsc, ...args], { cwd: app, encoding: "utf8" });
  // A wrong use is caught, so the check above can fail.
  writeFileSync(join(app, "wrong.ts"), `import { loadIdxDir } from "scrramble/node";\nconst n: string = loadIdxDir;\nexport { n };\n`);
  assert.throws(() =>
    execFileSync(process.execPath, [tsc, ...args.slice(0, -1), "wrong.ts"], { cwd: app, encoding: "utf8", stdio: "pipe" }),
  );
});

test("dist/src/cli/threads.js still exports spawnNodeWorker (scripts outside the package import it by path)", async () => {
  const old = await import("../src/cli/threads.js");
  const now = await import("../src/node/index.js");
  assert.is(old.spawnNodeWorker, now.spawnNodeWorker);
});

test.run();
