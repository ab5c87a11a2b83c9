// Runtime smoke test of an exported bundle: imports the bundle file given on the
// command line (or BUNDLE in the environment) as a user would, classifies a
// fixed batch and prints one JSON line. Run under Node, Deno and Bun by
// smoke-runtimes.ts, which compares the lines; imports nothing runtime-specific.

const g = globalThis as { process?: { argv: string[] }; Deno?: { args: string[] }; Bun?: { argv: string[] } };
const file = g.Deno ? g.Deno.args[0] : g.process!.argv[2];
const { load } = (await import(new URL(file, "file:///").href)) as {
  load: () => Promise<{ predictBatch(px: Uint8Array, n: number): { labels: Int32Array; scores: Float32Array }; engine: object }>;
};
const m = await load();
const n = 5;
const px = new Uint8Array(n * 784);
for (let i = 0; i < px.length; i++) px[i] = (i * 37 + (i >> 5) * 11) % 256;
const r = m.predictBatch(px, n);
console.log(JSON.stringify({ labels: Array.from(r.labels), scores: Array.from(r.scores), engine: m.engine }));
