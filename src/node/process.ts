// What a Node process reports about itself for run summaries.

/** Peak resident set size of this process in MB (10^6 bytes). */
export function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}
