// Mechanical layering rules of docs/architecture.md, checked on the compiled
// modules (the import graph that really runs, type-only imports erased): who
// may import node:*, which folder may import which, no import cycles, and the
// forward-only closure of src/infer.ts. Also: no TS enums or parameter
// properties in src/ (keeps it runnable by type stripping).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(dist, "..");

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** Runtime imports of a compiled module: static, re-exports and dynamic import(). */
function importsOf(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The module graph of dist/src: "src/x/y" (no extension) -> its imports (modules or node:*). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files(join(dist, "src"), ".js")) {
    const id = relative(dist, f).replace(/\.js$/, "");
    const deps = importsOf(readFileSync(f, "utf8")).map((spec) =>
      spec.startsWith(".") ? relative(dist, resolve(dirname(f), spec)).replace(/\.js$/, "") : spec,
    );
    g.set(id, deps);
  }
  return g;
}

const G = graph();
const inDir = (id: string, ...dirs: string[]) => dirs.some((d) => id === d || id.startsWith(`${d}/`));
const local = (dep: string) => dep.startsWith("src/");

/** Every (module, import) pair that breaks a rule: importer in `from`, import matching `bad`. */
function offenders(from: (id: string) => boolean, bad: (dep: string, id: string) => boolean): string[] {
  const out: string[] = [];
  for (const [id, deps] of G) if (from(id)) for (const d of deps) if (bad(d, id)) out.push(`${id} -> ${d}`);
  return out;
}

function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of G.get(id) ?? []) if (local(d) || d.startsWith("node:")) stack.push(d);
  }
  return seen;
}

test("the graph is read: the library has its modules and imports", () => {
  assert.ok(G.size > 40, `${G.size} modules`);
  assert.ok(G.get("src/index")!.length > 20);
  // The reader sees each import form, and erased type-only imports are absent.
  assert.equal(importsOf(`import { a } from "./a.js";\nexport * from "./b.js";\nimport "./c.js";\nconst d = await import("./d.js");`), [
    "./a.js",
    "./b.js",
    "./c.js",
    "./d.js",
  ]);
});

test("only src/node/ and src/cli/ import node:*", () => {
  assert.equal(
    offenders(
      (id) => !inDir(id, "src/node", "src/cli"),
      (d) => d.startsWith("node:"),
    ),
    [],
  );
});

test("src/wasm/ imports only src/wasm/; engine.ts only wasm/", () => {
  assert.equal(
    offenders(
      (id) => inDir(id, "src/wasm"),
      (d) => local(d) && !inDir(d, "src/wasm"),
    ),
    [],
  );
  assert.equal(
    offenders(
      (id) => id === "src/engine",
      (d) => local(d) && !inDir(d, "src/wasm"),
    ),
    [],
  );
});

test("nothing imports the commands; only commands import scrramble/node", () => {
  assert.equal(
    offenders(
      (id) => !inDir(id, "src/cli"),
      (d) => inDir(d, "src/cli"),
    ),
    [],
  );
  assert.equal(
    offenders(
      (id) => !inDir(id, "src/cli", "src/node"),
      (d) => inDir(d, "src/node"),
    ),
    [],
  );
});

test("the training path never imports the simulation", () => {
  const training = ["src/train", "src/nn", "src/optim", "src/data", "src/ops", "src/autograd", "src/routing", "src/io"];
  assert.equal(
    offenders(
      (id) => inDir(id, ...training),
      (d) => inDir(d, "src/sim"),
    ),
    [],
  );
});

test("models import no data, training, optimiser, checkpoint or simulation code", () => {
  assert.equal(
    offenders(
      (id) => inDir(id, "src/nn"),
      (d) => inDir(d, "src/data", "src/train", "src/optim", "src/io", "src/sim"),
    ),
    [],
  );
});

test("only autograd/backward imports the rules; ops record through the rule-free tape", () => {
  assert.equal(
    offenders(
      (id) => id !== "src/autograd/backward",
      (d) => d === "src/autograd/rules",
    ),
    [],
  );
  assert.equal(
    offenders(
      (id) => inDir(id, "src/ops"),
      (d) => d === "src/autograd/backward" || d === "src/autograd/rules",
    ),
    [],
  );
  assert.equal(
    offenders(
      (id) => inDir(id, "src/autograd"),
      (d) => inDir(d, "src/ops", "src/nn"),
    ),
    [],
  );
});

test("no import cycles in src/", () => {
  const state = new Map<string, number>(); // 1 visiting, 2 done
  const cycles: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) {
      cycles.push([...path.slice(path.indexOf(id)), id].join(" -> "));
      return;
    }
    state.set(id, 1);
    for (const d of G.get(id) ?? []) if (local(d)) visit(d, [...path, id]);
    state.set(id, 2);
  };
  for (const id of G.keys()) visit(id, []);
  assert.equal(cycles, []);
});

test("the forward-only entry (src/infer) imports no rules, optimiser, data, training, simulation or node:*", () => {
  const c = closure("src/infer");
  assert.ok(c.has("src/io/checkpoint") && c.has("src/nn/registry") && c.has("src/ops/scrramble"), "the closure reaches the models");
  const forbidden = [...c].filter(
    (id) =>
      id.startsWith("node:") ||
      id === "src/autograd/rules" ||
      id === "src/autograd/backward" ||
      inDir(id, "src/optim", "src/data", "src/train", "src/sim", "src/node", "src/cli"),
  );
  assert.equal(forbidden, []);
});

test("the edge bundle's runtime imports nothing at run time (it is inlined into every bundle)", () => {
  assert.ok(G.has("src/deploy/bundle-runtime"));
  assert.equal(G.get("src/deploy/bundle-runtime"), []);
});

test("a forbidden import is caught: the closure check fails on the full library", () => {
  const c = closure("src/index");
  assert.ok(c.has("src/autograd/rules") && c.has("src/sim/crossbar") && c.has("src/optim/adam"));
});

test("every code line fits in 140 characters (prettier's print width; assembly/ is kept by hand)", () => {
  const code = ["src", "test", "bench", "assembly", "scripts"].flatMap((d) => [
    ...files(join(root, d), ".ts"),
    ...files(join(root, d), ".mjs"),
  ]);
  const long = code
    .filter((f) => !f.endsWith(".generated.ts"))
    .flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .flatMap((line, i) => (line.length > 140 ? [`${relative(root, f)}:${i + 1} (${line.length})`] : [])),
    );
  assert.ok(code.length > 60);
  assert.equal(long, []);
});

test("no enum and no parameter properties in src/", () => {
  const bad = files(join(root, "src"), ".ts").filter((f) => {
    const s = readFileSync(f, "utf8");
    return /^\s*(export\s+)?(const\s+)?enum\s/m.test(s) || /constructor\([^)]*\b(public|private|protected|readonly)\s+\w+/.test(s);
  });
  assert.equal(
    bad.map((f) => relative(root, f)),
    [],
  );
});

test.run();
