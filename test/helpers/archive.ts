// Test fixtures in the real formats, built in memory: ustar archives (with a GNU long name option)
// and CIFAR binary records whose images carry a learnable class pattern.

/** A tar archive of the given files (ustar headers, 512-byte blocks, two zero end blocks). */
export function tarArchive(files: { name: string; data: Uint8Array; type?: string }[], o: { gnuLongNames?: boolean } = {}): Uint8Array {
  const blocks: Uint8Array[] = [];
  const header = (name: string, size: number, type: string) => {
    const h = new Uint8Array(512);
    const put = (s: string, at: number) => h.set(new TextEncoder().encode(s), at);
    put(name.slice(0, 99), 0);
    put("0000644\0", 100);
    put("0000000\0", 108);
    put("0000000\0", 116);
    put(size.toString(8).padStart(11, "0") + "\0", 124);
    put("00000000000\0", 136);
    put("        ", 148);
    put(type, 156);
    put("ustar\0", 257);
    put("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    return h;
  };
  const body = (data: Uint8Array) => {
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    return padded;
  };
  for (const f of files) {
    if (o.gnuLongNames && f.name.length > 20) {
      const n = new TextEncoder().encode(f.name + "\0");
      blocks.push(header("././@LongLink", n.length, "L"), body(n));
      blocks.push(header("truncated-name", f.data.length, f.type ?? "0"), body(f.data));
    } else {
      blocks.push(header(f.name, f.data.length, f.type ?? "0"), body(f.data));
    }
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * CIFAR binary records for the given labels (1 label byte, or 2 for CIFAR-100: coarse then fine):
 * each image is noise plus a bright square whose place and colour follow the (fine) label.
 */
export function cifarRecords(labels: number[], o: { cifar100?: boolean; seed?: number } = {}): Uint8Array {
  const lb = o.cifar100 ? 2 : 1;
  const rec = lb + 3072;
  const out = new Uint8Array(labels.length * rec);
  let s = (o.seed ?? 1) >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24) / 4;
  labels.forEach((y, i) => {
    const base = i * rec;
    if (o.cifar100) {
      out[base] = y % 20;
      out[base + 1] = y;
    } else out[base] = y;
    const sy = (y * 7) % 24,
      sx = (y * 13) % 24;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) {
        const py = p >> 5,
          pxx = p & 31;
        const inside = py >= sy && py < sy + 8 && pxx >= sx && pxx < sx + 8;
        out[base + lb + c * 1024 + p] = Math.min(255, rnd() + (inside ? 120 + ((y * 37 + c * 50) % 100) : 0));
      }
  });
  return out;
}
