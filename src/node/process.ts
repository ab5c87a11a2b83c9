// What a Node process reports about itself for run summaries.

import { readFileSync } from "node:fs";

/** Peak resident set size of this process in MB (10^6 bytes). */
export function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

/** This package's version (from its package.json). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
