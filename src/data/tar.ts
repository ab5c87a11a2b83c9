// A reader for tar archives (POSIX ustar and GNU, the format of the CIFAR .tar.gz files): regular files
// as views of the archive bytes, GNU long names and pax path records honoured, header checksums
// checked. Gzip is maybeGunzip's (idx.ts). Takes bytes, returns data: must not read files or import
// node:*. Every error message starts with the archive's name.

/** One regular file of an archive; data is a view of the archive's bytes. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, length: number, what: string, name: string): number {
  if (bytes[start] & 0x80) {
    // GNU base-256 for large values: big-endian, first byte's top bit set.
    let v = bytes[start] & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + bytes[start + i];
    return v;
  }
  const s = text(bytes, start, length).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`${name}: corrupt tar header: ${what} field ${JSON.stringify(s)} is not octal`);
  return parseInt(s, 8);
}

/** pax extended header records "len key=value\n"; returns the path if present. */
function paxPath(data: Uint8Array): string | undefined {
  const s = new TextDecoder().decode(data);
  for (const line of s.split("\n")) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The regular files of a tar archive, in archive order. Directories, links and other entries are
 * skipped. A bad header checksum, a truncated member or a missing end is an Error naming the archive.
 * @example const files = parseTar(await maybeGunzip(bytes, "cifar-10-binary.tar.gz"), "cifar-10-binary.tar.gz");
 */
export function parseTar(bytes: Uint8Array, name: string): TarEntry[] {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) throw new Error(`${name}: still gzip-compressed (gunzip it first)`);
  const out: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  while (true) {
    if (at + BLOCK > bytes.length) {
      if (at === bytes.length && out.length > 0) return out; // no end blocks: tolerated after whole members
      throw new Error(`${name}: truncated tar archive: header at byte ${at} runs past the end (${bytes.length} bytes)`);
    }
    const h = bytes.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return out; // end of archive
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = octal(h, 148, 8, "checksum", name);
    if (stored !== sum) {
      throw new Error(`${name}: not a tar archive or corrupt: header at byte ${at} has checksum ${stored}, computed ${sum}`);
    }
    const size = octal(h, 124, 12, "size", name);
    const type = String.fromCharCode(h[156] || 0x30);
    const magic = text(h, 257, 6);
    const prefix = magic === "ustar" ? text(h, 345, 155) : "";
    const headerName = (prefix ? `${prefix}/` : "") + text(h, 0, 100);
    const start = at + BLOCK;
    if (start + size > bytes.length) {
      throw new Error(`${name}: truncated tar archive: member ${headerName} needs ${size} bytes, ${bytes.length - start} left`);
    }
    const data = bytes.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === "g") continue;
    const entryName = longName ?? headerName;
    longName = undefined;
    if (type === "0" || type === "\0" || type === "7") out.push({ name: entryName, data });
  }
}

/** The file of an archive whose path ends in `/${base}` (or is `base`); undefined when absent. */
export function tarMember(entries: readonly TarEntry[], base: string): TarEntry | undefined {
  return entries.find((e) => e.name === base || e.name.endsWith(`/${base}`));
}
