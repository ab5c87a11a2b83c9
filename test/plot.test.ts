// Tests of the SVG builders (line charts and the routing matrix): well-formed
// markup, titles/legends present, edge cases, and cell counts matching the routing.
// Must not write files.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { escapeXml, lineChartSvg, niceTicks, tickLabel } from "../src/plot/svg.js";
import { generateRouting, routingFromArrays } from "../src/routing/routing.js";
import { routingSvg } from "../src/routing/svg.js";
import { routingStats } from "../src/routing/stats.js";

/** Checks tags are balanced and properly nested; returns the element names seen. */
function checkXml(svg: string): string[] {
  assert.ok(svg.startsWith("<svg "), "starts with <svg");
  assert.ok(svg.trimEnd().endsWith("</svg>"), "ends with </svg>");
  const stack: string[] = [];
  const seen: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(svg))) {
    const between = svg.slice(last, m.index);
    assert.not.ok(/[<>]/.test(between), `stray < or > in text: ${between.slice(0, 60)}`);
    assert.not.ok(/&(?!(amp|lt|gt|quot|apos);)/.test(between), `unescaped & in text: ${between.slice(0, 60)}`);
    last = re.lastIndex;
    const [, close, name, , self] = m;
    seen.push(name);
    if (self) continue;
    if (close) assert.is(stack.pop(), name, `closing </${name}>`);
    else stack.push(name);
  }
  assert.not.ok(/[<>]/.test(svg.slice(last)), "no unparsed tag at the end");
  assert.equal(stack, [], "all tags closed");
  return seen;
}

const count = (s: string, sub: string) => s.split(sub).length - 1;

test("escapeXml", () => {
  assert.is(escapeXml(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&apos;");
  assert.is(escapeXml("plain"), "plain");
});

test("niceTicks and tickLabel", () => {
  const { ticks, step } = niceTicks(0.03, 0.97);
  assert.is(step, 0.2);
  assert.equal(
    ticks.map((t) => tickLabel(t, step)),
    ["0", "0.2", "0.4", "0.6", "0.8", "1.0"],
  );
  const t2 = niceTicks(0, 30000);
  assert.is(t2.step, 5000);
  assert.is(t2.ticks[t2.ticks.length - 1], 30000);
  const flat = niceTicks(5, 5);
  assert.ok(flat.ticks[0] < 5 && flat.ticks[flat.ticks.length - 1] > 5);
});

test("line chart with two series: title, labels, legend, one polyline per series", () => {
  const svg = lineChartSvg({
    title: "Loss & accuracy <MNIST>",
    xLabel: "step",
    yLabel: "value",
    series: [
      {
        name: "train loss",
        points: [
          [0, 1],
          [100, 0.4],
          [200, 0.2],
          [300, 0.1],
        ],
      },
      {
        name: "val acc",
        points: [
          [0, 0.1],
          [150, 0.8],
          [300, 0.97],
        ],
        color: "#123456",
      },
    ],
  });
  const tags = checkXml(svg);
  assert.ok(svg.includes("Loss &amp; accuracy &lt;MNIST&gt;"));
  assert.ok(svg.includes(">train loss<") && svg.includes(">val acc<"));
  assert.ok(svg.includes(">step<") && svg.includes(">value<"));
  assert.is(tags.filter((t) => t === "polyline").length, 2);
  assert.ok(svg.includes('stroke="#123456"'));
  assert.ok(svg.includes(">300<"), "x tick label at the end of the range");
  assert.not.ok(svg.includes("NaN"));
});

test("line chart edge cases: no series, empty series, single point, constant values, yRange", () => {
  const none = lineChartSvg({ title: "Nothing", xLabel: "x", yLabel: "y", series: [] });
  checkXml(none);
  assert.ok(none.includes("no data"));
  const empty = lineChartSvg({ title: "Empty", xLabel: "x", yLabel: "y", series: [{ name: "s", points: [] }] });
  checkXml(empty);
  assert.ok(empty.includes(">s<") && empty.includes("no data"));
  const one = lineChartSvg({ title: "One", xLabel: "x", yLabel: "y", series: [{ name: "only", points: [[3, 7]] }] });
  checkXml(one);
  assert.is(count(one, "<circle"), 1);
  assert.is(count(one, "<polyline"), 0);
  const flat = lineChartSvg({
    title: "Flat",
    xLabel: "x",
    yLabel: "y",
    series: [
      {
        name: "c",
        points: [
          [0, 2],
          [1, 2],
          [2, NaN],
        ],
      },
    ],
    yRange: [0, 1],
  });
  checkXml(flat);
  assert.not.ok(flat.includes("NaN"));
  assert.not.ok(flat.includes("Infinity"));
  for (const svg of [none, empty, one, flat]) assert.not.ok(/NaN|Infinity/.test(svg));
});

test("line chart with log x axis drops x <= 0 and labels decades", () => {
  const svg = lineChartSvg({
    title: "ADC sweep",
    xLabel: "levels",
    yLabel: "accuracy",
    logX: true,
    series: [
      {
        name: "acc",
        points: [
          [0, 0.1],
          [2, 0.2],
          [16, 0.7],
          [256, 0.95],
          [65536, 0.98],
        ],
      },
    ],
  });
  checkXml(svg);
  assert.ok(svg.includes(">10<") && svg.includes(">1000<"));
  const pts = /<polyline points="([^"]+)"/.exec(svg)![1].split(" ");
  assert.is(pts.length, 4);
  assert.not.ok(/NaN|Infinity/.test(svg));
});

