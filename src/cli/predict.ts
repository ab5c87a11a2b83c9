// `scrramble predict`: classify image files (PNG, PGM, raw 28 x 28 bytes, IDX)
// with a checkpoint (the forward-only library) or an exported bundle (which is
// code: it is imported and run). One line per image with the label and the top
// three scores, or one JSON object per image with --json.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { predictBatch } from "../infer.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { asDigit, readImages } from "../node/images.js";
import { choice, parseOrHelp, UsageError, type CommandSpec } from "./args.js";

export const PREDICT_COMMAND: CommandSpec = {
  name: "predict",
  summary:
    "Classify images with a checkpoint or an exported bundle: PNG (8-bit greyscale or RGB), PGM, raw 28 x 28 bytes, or IDX " +
    "image files (optionally gzipped). Prints one line per image: the label and the top three scores.",
  usage: "scrramble predict --checkpoint DIR|--bundle model.mjs [--json] [--invert auto|yes|no] INPUT...",
  positionals: Infinity,
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "run folder (holding model.safetensors) or a .safetensors file" },
    bundle: {
      type: "string",
      arg: "FILE",
      help: "an exported bundle (.mjs). A bundle is code: this option imports and RUNS the file, so give only bundles you trust",
    },
    invert: {
      type: "string",
      arg: "I",
      default: "auto",
      help: "make digits light on dark as in MNIST: auto (invert when the image border is light) | yes | no",
    },
    top: { type: "string", arg: "K", default: "3", help: "scores shown per image" },
    json: { type: "boolean", help: "one JSON object per image (input, label, top scores, all scores)" },
  },
  examples: [
    "scrramble predict --checkpoint runs/scr digit.png seven.pgm",
    "scrramble predict --bundle model.mjs --json t10k-images-idx3-ubyte.gz",
  ],
};

interface Classifier {
  inputSize: number;
  classes: number;
  predictBatch(pixels: Uint8Array, n: number, g?: { height: number; width: number }): { labels: Int32Array; scores: Float32Array };
}

async function classifier(v: Record<string, string | boolean | undefined>): Promise<Classifier> {
  if (typeof v.bundle === "string") {
    // A bundle is code: importing it runs it (documented in --help and the README).
    let mod: { load?: () => Promise<Classifier> };
    try {
      mod = (await import(pathToFileURL(resolve(v.bundle)).href)) as typeof mod;
    } catch (e) {
      throw new Error(`${v.bundle}: cannot import the bundle (${(e as Error).message.split("\n")[0]})`);
    }
    if (typeof mod.load !== "function") throw new Error(`${v.bundle}: not a scrramble bundle (it exports no load function)`);
    return mod.load();
  }
  const { model } = readCheckpoint(v.checkpoint as string);
  return {
    inputSize: model.inputSize,
    classes: model.classes,
    predictBatch: (px, n, g) => predictBatch(model, px, n, g && { ...g, channels: 1 }),
  };
}

export async function predictCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(PREDICT_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v, positionals } = parsed;
  if ((typeof v.checkpoint === "string") === (typeof v.bundle === "string"))
    throw new UsageError("predict: give exactly one of --checkpoint DIR and --bundle model.mjs");
  if (positionals.length === 0) throw new UsageError("predict: no input files (PNG, PGM, raw 28 x 28 bytes or IDX)");
  const invert = choice(v, "invert", ["auto", "yes", "no"] as const);
  const top = Number(v.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`predict: --top must be an integer >= 1, got ${JSON.stringify(v.top)}`);
  const images = positionals.flatMap((p) => readImages(p));
  const m = await classifier(v);
  const side = 28;
  const pixels = new Uint8Array(images.length * side * side);
  images.forEach((img, i) => pixels.set(asDigit(img, invert, side), i * side * side));
  const { labels, scores } = m.predictBatch(pixels, images.length, { height: side, width: side });
  const L = m.classes;
  images.forEach((img, i) => {
    const row = Array.from(scores.subarray(i * L, (i + 1) * L));
    const best = row
      .map((score, label) => ({ label, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, Math.min(top, L));
    if (v.json) {
      process.stdout.write(JSON.stringify({ input: img.name, label: labels[i], top: best, scores: row }) + "\n");
    } else {
      const shown = best.map((b) => `${b.label} ${b.score.toFixed(3)}`).join(", ");
      process.stdout.write(`${img.name}  ${labels[i]}  (${shown})\n`);
    }
  });
  return 0;
}
