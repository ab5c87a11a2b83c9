// Command-line parsing shared by the commands: an option table (name, type,
// default, help) drives both util.parseArgs and the --help text, so the two
// cannot drift. Library settings come as Field tables (src/options.ts) and are
// turned into option tables here. Bad arguments throw UsageError (exit code 2).

import { parseArgs } from "node:util";
import { flagOf, OptionError, showValue, type Schema } from "../options.js";

export { num, intList, choice } from "../options.js";
export type { OptionValues as Parsed } from "../options.js";

/** A usage error of a command (exit code 2); library OptionErrors count as such too. */
export class UsageError extends OptionError {}

export interface OptionSpec {
  type: "string" | "boolean";
  /** Shown in --help; also the value when the option is absent. */
  default?: string | boolean;
  /** Shown in --help instead of a fixed default. */
  defaultHelp?: string;
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
  /** Positional arguments the command takes (default 0). */
  positionals?: number;
  /** Group headings: option name -> heading printed before it. */
  groups?: Record<string, string>;
  examples?: string[];
}

/**
 * The command-line options of a Field table. `defaults` fill the help text and
 * the values (withDefaults) or only the help text (the caller applies them).
 */
export function fieldOptions(schema: Schema, defaults: object, o: { withDefaults?: boolean; skip?: string[] } = {}): OptionTable {
  const out: OptionTable = {};
  const d = defaults as Record<string, unknown>;
  for (const [key, f] of Object.entries(schema)) {
    if (f.internal || o.skip?.includes(key)) continue;
    const shown = f.defaultHelp ?? (d[key] === undefined ? undefined : showValue(d[key]));
    out[flagOf(key, f)] = {
      type: "string", // boolean settings take a value: --bias false
      help: f.help,
      arg: f.arg,
      ...(o.withDefaults && f.defaultHelp === undefined && d[key] !== undefined ? { default: showValue(d[key]) } : { defaultHelp: shown }),
    };
  }
  return out;
}

export function helpText(c: CommandSpec): string {
  const lines = [`${c.summary}`, "", `Usage: ${c.usage}`, "", "Options:"];
  const all = { ...c.options, help: { type: "boolean", short: "h", help: "show this help" } as OptionSpec };
  for (const [name, o] of Object.entries(all)) {
    if (c.groups?.[name]) lines.push("", `  ${c.groups[name]}:`);
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.arg ?? "VALUE"}` : ""}`;
    const shown = o.defaultHelp ?? (o.default !== undefined && o.default !== false && o.default !== "" ? String(o.default) : undefined);
    lines.push(`  ${flag.padEnd(30)} ${o.help}${shown !== undefined ? ` (default: ${shown})` : ""}`);
  }
  if (c.examples?.length) lines.push("", "Examples:", ...c.examples.map((e) => `  ${e}`));
  return lines.join("\n") + "\n";
}

/** `--name -3` becomes `--name=-3` for string options, so negative numbers parse as values. */
function joinNegativeValues(argv: string[], options: Record<string, { type: string; short?: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith("--") ? a.slice(2) : null;
    if (name && !name.includes("=") && options[name]?.type === "string" && /^-\d|^-\.\d/.test(argv[i + 1] ?? "")) {
      out.push(`${a}=${argv[++i]}`);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Parse argv against the table; undefined values become defaults. */
export function parseCommand(
  c: CommandSpec,
  argv: string[],
): { values: Record<string, string | boolean | undefined>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const [name, o] of Object.entries(c.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (e) {
    const unknown = /Unknown option '([^']+)'/.exec((e as Error).message);
    throw new UsageError(`${c.name}: ${unknown ? `unknown option ${unknown[1]}` : (e as Error).message.split("\n")[0]}`);
  }
  const help = Boolean((parsed.values as Record<string, unknown>).help);
  const max = c.positionals ?? 0;
  if (!help && parsed.positionals.length > max) {
    const extra = parsed.positionals
      .slice(max)
      .map((p) => JSON.stringify(p))
      .join(" ");
    throw new UsageError(`${c.name}: unexpected argument${parsed.positionals.length - max > 1 ? "s" : ""} ${extra}`);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(c.options))
    values[name] = (parsed.values as Record<string, string | boolean | undefined>)[name] ?? o.default;
  return { values, positionals: parsed.positionals, help };
}

/**
 * parseCommand for a command's run function: with -h / --help it prints the
 * command's help and returns null (the command then exits 0).
 * @example const parsed = parseOrHelp(EVAL_COMMAND, argv); if (!parsed) return 0;
 */
export function parseOrHelp(
  c: CommandSpec,
  argv: string[],
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | null {
  const { values, positionals, help } = parseCommand(c, argv);
  if (help) {
    process.stdout.write(helpText(c));
    return null;
  }
  return { values, positionals };
}