test("routing SVG has one cell per entry, coloured by sign", () => {
  const r = generateRouting({ srcCores: 2, dstCores: 3, slotsPerCore: 4, p: 0.4, seed: 2 });
  const s = routingStats(r);
  const svg = routingSvg(r);
  checkXml(svg);
  assert.ok(s.positive > 0 && s.negative > 0);
  assert.is(count(svg, 'class="pos"'), s.positive);
  assert.is(count(svg, 'class="neg"'), s.negative);
  assert.ok(svg.includes("source core / slot") && svg.includes("destination core / slot"));
  assert.ok(svg.includes("p = 0.4"));
  assert.ok(svg.includes("Routing 2 -&gt; 3 cores, 4 slots per core, p = 0.4"));
  assert.ok(svg.includes("+1 route") && svg.includes("-1 route"));
});

test("routing SVG labels |coef| > 1 and counts a hand-built routing exactly", () => {
  const r = routingFromArrays({ srcCores: 1, dstCores: 1, slotsPerCore: 3, dstPtr: [0, 2, 2, 3], srcSlot: [0, 1, 0], coef: [2, -1, -2] });
  const svg = routingSvg(r, { p: 0.5, title: "hand <built>" });
  checkXml(svg);
  assert.is(count(svg, 'class="pos"'), 1);
  assert.is(count(svg, 'class="neg"'), 2);
  assert.ok(svg.includes(">+2</text>") && svg.includes(">-2</text>"));
  assert.ok(svg.includes("hand &lt;built&gt;"));
  assert.ok(svg.includes("empty destination slots: 1"));
});

test("routing SVG stays bounded for a 16 x 200 slot layer and an empty routing", () => {
  const r = generateRouting({ srcCores: 4, dstCores: 50, slotsPerCore: 4, p: 0.2, seed: 1 });
  const svg = routingSvg(r);
  checkXml(svg);
  const [, w, h] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
  assert.ok(w <= 1200 && h <= 1200, `size ${w}x${h}`);
  const s = routingStats(r);
  assert.is(count(svg, 'class="pos"') + count(svg, 'class="neg"'), s.packets);
  // the transposed shape too
  const t = routingSvg(generateRouting({ srcCores: 50, dstCores: 10, slotsPerCore: 4, p: 0.2, seed: 1 }));
  const [, w2, h2] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(t)!.map(Number);
  assert.ok(w2 <= 1200 && h2 <= 1200, `size ${w2}x${h2}`);
  const empty = routingSvg(generateRouting({ srcCores: 2, dstCores: 2, slotsPerCore: 2, p: 0, seed: 0 }));
  checkXml(empty);
  assert.is(count(empty, 'class="pos"') + count(empty, 'class="neg"'), 0);
});

test.run();
