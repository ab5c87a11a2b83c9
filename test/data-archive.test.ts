// Reading CIFAR straight from the official .tar.gz layout: the tar reader (ustar, GNU long names,
// checksums, truncation), both archives' member layouts, the folder-holding-the-archive form, and the
// errors that name the file (wrong size, bad label, the Python-pickle archive). Archives are built here.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseTar, tarMember } from "../src/data/tar.js";
import { cifarFromTar } from "../src/data/cifar.js";
import { loadCifar } from "../src/node/data-files.js";
import { loadData } from "../src/node/data.js";
import { cifarRecords, tarArchive } from "./helpers/archive.js";

const tmp = mkdtempSync(join(tmpdir(), "scrramble-archive-"));
const bytes = (s: string) => new TextEncoder().encode(s);

async function rejects(p: Promise<unknown>, ...parts: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    for (const part of parts) assert.ok((e as Error).message.includes(part), `expected "${part}" in: ${(e as Error).message}`);
    return;
  }
  assert.unreachable("expected an error");
}

function cifar10Archive(perBatch: number, o: { testLabels?: number[]; drop?: string; badSize?: boolean } = {}): Uint8Array {
  const files = [1, 2, 3, 4, 5].map((b) => ({
    name: `cifar-10-batches-bin/data_batch_${b}.bin`,
    data: cifarRecords(
      Array.from({ length: perBatch }, (_, i) => (b + i) % 10),
      { seed: b },
    ),
  }));
  files.push({ name: "cifar-10-batches-bin/test_batch.bin", data: cifarRecords(o.testLabels ?? [0, 1, 2, 3], { seed: 9 }) });
  files.push({ name: "cifar-10-batches-bin/batches.meta.txt", data: bytes("airplane\nautomobile\n") });
  const kept = files.filter((f) => !o.drop || !f.name.endsWith(o.drop));
  if (o.badSize) kept[0] = { ...kept[0], data: kept[0].data.subarray(0, kept[0].data.length - 5) };
  return gzipSync(tarArchive(kept));
}

test("parseTar reads ustar members, GNU long names, skips directories; tarMember finds by base name", () => {
  const a = tarArchive(
    [
      { name: "dir/", data: new Uint8Array(0), type: "5" },
      { name: "dir/a.txt", data: bytes("hello") },
      { name: "dir/a-rather-long-member-name-for-the-gnu-extension.bin", data: new Uint8Array(700).fill(7) },
    ],
    { gnuLongNames: true },
  );
  const entries = parseTar(a, "x.tar");
  assert.equal(
    entries.map((e) => e.name),
    ["dir/a.txt", "dir/a-rather-long-member-name-for-the-gnu-extension.bin"],
  );
  assert.is(new TextDecoder().decode(entries[0].data), "hello");
  assert.is(entries[1].data.length, 700);
  assert.ok(entries[1].data.every((b) => b === 7));
  assert.is(tarMember(entries, "a.txt")?.name, "dir/a.txt");
  assert.is(tarMember(entries, "b.txt"), undefined);
});

test("parseTar errors name the archive: bad checksum, truncated member, gzip not undone", () => {
  const a = tarArchive([{ name: "f.bin", data: new Uint8Array(1000) }]);
  const bad = a.slice();
  bad[10] ^= 1;
  assert.throws(() => parseTar(bad, "bad.tar"), /bad\.tar: not a tar archive or corrupt: header at byte 0 has checksum/);
  assert.throws(() => parseTar(a.subarray(0, 900), "cut.tar"), /cut\.tar: truncated tar archive: member f\.bin needs 1000 bytes, 388 left/);
  assert.throws(() => parseTar(gzipSync(a), "z.tar.gz"), /z\.tar\.gz: .*still gzip-compressed/);
});

test("CIFAR-10 from its .tar.gz (file, or a folder holding it): all five batches in order, then the test batch", async () => {
  const path = join(tmp, "cifar-10-binary.tar.gz");
  writeFileSync(path, cifar10Archive(3));
  const { train, test: t } = await loadCifar(path, "cifar10");
  assert.is(train.n, 15);
  assert.is(t.n, 4);
  assert.equal(Array.from(train.labels.subarray(0, 6)), [1, 2, 3, 2, 3, 4]);
  assert.equal([train.height, train.width, train.channels, train.classes], [32, 32, 3, 10]);
  assert.match(train.name, /^cifar10:train/);
  const dir = join(tmp, "holder");
  mkdirSync(dir);
  writeFileSync(join(dir, "cifar-10-binary.tar.gz"), cifar10Archive(3));
  const again = await loadCifar(dir, "cifar10");
  assert.equal(Array.from(again.train.images.subarray(0, 100)), Array.from(train.images.subarray(0, 100)));
});

