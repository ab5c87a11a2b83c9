// Browser tests in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): the demo (a drawn stroke gets a prediction, a known test
// digit is classified correctly and as the same bundle does in Node, a
// screenshot), the demo as plain static files, and the library's core test files
// run in a page without cross-origin isolation (one thread) and with it (Web
// Workers). Skipped with one line where Chromium is not installed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleOf, BUNDLE_DEFAULTS } from "../src/deploy/bundle.js";
import type { BundleModel } from "../src/deploy/bundle-runtime.js";
import { readCheckpoint } from "../src/node/checkpoint-file.js";
import { loadBundledMnist } from "../src/node/data-files.js";
import { serveStatic } from "../src/node/serve.js";
import { DEMO_DIR, DEMO_FILES } from "../src/cli/demo.js";

const CHROMIUM = "/usr/bin/chromium";
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
/** Where the screenshots go (under the test output, dist/). */
export const OUTPUT = join(here, "..", "test-output");

type Page = import("playwright-core").Page;
type Context = import("playwright-core").BrowserContext;

if (!existsSync(CHROMIUM)) {
  console.log("no Chromium: apt-get install chromium");
} else {
  const { chromium } = await import("playwright-core");
  let context: Context;
  const tmp = mkdtempSync(join(tmpdir(), "scrramble-browser-"));
  const { model } = readCheckpoint(join(root, "test", "fixtures", "checkpoints-v1", "scrramble-mlp.safetensors"));
  const source = bundleOf(model, { ...BUNDLE_DEFAULTS, weights: "int8" }).source;
  writeFileSync(join(tmp, "model.mjs"), source);
  const inNode = (await (await import(pathToFileURL(join(tmp, "model.mjs")).href)).load()) as BundleModel;
  const { test: digits } = loadBundledMnist();
  // A test digit the bundle classifies correctly (the fixture model is small: 64 % accurate).
  const known = Array.from({ length: 50 }, (_, i) => i).find(
    (i) => inNode.predict(digits.images.subarray(i * 784, (i + 1) * 784)).label === digits.labels[i],
  )!;
  const knownPixels = Array.from(digits.images.subarray(known * 784, (known + 1) * 784));

  test.before(async () => {
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "scrramble-chromium-")), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking"].concat([
        "--disable-component-update",
        "--disable-sync",
      ]),
      viewport: { width: 960, height: 720 },
    });
  });
  test.after(async () => {
    await context?.close();
  });

  async function open(url: string): Promise<{ page: Page; errors: string[]; log: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [],
      log: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => log.push(m.text()));
    await page.goto(url);
    return { page, errors, log };
  }

  test("demo: a drawn stroke gets a prediction; a known test digit is classified correctly, as the bundle does in Node", async () => {
    const { server, url } = await serveStatic({ root: DEMO_DIR, files: { "/model.mjs": source } });
    try {
      const { page, errors } = await open(url);
      const info = await page.evaluate(() => (window as unknown as { demo: { ready: Promise<unknown> } }).demo.ready);
      assert.equal(info, {
        kind: "scrramble-mlp",
        weights: "int8",
        engine: { kernels: "simd128", threads: 1, wasmBytes: inNode.engine.wasmBytes },
        crossOriginIsolated: true,
      });
      assert.is(await page.getAttribute("#label", "data-state"), "empty");
      const box = (await page.locator("#pad").boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
      await page.mouse.down();
      for (let t = 0; t <= 1; t += 0.1) await page.mouse.move(box.x + box.width * (0.5 + 0.05 * t), box.y + box.height * (0.2 + 0.6 * t));
      await page.mouse.up();
      await page.waitForSelector('#label[data-state="ready"]');
      assert.match((await page.textContent("#label"))!, /^\d$/);
      assert.is(await page.locator("#bars li").count(), 10);

      const r = await page.evaluate(
        (px) => (window as unknown as { demo: { classify(p: number[]): unknown } }).demo.classify(px),
        knownPixels,
      );
      const { label, scores } = r as { label: number; scores: number[] };
      assert.is(label, digits.labels[known], "the known digit is classified correctly");
      assert.is(await page.textContent("#label"), String(digits.labels[known]));
      const node = inNode.predict(Uint8Array.from(knownPixels));
      assert.equal(scores, Array.from(node.scores), "the same bundle gives the same scores in Chromium and in Node");
      assert.is(await page.locator("#bars li.best .digit").textContent(), String(label));
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, "demo.png"), fullPage: true });
      console.log(`  demo screenshot: ${join(OUTPUT, "demo.png")}`);
      assert.equal(errors, []);
      await page.close();
    } finally {
      server.close();
    }
  });

  test("demo from a plain folder of static files (no COOP / COEP) works too", async () => {
    const site = join(tmp, "site");
    mkdirSync(site, { recursive: true });
    for (const f of DEMO_FILES) copyFileSync(join(DEMO_DIR, f), join(site, f));
    copyFileSync(join(tmp, "model.mjs"), join(site, "model.mjs"));
    const { server, url } = await serveStatic({ root: site, isolate: false });
    try {
      const { page, errors } = await open(url);
      const info = (await page.evaluate(() => (window as unknown as { demo: { ready: Promise<unknown> } }).demo.ready)) as {
        crossOriginIsolated: boolean;
      };
      assert.is(info.crossOriginIsolated, false);
      const r = (await page.evaluate(
        (px) => (window as unknown as { demo: { classify(p: number[]): unknown } }).demo.classify(px),
        knownPixels,
      )) as {
        label: number;
      };
      assert.is(r.label, digits.labels[known]);
      assert.match((await page.textContent("#status"))!, /scrramble-mlp, int8 weights/);
      assert.equal(errors, []);
      await page.close();
    } finally {
      server.close();
    }
  });

  /** The compiled test files that run in a browser: none imports node:*, the Node adapters or the commands. */
  function browserTestFiles(): string[] {
    const dir = join(root, "dist", "test");
    return readdirSync(dir)
      .filter((f) => f.endsWith(".test.js") && f !== "browser.test.js")
      .filter((f) => !/^\s*import\s[^;]*?from\s*["'](node:|[^"']*\/src\/(node|cli)\/)/m.test(readFileSync(join(dir, f), "utf8")))
      .sort();
  }

  const IMPORT_MAP = {
    imports: {
      uvu: "/node_modules/uvu/dist/index.mjs",
      "uvu/assert": "/node_modules/uvu/assert/index.mjs",
      "uvu/diff": "/node_modules/uvu/diff/index.mjs",
      kleur: "/node_modules/kleur/index.mjs",
      dequal: "/node_modules/dequal/dist/index.mjs",
      diff: "/node_modules/diff/lib/index.mjs",
    },
  };

  function corePage(files: string[]): string {
    return `<!doctype html><meta charset="utf-8"><title>scrramble core tests</title>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<script type="module">
globalThis.UVU_DEFER = 1;
const uvu = await import("uvu");
const files = ${JSON.stringify(files)};
for (const [i, f] of files.entries()) {
  globalThis.UVU_INDEX = i;
  globalThis.UVU_QUEUE.push([f]);
  await import("/dist/test/" + f);
}
await uvu.exec();
window.coreDone = { threads: globalThis.scrrambleThreadsSeen ?? [], isolated: crossOriginIsolated };
</script>`;
  }

  for (const isolate of [false, true]) {
    const how = isolate ? "cross-origin isolated (Web Worker threads)" : "without isolation (one thread)";
    test(`the library's core test files pass in Chromium ${how}`, async () => {
      const files = browserTestFiles();
      assert.ok(files.length >= 10 && files.includes("threads.test.js") && files.includes("autograd.test.js"), files.join(" "));
      const { server, url } = await serveStatic({ root, files: { "/__core.html": corePage(files) }, isolate });
      try {
        const { page, errors, log } = await open(url + "__core.html");
        await page.waitForFunction(() => (window as unknown as { coreDone?: unknown }).coreDone, null, { timeout: 240_000, polling: 200 });
        const done = (await page.evaluate(() => (window as unknown as { coreDone: unknown }).coreDone)) as {
          threads: number[];
          isolated: boolean;
        };
        // eslint-disable-next-line no-control-regex
        const text = log.join("").replace(/\u001b\[[0-9;]*m/g, "");
        const total = Number(/Total:\s+(\d+)/.exec(text)?.[1]);
        const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1]);
        assert.ok(total > 50, `ran ${total} tests`);
        assert.is(passed, total, text.slice(text.indexOf("FAIL") - 200, text.indexOf("FAIL") + 1500));
        assert.equal(errors, []);
        assert.is(done.isolated, isolate);
        assert.ok(done.threads.length >= 2, "the threads test made multi-thread engines");
        assert.ok(
          done.threads.every((t) => (isolate ? t >= 2 : t === 1)),
          `engines ran on ${done.threads.join(", ")} thread(s)`,
        );
        console.log(`  ${files.length} test files, ${passed} / ${total} tests passed in Chromium, kernel threads ${done.threads[0]}`);
        await page.close();
      } finally {
        server.close();
      }
    });
  }
}

test.run();
