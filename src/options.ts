// Named, typed settings shared by configs and command lines: one Field per key
// (type, range, help, flag) checks a config object read from a checkpoint and
// parses the same key from a command-line string, so the two cannot drift.
// Runtime-neutral, no engine: a Field table is data, these helpers read it.

/** A bad option value or config key; front ends report it as a usage error. */
export class OptionError extends Error {}

export type FieldType = "int" | "number" | "string" | "boolean" | "ints" | "numbers";

/** One setting of a config: how it is checked, shown and spelled on a command line. */
export interface Field {
  type: FieldType;
  help: string;
  /** Command-line flag without dashes (default: the key in kebab-case). */
  flag?: string;
  /** Placeholder in help texts, e.g. "N" or "LIST". */
  arg?: string;
  min?: number;
  max?: number;
  /** Allowed strings (type "string"). */
  choices?: readonly string[];
  /** Lists: at least this many entries (default 1). */
  minLength?: number;
  /** Not a command-line option (derived from other settings or the data). */
  internal?: boolean;
  /** Help text for the default when it is not a fixed value, e.g. "--seed". */
  defaultHelp?: string;
}

export type Schema = Record<string, Field>;

/** The command-line flag of a key: its own, or the key in kebab-case. */
export function flagOf(key: string, f: Field): string {
  return f.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function describe(f: Field): string {
  const range = [f.min !== undefined ? `>= ${f.min}` : "", f.max !== undefined ? `<= ${f.max}` : ""].filter(Boolean).join(" and ");
  if (f.type === "int") return `an integer${range ? ` ${range}` : ""}`;
  if (f.type === "number") return `a number${range ? ` ${range}` : ""}`;
  if (f.type === "boolean") return "true or false";
  if (f.type === "string") return f.choices ? `one of ${f.choices.join(", ")}` : "a string";
  const what = f.type === "ints" ? "integers" : "numbers";
  return `a list of ${f.minLength ?? 1} or more ${what}${range ? ` ${range}` : ""}`;
}

function numberOk(f: Field, x: unknown, int: boolean): boolean {
  if (typeof x !== "number" || !Number.isFinite(x)) return false;
  if (int && !Number.isInteger(x)) return false;
  return (f.min === undefined || x >= f.min) && (f.max === undefined || x <= f.max);
}

/** True when a (JSON) value fits the field. */
export function fits(f: Field, v: unknown): boolean {
  switch (f.type) {
    case "int":
      return numberOk(f, v, true);
    case "number":
      return numberOk(f, v, false);
    case "boolean":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string" && (!f.choices || f.choices.includes(v));
    default:
      return Array.isArray(v) && v.length >= (f.minLength ?? 1) && v.every((x) => numberOk(f, x, f.type === "ints"));
  }
}

/**
 * Check every key of a config object against a schema: a missing key, an
 * unknown key or a value of the wrong type or range is an Error naming the key.
 * @example checkFields(SCRRAMBLE_MLP_FIELDS, JSON.parse(md.config), "model.safetensors: config");
 */
export function checkFields(schema: Schema, obj: unknown, where: string): void {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj))
    throw new Error(`${where}: expected an object, got ${JSON.stringify(obj)}`);
  const o = obj as Record<string, unknown>;
  for (const [key, f] of Object.entries(schema)) {
    if (!(key in o)) throw new Error(`${where}: key "${key}" is missing`);
    if (!fits(f, o[key])) throw new Error(`${where}: key "${key}" must be ${describe(f)}, got ${JSON.stringify(o[key])}`);
  }
  for (const key of Object.keys(o)) if (!(key in schema)) throw new Error(`${where}: unknown key "${key}"`);
}

/**
 * Parse one command-line value for a field; errors name the flag.
 * @example parseField("p", { type: "number", min: 0, max: 1, help: "" }, "0.3"); // 0.3
 */
export function parseField(key: string, f: Field, raw: string | boolean): unknown {
  const flag = `--${flagOf(key, f)}`;
  if (f.type === "boolean") {
    if (raw === true || raw === "true") return true;
    if (raw === false || raw === "false") return false;
    throw new OptionError(`${flag} must be true or false, got ${JSON.stringify(raw)}`);
  }
  const s = String(raw).trim();
  let v: unknown;
  if (f.type === "string") v = s;
  else if (f.type === "int" || f.type === "number") v = s === "" ? NaN : Number(s);
  else v = s === "" ? [] : s.split(",").map((p) => (p.trim() === "" ? NaN : Number(p)));
  if (!fits(f, v)) throw new OptionError(`${flag} must be ${describe(f)}, got ${JSON.stringify(raw)}`);
  return v;
}

/** Option values as a command line gives them: flag -> string (or true for switches). */
export type OptionValues = Record<string, string | boolean | undefined>;

/**
 * A copy of `base` with every key whose flag is present in `values` parsed and
 * replaced. Internal fields are never read.
 * @example const opts = readFields(TRAIN_FIELDS, { epochs: "3" }, TRAIN_DEFAULTS);
 */
export function readFields<C extends object>(schema: Schema, values: OptionValues, base: C): C {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, f] of Object.entries(schema)) {
    if (f.internal) continue;
    const raw = values[flagOf(key, f)];
    if (raw !== undefined) out[key] = parseField(key, f, raw);
  }
  return out as C;
}

/** Display form of a default value for help texts. */
export function showValue(v: unknown): string {
  return Array.isArray(v) ? v.join(",") : String(v);
}

/** A number option; integer and range checked, named in the error. */
export function num(v: OptionValues, name: string, o: { int?: boolean; min?: number; max?: number } = {}): number {
  return parseField(name, { type: o.int ? "int" : "number", min: o.min, max: o.max, help: "", flag: name }, v[name] ?? "") as number;
}

/** A comma-separated list of positive integers, e.g. "4,50,10". */
export function intList(v: OptionValues, name: string): number[] {
  return parseField(name, { type: "ints", min: 1, help: "", flag: name }, v[name] ?? "") as number[];
}

/** A choice among fixed strings. */
export function choice<T extends string>(v: OptionValues, name: string, allowed: readonly T[]): T {
  return parseField(name, { type: "string", choices: allowed, help: "", flag: name }, v[name] ?? "") as T;
}
