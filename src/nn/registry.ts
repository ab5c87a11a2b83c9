// The model registry: kind -> class, defaults, settings (fields), config
// validation and checkpoint (de)serialisation. The one place that knows the
// kinds: commands, checkpoints and simulators look a kind up here and never
// switch on it. Adding a kind = one entry here plus the model's own files.

import { checkFields, readFields, type OptionValues, type Schema } from "../options.js";
import { routingsFromStored, routingTensors } from "./scrramble-layers.js";
import {
  CIFAR100_HEAD,
  ScrrambleResnet,
  SCRRAMBLE_RESNET_DEFAULTS,
  SCRRAMBLE_RESNET_FIELDS,
  SMALL_FRONT_END,
  validateResnetConfig,
  resolveNormInit,
  type ScrrambleResnetConfig,
} from "./scrramble-resnet.js";
import {
  DenseBaseline,
  DENSE_BASELINE_DEFAULTS,
  DENSE_BASELINE_FIELDS,
  validateDenseConfig,
  type DenseBaselineConfig,
} from "./dense-baseline.js";
import type { Model, ModelContext, StoredTensor, StoredTensors } from "./model.js";
import type { ForwardPlan } from "./plan.js";
import {
  resolveCoreInit,
  ScrrambleMlp,
  SCRRAMBLE_MLP_DEFAULTS,
  SCRRAMBLE_MLP_FIELDS,
  validateScrrambleConfig,
  type ScrrambleMlpConfig,
} from "./scrramble-mlp.js";

/** Everything the library knows about one model kind. */
export interface ModelEntry<Config extends object = object> {
  kind: string;
  /** Short command-line names, e.g. "scrramble". */
  aliases: readonly string[];
  summary: string;
  defaults: Config;
  /** Every config key with its type, range, help and flag. */
  fields: Schema;
  /** Defaults that follow the data and the run's seed (command-line flags override them). */
  contextDefaults(ctx: ModelContext): Partial<Config>;
  /** Fill derived settings (e.g. the init rule) so the stored config is explicit. */
  resolve(config: Config): Config;
  /** Field and cross-key checks; messages name the key and start with `where`. */
  validate(config: Config, where: string): void;
  /** Build the model; `stored` holds the checkpoint's non-parameter tensors. */
  create(config: Config, stored?: StoredTensors): Model;
  /** Non-parameter tensors a checkpoint keeps (e.g. routing tables). */
  storedTensors(model: Model): Record<string, StoredTensor>;
  /** The forward pass as data, for exporters (the edge bundle); absent: the kind cannot be exported. */
  forwardPlan?(model: Model): ForwardPlan;
  /** Why a kind without a forward plan cannot be exported (the export error says it). */
  noExport?: string;
  /**
   * Config keys added after checkpoint format 1, with the values that keep an
   * older checkpoint's behaviour: filled in when a stored config lacks them.
   */
  addedKeys: Partial<Config>;
}

/** The routing tables of a model's ScRRAMBLe layers as I32 CSR arrays. */
function routingState(model: Model): Record<string, StoredTensor> {
  return routingTensors(model.routedNetwork?.().routings ?? []);
}

const scrrambleMlp: ModelEntry<ScrrambleMlpConfig> = {
  kind: "scrramble-mlp",
  aliases: ["scrramble"],
  summary: "ScRRAMBLe capsule MLP: routed slots between crossbar cores, class capsules, margin loss",
  defaults: SCRRAMBLE_MLP_DEFAULTS,
  fields: SCRRAMBLE_MLP_FIELDS,
  contextDefaults: (ctx) => ({
    classes: ctx.classes,
    initSeed: ctx.seed,
    routingSeed: ctx.seed,
    reconstructionSize: ctx.input.height * ctx.input.width * ctx.input.channels,
  }),
  resolve: (c) => ({ ...c, init: resolveCoreInit(c) }),
  validate: validateScrrambleConfig,
  create(c, stored) {
    if (!stored) return new ScrrambleMlp(c);
    return new ScrrambleMlp(c, routingsFromStored(stored, c.cores, c.coreSize / c.slotSize));
  },
  storedTensors: routingState,
  forwardPlan: (m) => (m as ScrrambleMlp).forwardPlan(),
  addedKeys: { steWidth: 1 },
};

const denseBaseline: ModelEntry<DenseBaselineConfig> = {
  kind: "dense-baseline",
  aliases: ["dense"],
  summary: "dense partial-sums MLP on N x N tiles, grouped-average logits, softmax cross-entropy",
  defaults: DENSE_BASELINE_DEFAULTS,
  fields: DENSE_BASELINE_FIELDS,
  contextDefaults: (ctx) => ({ classes: ctx.classes, initSeed: ctx.seed }),
  resolve: (c) => c,
  validate: validateDenseConfig,
  create: (c) => new DenseBaseline(c),
  storedTensors: () => ({}),
  forwardPlan: (m) => (m as DenseBaseline).forwardPlan(),
  addedKeys: { bias: true },
};

