// Byte-array helpers shared by the file formats (safetensors, checkpoints, PNG,
// gzip output). Runtime-neutral; no imports.

/**
 * The parts joined into one new array (total: their summed length, when known).
 * @example concatBytes([header, body]).length === header.length + body.length;
 */
export function concatBytes(parts: readonly Uint8Array[], total = parts.reduce((a, p) => a + p.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
