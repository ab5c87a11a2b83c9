#!/usr/bin/env node
// The scrramble command: dispatches to train, eval, routing, sweep, export, predict, demo, report.
// Enables relaxed SIMD in V8 before the kernels load (Node 20 keeps it behind a
// flag) and starts the kernel worker threads; usage errors exit with code 2,
// other failures with 1, each with a one-line message.

import v8 from "node:v8";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { OptionError } from "../options.js";
import { modelEntries } from "../nn/registry.js";

const COMMANDS: Record<string, { summary: string; run: () => Promise<(argv: string[]) => Promise<number>> }> = {
  train: {
    summary: "train a model on the bundled MNIST subset, IDX files or CIFAR-10/100",
    run: async () => (await import("./train.js")).trainCommand,
  },
  eval: { summary: "evaluate a checkpoint (accuracy, confusion matrix)", run: async () => (await import("./eval.js")).evalCommand },
  routing: { summary: "routing statistics and slot-connectivity SVGs", run: async () => (await import("./routing.js")).routingCommand },
  sweep: {
    summary:
      "the paper's experiments: accuracy vs ADC bits / full scale, noise, levels (simulated); p, slot size, cores, seeds, grid (trained)",
    run: async () => (await import("./sweep.js")).sweepCommand,
  },
  export: {
    summary: "a checkpoint to a one-file ES module edge bundle, or to crossbar programming files",
    run: async () => (await import("./export.js")).exportCommand,
  },
  predict: {
    summary: "classify PNG / PGM images, raw 28x28 bytes or IDX files with a checkpoint or a bundle",
    run: async () => (await import("./predict.js")).predictCommand,
  },
  demo: {
    summary: "serve the draw-a-digit browser demo of a checkpoint or bundle on 127.0.0.1",
    run: async () => (await import("./demo.js")).demoCommand,
  },
  figures: {
    summary: "a trained model's learned effective connectivity and reconstructed digits (SVG)",
    run: async () => (await import("./figures.js")).figuresCommand,
  },
  merge: {
    summary: "join the shards of a sweep (sweep --shard i/n) into one sweep's files",
    run: async () => (await import("./merge.js")).mergeCommand,
  },
  report: {
    summary: "traffic, ADC and area accounting against dense and sparse baselines",
    run: async () => (await import("./report.js")).reportCommand,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  return [
    "scrramble: train, simulate and deploy ScRRAMBLe block-sparse networks for analog CIM crossbars",
    "",
    "Usage: scrramble <command> [options]     (scrramble <command> --help for its options)",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`),
    "",
    "Model kinds (train --model):",
    ...modelEntries().map((e) => `  ${`${e.kind}${e.aliases.length ? ` (${e.aliases.join(", ")})` : ""}`.padEnd(28)} ${e.summary}`),
    "",
    "Global options:",
    "  --threads N|auto   kernel threads (default auto = the CPU count, at most 4); results are identical for any N",
    "  --simd auto|simd128|relaxed   kernel variant (default auto: relaxed SIMD where the engine has it)",
    "  --version, --help",
    "",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  // --simd and --threads are global: strip them before the command parses its own options.
  let simd = "auto";
  let threadsArg = "auto";
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--simd") simd = argv[++i] ?? "";
    else if (argv[i].startsWith("--simd=")) simd = argv[i].slice(7);
    else if (argv[i] === "--threads") threadsArg = argv[++i] ?? "";
    else if (argv[i].startsWith("--threads=")) threadsArg = argv[i].slice(10);
    else rest.push(argv[i]);
  }
  if (!["auto", "simd128", "relaxed"].includes(simd))
    throw new OptionError(`--simd must be auto, simd128 or relaxed, got ${JSON.stringify(simd)}`);
  const threads = threadsArg === "auto" ? Math.min(4, availableParallelism()) : Number(threadsArg);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    throw new OptionError(`--threads must be an integer in [1, 64] or auto, got ${JSON.stringify(threadsArg)}`);
  if (simd !== "simd128") v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  const { initEngine } = await import("../engine.js");
  const { spawnNodeWorker } = await import("../node/threads.js");
  initEngine({ variant: simd as "auto" | "simd128" | "relaxed", threads, spawnWorker: spawnNodeWorker });

  const [cmd, ...args] = rest;
  if (cmd && cmd in COMMANDS) command = cmd;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(usage());
    return cmd ? 0 : 2;
  }
  if (cmd === "--version" || cmd === "-v") {
    process.stdout.write(version() + "\n");
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) throw new OptionError(`unknown command ${JSON.stringify(cmd)}; commands: ${Object.keys(COMMANDS).join(", ")}`);
  return (await c.run())(args);
}

/** The command being run, for the help hint of a usage error. */
let command = "";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof OptionError) {
      process.stderr.write(`scrramble: ${e.message}\n(see scrramble ${command ? `${command} ` : ""}--help)\n`);
      process.exit(2);
    }
    process.stderr.write(`scrramble: ${(e as Error).message}\n`);
    if (process.env.SCRRAMBLE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
