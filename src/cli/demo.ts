// `scrramble demo`: the draw-a-digit browser page (demo/) with a bundle made
// from a checkpoint (or a given bundle file), served on 127.0.0.1 with the
// COOP / COEP headers, or written as a folder of static files (--out).

import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleOf, BUNDLE_DEFAULTS } from "../deploy/bundle.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { readFileChecked, writeFileAtomic } from "../node/atomic.js";
import { packageVersion } from "../node/process.js";
import { serveStatic } from "../node/serve.js";
import { choice, num, parseOrHelp, UsageError, type CommandSpec } from "./args.js";
import { asUsage } from "./options.js";

/** The page's files, shipped in the package's demo/ folder. */
export const DEMO_DIR = fileURLToPath(new URL("../../../demo/", import.meta.url));
export const DEMO_FILES = ["index.html", "app.js", "style.css"];

export const DEMO_COMMAND: CommandSpec = {
  name: "demo",
  summary:
    "The draw-a-digit browser demo: draw with mouse or touch, see the prediction and the ten capsule lengths, computed in the " +
    "page by the exported bundle. Serves it on 127.0.0.1 (with COOP / COEP headers), or writes a folder of static files.",
  usage: "scrramble demo --checkpoint DIR|--bundle model.mjs [--port N] [--out DIR]",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "run folder or .safetensors file (bundled on the fly)" },
    bundle: { type: "string", arg: "FILE", help: "an exported bundle (.mjs) to serve as is (it runs in the browser)" },
    weights: { type: "string", arg: "W", default: "int8", help: "weights of the bundle made from --checkpoint: int8 | f32" },
    port: { type: "string", arg: "N", default: "8080", help: "port (0 = any free port)" },
    host: { type: "string", arg: "H", default: "127.0.0.1", help: "address to listen on" },
    out: { type: "string", arg: "DIR", help: "write the page and model.mjs into DIR (any static server can serve it) instead of serving" },
  },
  examples: [
    "scrramble demo --checkpoint runs/scr",
    "scrramble demo --bundle model.mjs --port 9000",
    "scrramble demo --checkpoint runs/scr --out site && cd site && python3 -m http.server",
  ],
};

export async function demoCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(DEMO_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  if ((typeof v.checkpoint === "string") === (typeof v.bundle === "string"))
    throw new UsageError("demo: give exactly one of --checkpoint DIR (a trained run) and --bundle model.mjs");
  const weights = choice(v, "weights", ["int8", "f32"] as const);
  const port = num(v, "port", { int: true, min: 0, max: 65535 });
  let source: string;
  if (typeof v.bundle === "string") source = new TextDecoder().decode(readFileChecked(v.bundle));
  else {
    const { model } = readCheckpoint(v.checkpoint as string);
    source = asUsage(() => bundleOf(model, { ...BUNDLE_DEFAULTS, weights, writer: `scrramble ${packageVersion()}` })).source;
  }
  if (typeof v.out === "string") {
    mkdirSync(v.out, { recursive: true });
    for (const f of DEMO_FILES) copyFileSync(join(DEMO_DIR, f), join(v.out, f));
    writeFileAtomic(join(v.out, "model.mjs"), source);
    process.stdout.write(`wrote the demo to ${v.out}/ (${DEMO_FILES.join(", ")}, model.mjs); serve it over HTTP, e.g.\n`);
    process.stdout.write(`  cd ${v.out} && python3 -m http.server 8080     # then open http://127.0.0.1:8080/\n`);
    return 0;
  }
  readFileSync(join(DEMO_DIR, "index.html")); // fail early, naming the file, if the package lost its demo folder
  const { server, url } = await serveStatic({ root: DEMO_DIR, files: { "/model.mjs": source }, port, host: v.host as string });
  process.stdout.write(`scrramble demo: ${url}  (cross-origin isolated; Ctrl-C stops)\n`);
  await new Promise<void>((done) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => done());
  });
  server.close();
  return 0;
}
