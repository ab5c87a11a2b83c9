// The command line's progress reporter: on a terminal the progress line is
// redrawn in place and done() ends it with a newline (so a message printed
// after a stop, e.g. Ctrl-C's resume hint, starts on its own line); logs go
// above the line; plain mode prints lines; json mode one object per line.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { createProgress } from "../src/cli/progress.js";

function sink(isTTY: boolean) {
  const s = { text: "", isTTY, columns: 100, write: (t: string) => (s.text += t) };
  return s;
}

test("tty: the line is redrawn in place; done() ends it with a newline; a log goes above it", () => {
  const s = sink(true);
  const p = createProgress({ mode: "tty", stream: s, now: () => 0 });
  p.update({ epoch: 1, epochs: 2, step: 3, steps: 10, loss: 0.5, acc: 0.5 });
  p.update({ epoch: 1, epochs: 2, step: 4, steps: 10, loss: 0.4, acc: 0.6 });
  assert.not.ok(s.text.includes("\n"), "no newline while the line is live");
  p.log("saved");
  assert.match(s.text, /\r\x1b\[2Ksaved\n/);
  p.done();
  assert.ok(s.text.endsWith("\n"), "done() ends the progress line");
  const lines = s.text.split("\n");
  assert.match(lines[lines.length - 2], /epoch 1\/2/);
  const q = sink(true);
  createProgress({ mode: "tty", stream: q }).done();
  assert.is(q.text, "", "nothing drawn, nothing to end");
});

test("plain and json modes write whole lines", () => {
  const s = sink(false);
  let t = 0;
  const p = createProgress({ mode: "plain", stream: s, now: () => t, intervalMs: 1000 });
  p.update({ epoch: 1, epochs: 1, step: 1, steps: 4 });
  t = 10;
  p.update({ epoch: 1, epochs: 1, step: 2, steps: 4 });
  p.done();
  assert.is(s.text.split("\n").length, 3, s.text);
  const j = sink(false);
  const pj = createProgress({ mode: "json", stream: j, now: () => 0 });
  pj.update({ epoch: 1, step: 1, steps: 2 });
  pj.log({ event: "eval", accuracy: 0.5 });
  pj.done();
  const objs = j.text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(
    objs.map((o) => o.event),
    ["progress", "eval", "done"],
  );
});

test.run();
