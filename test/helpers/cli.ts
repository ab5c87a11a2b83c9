// Running the built command line from tests, and small IDX files in the real
// format. Test support only.

import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Run `scrramble args` to the end in `cwd`. */
export function runCli(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", cwd });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/**
 * Run `scrramble args --json` and send `signal` once a stdout line satisfies
 * `when` (a JSON object per line); resolves when the process has ended.
 */
export function runCliUntil(args: string[], cwd: string, when: (line: Record<string, unknown>) => boolean, signal: NodeJS.Signals) {
  return new Promise<CliResult & { sent: boolean }>((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args, "--json"], { cwd });
    let out = "",
      err = "",
      pending = "",
      sent = false;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (sent || !line.startsWith("{")) continue;
        if (when(JSON.parse(line))) {
          sent = true;
          child.kill(signal);
        }
      }
    });
    child.stderr.on("data", (chunk: string) => (err += chunk));
    child.on("close", (code, sig) => resolve({ code, signal: sig, out, err, sent }));
  });
}

/** An unsigned-byte IDX file: magic, big-endian dimensions, data. */
export function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  const dv = new DataView(head.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}
