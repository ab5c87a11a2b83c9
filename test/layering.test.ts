// Mechanical layering rules: only src/cli/ imports node:* (the library must run
// unchanged in Deno, Bun and browsers), and src/ uses no TS enums or parameter
// properties (keeps it runnable by type stripping).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}
const src = files(join(root, "src"));

test("only src/cli/ imports node:* modules", () => {
  assert.ok(src.length > 20);
  const offenders = src.filter((f) => !relative(root, f).startsWith(join("src", "cli")) && /from\s+["']node:/.test(readFileSync(f, "utf8")));
  assert.equal(offenders.map((f) => relative(root, f)), []);
});

test("no enum and no parameter properties in src/", () => {
  const bad = src.filter((f) => {
    const s = readFileSync(f, "utf8");
    return /^\s*(export\s+)?(const\s+)?enum\s/m.test(s) || /constructor\([^)]*\b(public|private|protected|readonly)\s+\w+/.test(s);
  });
  assert.equal(bad.map((f) => relative(root, f)), []);
});

test.run();