const scrrambleResnet: ModelEntry<ScrrambleResnetConfig> = {
  kind: "scrramble-resnet",
  aliases: ["resnet"],
  summary: "ScRRAMBLe-ResNet (the paper's CIFAR models): digital conv front end, fixed projection, ScRRAMBLe head",
  defaults: SCRRAMBLE_RESNET_DEFAULTS,
  fields: SCRRAMBLE_RESNET_FIELDS,
  contextDefaults: (ctx) => ({
    classes: ctx.classes,
    initSeed: ctx.seed,
    routingSeed: ctx.seed,
    inputChannels: ctx.input.channels,
    ...(ctx.classes === 100 ? CIFAR100_HEAD : {}),
    ...(ctx.input.channels === 1 ? SMALL_FRONT_END : {}),
  }),
  resolve: (c) => ({ ...c, normInit: resolveNormInit(c) }),
  validate: validateResnetConfig,
  create(c, stored) {
    if (!stored) return new ScrrambleResnet(c);
    const model = new ScrrambleResnet(c, routingsFromStored(stored, c.cores, c.coreSize / c.slotSize));
    model.loadState(stored);
    return model;
  },
  storedTensors: (m) => ({ ...routingState(m), ...(m as ScrrambleResnet).storedTensors() }),
  noExport: "the edge bundle's runtime has no convolutions, batch norms or pooling to run its convolutional front end",
  addedKeys: {},
};

const ENTRIES: readonly ModelEntry<any>[] = [scrrambleMlp, denseBaseline, scrrambleResnet];

/** Every registered kind, in registry order. */
export function modelKinds(): string[] {
  return ENTRIES.map((e) => e.kind);
}

/** All entries (for help texts and option tables). */
export function modelEntries(): readonly ModelEntry[] {
  return ENTRIES;
}

/**
 * The entry of a kind or one of its aliases.
 * @example modelEntry("dense").kind; // "dense-baseline"
 */
export function modelEntry(kindOrAlias: string): ModelEntry {
  const e = ENTRIES.find((x) => x.kind === kindOrAlias || x.aliases.includes(kindOrAlias));
  if (!e) {
    const names = ENTRIES.map((x) => `${x.kind} (${x.aliases.join(", ")})`).join(", ");
    throw new Error(`unknown model kind ${JSON.stringify(kindOrAlias)}; kinds: ${names}`);
  }
  return e;
}

/**
 * A full, validated config of a kind from its defaults, the context (data,
 * seed) and option values given as strings (command-line flags).
 * @example modelConfig("scrramble", { p: "0.3" }, { classes: 10, seed: 1, input: { height: 28, width: 28, channels: 1 } });
 */
export function modelConfig(kindOrAlias: string, values: OptionValues, ctx: ModelContext): { kind: string; config: object } {
  const e = modelEntry(kindOrAlias);
  const config = e.resolve(readFields(e.fields, values, { ...e.defaults, ...e.contextDefaults(ctx) }));
  e.validate(config, `${e.kind} config`);
  return { kind: e.kind, config };
}

/**
 * Build a model of a kind from a config (missing keys take the defaults).
 * @example const model = createModel("scrramble-mlp", { p: 0.3 });
 */
export function createModel(kindOrAlias: string, config: object = {}): Model {
  const e = modelEntry(kindOrAlias);
  return e.create(e.resolve({ ...e.defaults, ...config }));
}

/**
 * The forward plan of a model (its kind's registry entry), for exporters.
 * @example const plan = forwardPlan(model); plan.steps.map((s) => s.op); // ["route", "cores", "relu", ...]
 */
export function forwardPlan(model: Model): ForwardPlan {
  const e = modelEntry(model.kind);
  if (!e.forwardPlan) {
    const why = e.noExport ?? "it has no forward plan";
    throw new Error(`model kind ${JSON.stringify(model.kind)} cannot be exported yet: ${why}`);
  }
  return e.forwardPlan(model);
}

/**
 * Check a stored config of a kind strictly (every key present and valid, no
 * other key); returns it typed. Configs of older checkpoint formats are
 * migrated before (io/checkpoint.ts fills the kind's addedKeys).
 */
export function checkStoredConfig(kind: string, raw: unknown, where: string): object {
  const e = modelEntry(kind);
  checkFields(e.fields, raw, where);
  e.validate(raw as object, where);
  return raw as object;
}
