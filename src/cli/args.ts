// Command-line parsing shared by the commands: an option table (name, type,
// default, help) drives both util.parseArgs and the --help text, so the two
// cannot drift. Bad arguments throw UsageError (exit code 2).

import { parseArgs } from "node:util";

export class UsageError extends Error {}

export interface OptionSpec {
  type: "string" | "boolean";
  /** Shown in --help; also the value when the option is absent. */
  default?: string | boolean;
  short?: string;
  help: string;
  /** Placeholder in --help, e.g. "N" or "DIR". */
  arg?: string;
}

export type OptionTable = Record<string, OptionSpec>;

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: OptionTable;
  /** Group headings: option name -> heading printed before it. */
  groups?: Record<string, string>;
  examples?: string[];
}

export function helpText(c: CommandSpec): string {
  const lines = [`${c.summary}`, "", `Usage: ${c.usage}`, "", "Options:"];
  const all = { ...c.options, help: { type: "boolean", short: "h", help: "show this help" } as OptionSpec };
  for (const [name, o] of Object.entries(all)) {
    if (c.groups?.[name]) lines.push("", `  ${c.groups[name]}:`);
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.arg ?? "VALUE"}` : ""}`;
    const def = o.default !== undefined && o.default !== false && o.default !== "" ? ` (default: ${o.default})` : "";
    lines.push(`  ${flag.padEnd(30)} ${o.help}${def}`);
  }
  if (c.examples?.length) lines.push("", "Examples:", ...c.examples.map((e) => `  ${e}`));
  return lines.join("\n") + "\n";
}

export type Parsed = Record<string, string | boolean | undefined>;

/** Parse argv against the table; undefined values become defaults. */
export function parseCommand(c: CommandSpec, argv: string[]): { values: Parsed; positionals: string[]; help: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const [name, o] of Object.entries(c.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${c.name}: ${(e as Error).message}`);
  }
  const values: Parsed = {};
  for (const [name, o] of Object.entries(c.options)) values[name] = (parsed.values as Parsed)[name] ?? o.default;
  return { values, positionals: parsed.positionals, help: Boolean((parsed.values as Parsed).help) };
}

/** A number option; integer / range checked, named in the error. */
export function num(v: Parsed, name: string, o: { int?: boolean; min?: number; max?: number } = {}): number {
  const raw = v[name];
  const x = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(x)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  if (o.int && !Number.isInteger(x)) throw new UsageError(`--${name} must be an integer, got ${raw}`);
  if (o.min !== undefined && x < o.min) throw new UsageError(`--${name} must be >= ${o.min}, got ${raw}`);
  if (o.max !== undefined && x > o.max) throw new UsageError(`--${name} must be <= ${o.max}, got ${raw}`);
  return x;
}

/** A comma-separated list of integers, e.g. "4,50,10". */
export function intList(v: Parsed, name: string): number[] {
  const raw = String(v[name] ?? "");
  const parts = raw.split(",").map((s) => s.trim());
  const out = parts.map(Number);
  if (parts.some((s) => s === "") || out.some((x) => !Number.isInteger(x) || x < 1)) throw new UsageError(`--${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
  return out;
}

/** A choice among fixed strings. */
export function choice<T extends string>(v: Parsed, name: string, allowed: readonly T[]): T {
  const raw = String(v[name]);
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
  return raw as T;
}
