// The option tables of the commands, composed from the library's Field tables
// (model kinds from the registry, training, hardware, data), and their reading
// into library settings. No kind is named here: every kind's options come from
// its registry entry.

import { modelConfig, modelEntries, modelEntry } from "../nn/registry.js";
import type { ModelContext } from "../nn/model.js";
import { choice, readFields, showValue, flagOf, type OptionValues } from "../options.js";
import { TRAIN_DEFAULTS, TRAIN_FIELDS, TRAIN_RECIPES, type TrainOptions } from "../train/options.js";
import { parseAugmentation } from "../data/augment.js";
import { CROSSBAR_DEFAULTS, CROSSBAR_FIELDS, checkCrossbarOptions, type CrossbarOptions } from "../sim/options.js";
import { DATA_FIELDS, type DataOptions } from "../node/data.js";
import { fieldOptions, UsageError, type OptionTable } from "./args.js";

/** Run fn; a library Error becomes a usage error (exit 2) with the same message. */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

/** --model and the union of every kind's settings; defaults shown per kind. */
export function modelOptions(): OptionTable {
  const entries = modelEntries();
  const kinds = entries.map((e) => `${e.kind}${e.aliases.length ? ` (${e.aliases.join(", ")})` : ""}`).join(" | ");
  const out: OptionTable = { model: { type: "string", arg: "KIND", defaultHelp: entries[0].kind, help: `model kind: ${kinds}` } };
  const owners: Record<string, string[]> = {};
  for (const e of entries) {
    for (const [key, f] of Object.entries(e.fields)) {
      if (f.internal) continue;
      const flag = flagOf(key, f);
      const def = f.defaultHelp ?? showValue((e.defaults as Record<string, unknown>)[key]);
      (owners[flag] ??= []).push(`${def}${entries.length > 1 ? ` for ${e.kind}` : ""}`);
      out[flag] ??= { type: f.type === "boolean" ? "boolean" : "string", arg: f.arg, help: f.help };
    }
  }
  for (const [flag, defs] of Object.entries(owners)) out[flag].defaultHelp = defs.join("; ");
  return out;
}

/** The model kind named by --model (default: the first registered kind). */
export function modelKind(v: OptionValues): string {
  const name = typeof v.model === "string" ? v.model : modelEntries()[0].kind;
  return asUsage(() => modelEntry(name).kind);
}

/** A validated config of the --model kind from the command line and the data. */
export function modelFromOptions(v: OptionValues, ctx: ModelContext): { kind: string; config: object } {
  const kind = modelKind(v);
  const own = new Set(Object.entries(modelEntry(kind).fields).map(([k, f]) => flagOf(k, f)));
  const foreign = Object.keys(modelOptions()).filter((f) => f !== "model" && !own.has(f) && v[f] !== undefined);
  if (foreign.length) throw new UsageError(`--${foreign[0]} does not apply to --model ${kind}`);
  return asUsage(() => modelConfig(kind, v, ctx));
}

export const TRAIN_OPTIONS: OptionTable = {
  recipe: {
    type: "string",
    arg: "R",
    default: "default",
    help:
      `training defaults: ${Object.keys(TRAIN_RECIPES).join(" | ")}; paper = the CIFAR recipe (AdamW 3e-4, warmup-cosine, ` +
      `50k steps, the dataset's augmentation, --split reference); flags still override`,
  },
  ...fieldOptions(TRAIN_FIELDS, TRAIN_DEFAULTS),
};

/** The training options: the --recipe's defaults, then every flag given. */
export function trainOptionsFrom(v: OptionValues): TrainOptions {
  const recipe = choice(v, "recipe", Object.keys(TRAIN_RECIPES));
  return asUsage(() => {
    const o = readFields(TRAIN_FIELDS, v, { ...TRAIN_DEFAULTS, ...TRAIN_RECIPES[recipe] });
    parseAugmentation(o.augment, { name: "" }, o.shift); // the spec's syntax, before any data is read
    return o;
  });
}

export const CROSSBAR_OPTIONS: OptionTable = fieldOptions(CROSSBAR_FIELDS, CROSSBAR_DEFAULTS);

/** Hardware options from the command line, through the library's one set of checks. */
export function crossbarOptionsFrom(v: OptionValues, base: CrossbarOptions = CROSSBAR_DEFAULTS): CrossbarOptions {
  return asUsage(() => {
    const o = readFields(CROSSBAR_FIELDS, v, base);
    checkCrossbarOptions(o);
    return o;
  });
}

export const DATA_OPTIONS: OptionTable = fieldOptions(DATA_FIELDS, {});

export function dataOptionsFrom(v: OptionValues): DataOptions {
  const base: DataOptions = v.recipe === "paper" ? { split: "reference" } : {};
  return asUsage(() => readFields(DATA_FIELDS, v, base));
}

/** Data options for evaluating a model: IDX data takes the model's class count unless --classes says otherwise. */
export function dataOptionsFor(v: OptionValues, modelClasses: number): DataOptions {
  const o = dataOptionsFrom(v);
  return (o.dataset ?? "mnist") === "mnist" ? { ...o, classes: o.classes ?? modelClasses } : o;
}
