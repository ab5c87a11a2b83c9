// The option tables of the commands, composed from the library's Field tables
// (model kinds from the registry, training, hardware, data), and their reading
// into library settings. No kind is named here: every kind's options come from
// its registry entry.

import { modelConfig, modelEntries, modelEntry } from "../nn/registry.js";
import type { ModelContext } from "../nn/model.js";
import { readFields, showValue, flagOf, type OptionValues } from "../options.js";
import { TRAIN_DEFAULTS, TRAIN_FIELDS, type TrainOptions } from "../train/options.js";
import { RECIPES, RECIPE_NAMES, type RecipeName } from "../train/recipes.js";
import { parseAugmentation } from "../data/augment.js";
import { CROSSBAR_DEFAULTS, CROSSBAR_FIELDS, checkCrossbarOptions, type CrossbarOptions } from "../sim/options.js";
import { DATA_FIELDS, loadData, type DataOptions, type DataSplits } from "../node/data.js";
import type { Model } from "../nn/model.js";
import { ensureFolder } from "../node/atomic.js";
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
      out[flag] ??= { type: "string", arg: f.arg, help: f.help }; // boolean settings take a value too: --bias false
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

/** A validated config of the --model kind from the command line and the data (and the --recipe's model settings). */
export function modelFromOptions(v: OptionValues, ctx: ModelContext): { kind: string; config: object } {
  const kind = modelKind(v);
  const fields = modelEntry(kind).fields;
  const own = new Set(Object.entries(fields).map(([k, f]) => flagOf(k, f)));
  const foreign = Object.keys(modelOptions()).filter((f) => f !== "model" && !own.has(f) && v[f] !== undefined);
  if (foreign.length) throw new UsageError(`--${foreign[0]} does not apply to --model ${kind}`);
  const preset: OptionValues = {};
  for (const [key, value] of Object.entries(RECIPES[recipeOf(v)].model))
    if (fields[key] && !fields[key].internal) preset[flagOf(key, fields[key])] = String(value);
  return asUsage(() => modelConfig(kind, { ...preset, ...definedOnly(v) }, ctx));
}

function definedOnly(v: OptionValues): OptionValues {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
}

export const TRAIN_OPTIONS: OptionTable = {
  recipe: {
    type: "string",
    arg: "R",
    default: "default",
    help: `training preset (explicit options win): ${RECIPE_NAMES.map((r) => `${r} = ${RECIPES[r].summary}`).join("; ")}`,
  },
  ...fieldOptions(TRAIN_FIELDS, TRAIN_DEFAULTS),
};

/** The --recipe named on the command line. */
export function recipeOf(v: OptionValues): RecipeName {
  const r = v.recipe ?? "default";
  if (typeof r !== "string" || !RECIPE_NAMES.includes(r as RecipeName))
    throw new UsageError(`--recipe must be one of ${RECIPE_NAMES.join(", ")}, got ${JSON.stringify(r)}`);
  return r as RecipeName;
}

/** Training settings: the defaults, then the --recipe's, then every explicit option (the augmentation spec checked before data loads). */
export function trainOptionsFrom(v: OptionValues): TrainOptions {
  const base: TrainOptions = { ...TRAIN_DEFAULTS, ...RECIPES[recipeOf(v)].train };
  return asUsage(() => {
    const o = readFields(TRAIN_FIELDS, v, base);
    parseAugmentation(o.augment, { name: "" }, o.shift);
    return o;
  });
}

export const CROSSBAR_OPTIONS: OptionTable = fieldOptions(CROSSBAR_FIELDS, CROSSBAR_DEFAULTS);

/** Hardware options from the command line, through the library's one set of checks. */
export function crossbarOptionsFrom(v: OptionValues, base: CrossbarOptions = CROSSBAR_DEFAULTS): CrossbarOptions {
  return asUsage(() => {
    const o = readFields(CROSSBAR_FIELDS, v, base);
    checkCrossbarOptions(o, (key) => `--${flagOf(key, CROSSBAR_FIELDS[key])}`);
    return o;
  });
}

export const DATA_OPTIONS: OptionTable = fieldOptions(DATA_FIELDS, {});

export function dataOptionsFrom(v: OptionValues): DataOptions {
  const base = { ...RECIPES[recipeOf(v)].data } as DataOptions; // the --recipe's data settings, then the flags
  return asUsage(() => readFields(DATA_FIELDS, v, base));
}

/**
 * The data to evaluate a loaded model on: for IDX data --classes defaults to the model's,
 * and data with more classes than the model is refused as a usage error naming
 * the checkpoint (rather than failing later inside the loss).
 */
export async function dataForModel(v: OptionValues, model: Model, checkpoint: string): Promise<DataSplits> {
  const o = dataOptionsFrom(v);
  if ((o.dataset ?? "mnist") !== "mnist") {
    const data = await loadData(o); // CIFAR data has its own labels
    if (data.test.classes > model.classes)
      throw new UsageError(`--dataset ${o.dataset}: ${data.test.classes} classes, the model in ${checkpoint} has only ${model.classes}`);
    return data;
  }
  if (o.data === undefined && o.classes === undefined && model.classes !== 10) {
    throw new UsageError(
      `the model in ${checkpoint} has ${model.classes} classes, the bundled MNIST subset 10: give an IDX folder of its data (--data DIR)`,
    );
  }
  const classes = o.classes ?? model.classes;
  if (classes > model.classes) throw new UsageError(`--classes ${classes}: the model in ${checkpoint} has only ${model.classes} classes`);
  return loadData({ ...o, classes });
}

/** The --out folder of a command, created now (before any work) so that a file in its place is a usage error. */
export function outFolder(v: OptionValues): string {
  const out = String(v.out);
  try {
    ensureFolder(out);
  } catch (e) {
    throw new UsageError(`--out: ${(e as Error).message}`);
  }
  return out;
}
