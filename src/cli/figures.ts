// `scrramble figures`: the paper's pictures of a trained ScRRAMBLe model: the
// learned effective connectivity of each layer (connectivity-layer<i>.svg) and,
// when the model has a reconstruction head, test digits beside their
// reconstructions (reconstructions.svg).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../tensor.js";
import { endStep } from "../engine.js";
import { noGrad } from "../autograd/tape.js";
import { DataLoader } from "../data/loader.js";
import { subset } from "../data/dataset.js";
import { inputResize } from "../train/evaluate.js";
import { connectivitySvg, effectiveConnectivity, reconstructionGridSvg } from "../sim/figures.js";
import { loadData } from "../node/data.js";
import { readCheckpoint } from "../node/checkpoint-file.js";
import { writeFileAtomic } from "../node/atomic.js";
import { num, parseOrHelp, UsageError, type CommandSpec } from "./args.js";
import { DATA_OPTIONS, dataOptionsFrom } from "./options.js";

export const FIGURES_COMMAND: CommandSpec = {
  name: "figures",
  summary: "Draw a trained ScRRAMBLe model: learned effective connectivity per layer, and digits with their reconstructions.",
  usage: "scrramble figures --checkpoint PATH [--out DIR] [--samples N]",
  options: {
    checkpoint: { type: "string", arg: "PATH", help: "a trained ScRRAMBLe checkpoint (run folder or file)" },
    samples: {
      type: "string",
      arg: "N",
      default: "32",
      help: "test digits in the reconstruction grid (models with a reconstruction head)",
    },
    ...DATA_OPTIONS,
    out: { type: "string", arg: "DIR", default: "figures", help: "folder for connectivity-layer<i>.svg and reconstructions.svg" },
  },
  examples: ["scrramble figures --checkpoint runs/reference --out docs/results"],
};

export async function figuresCommand(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(FIGURES_COMMAND, argv);
  if (!parsed) return 0;
  const { values: v } = parsed;
  if (typeof v.checkpoint !== "string") throw new UsageError("figures: --checkpoint is required");
  const { model, path } = readCheckpoint(v.checkpoint);
  if (!model.routedNetwork || !model.coreWeights)
    throw new UsageError(`${path}: a ${model.kind} checkpoint has no ScRRAMBLe layers to draw`);
  const net = model.routedNetwork();
  const weights = model.coreWeights();
  const out = String(v.out);
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  net.routings.forEach((r, i) => {
    const E = effectiveConnectivity(r, weights[i].toArray(), net.coreSize);
    const f = join(out, `connectivity-layer${i + 1}.svg`);
    writeFileAtomic(f, connectivitySvg(E, r, `learned effective connectivity, layer ${i + 1} (${r.srcCores} -> ${r.dstCores} cores)`));
    written.push(f);
  });
  const reconstruct = model.wantsImages && model.reconstruct ? model.reconstruct.bind(model) : null;
  if (reconstruct) {
    const n = num(v, "samples", { int: true, min: 1, max: 1024 });
    const dataOpts = dataOptionsFrom(v);
    const data = await loadData({ ...dataOpts, classes: dataOpts.classes ?? model.classes });
    // samples spread evenly over the test set (the bundled split is ordered by digit)
    const count = Math.min(n, data.test.n);
    const test = subset(
      data.test,
      Array.from({ length: count }, (_, i) => Math.floor((i * data.test.n) / count)),
    );
    const loader = new DataLoader(test, { batchSize: count, shuffle: false, seed: 0, resize: inputResize(model, test) });
    const [batch] = [...loader.batches(0)];
    const originals = Float32Array.from(test.images.subarray(0, batch.size * test.height * test.width), (b) => b / 255);
    const rec = noGrad(() => reconstruct(Tensor.from(batch.x, [batch.size, model.inputSize]), batch.y).toArray());
    if (rec.length !== originals.length)
      throw new UsageError(
        `${path}: the head rebuilds ${rec.length / batch.size} pixels per image; the data has ${test.height} x ${test.width}`,
      );
    endStep();
    const f = join(out, "reconstructions.svg");
    writeFileAtomic(f, reconstructionGridSvg(originals, rec, { n: batch.size, height: test.height, width: test.width }));
    written.push(f);
  } else {
    process.stderr.write(`note: ${path} has no reconstruction head (train with --reconstruction 1e-4); no reconstructions.svg\n`);
  }
  for (const f of written) process.stdout.write(`wrote ${f}\n`);
  return 0;
}