test("CIFAR-100 from its archive: fine labels by default, coarse on request", async () => {
  const fine = [5, 99, 42, 20];
  const files = [
    { name: "cifar-100-binary/train.bin", data: cifarRecords(fine, { cifar100: true }) },
    { name: "cifar-100-binary/test.bin", data: cifarRecords([1, 2], { cifar100: true }) },
  ];
  const entries = parseTar(tarArchive(files), "c100.tar");
  const f = cifarFromTar(entries, "c100.tar", { variant: "cifar100" });
  assert.equal(Array.from(f.train.labels), fine);
  assert.is(f.train.classes, 100);
  const c = cifarFromTar(entries, "c100.tar", { variant: "cifar100", label: "coarse" });
  assert.equal(
    Array.from(c.train.labels),
    fine.map((y) => y % 20),
  );
  assert.is(c.train.classes, 20);
});

test("archive errors name the file: missing member, Python archive, wrong size, bad label, truncated gzip", async () => {
  const p1 = join(tmp, "missing.tar.gz");
  writeFileSync(p1, cifar10Archive(2, { drop: "data_batch_3.bin" }));
  await rejects(loadCifar(p1, "cifar10"), "missing.tar.gz: missing data_batch_3.bin", "cifar-10-binary.tar.gz layout");
  const p2 = join(tmp, "cifar-10-python.tar.gz");
  writeFileSync(p2, gzipSync(tarArchive([{ name: "cifar-10-batches-py/data_batch_1", data: new Uint8Array(10) }])));
  await rejects(loadCifar(p2, "cifar10"), "cifar-10-python.tar.gz", "Python-pickle archive", "cifar-10-binary.tar.gz");
  const p3 = join(tmp, "short.tar.gz");
  writeFileSync(p3, cifar10Archive(2, { badSize: true }));
  await rejects(loadCifar(p3, "cifar10"), "short.tar.gz:cifar-10-batches-bin/data_batch_1.bin", "not a whole number of cifar10 records");
  const p4 = join(tmp, "label.tar.gz");
  writeFileSync(p4, cifar10Archive(2, { testLabels: [0, 11] }));
  await rejects(loadCifar(p4, "cifar10"), "label.tar.gz:cifar-10-batches-bin/test_batch.bin", "record 1 has fine label 11");
  const p5 = join(tmp, "cut.tar.gz");
  const whole = cifar10Archive(2);
  writeFileSync(p5, whole.subarray(0, whole.length - 40));
  await rejects(loadCifar(p5, "cifar10"), "cut.tar.gz");
  await rejects(loadCifar(join(tmp, "nope.tar.gz"), "cifar10"), "nope.tar.gz: no such file or folder");
});

test("loadData: --dataset cifar10 splits (held-out default 5000 capped by size; reference halves of the test set)", async () => {
  const path = join(tmp, "split.tar.gz");
  writeFileSync(path, cifar10Archive(4, { testLabels: [0, 1, 2, 3, 4, 5, 6] }));
  const h = await loadData({ dataset: "cifar10", data: path, val: 5 });
  assert.equal([h.train.n, h.val!.n, h.test.n], [15, 5, 7]);
  assert.match(h.description, /15 train \/ 5 validation \(last of the training set\) \/ 7 test/);
  const r = await loadData({ dataset: "cifar10", data: path, split: "reference" });
  assert.equal([r.train.n, r.val!.n, r.test.n], [20, 3, 4]);
  assert.equal(Array.from(r.val!.labels), [0, 1, 2]);
  assert.equal(Array.from(r.test.labels), [3, 4, 5, 6]);
  assert.match(r.description, /first half of the test set/);
  await rejects(loadData({ dataset: "cifar10" }), "--dataset cifar10 needs --data PATH");
  await rejects(loadData({ dataset: "cifar10", data: path, split: "reference", val: 3 }), "--val applies to --split heldout");
  await rejects(loadData({ dataset: "cifar10", data: path }), "--val 5000 must be below the 20 training samples");
});

test.run();
