// adamStep against its scalar definition in f32, bit for bit (each operation
// rounded to f32 with Math.fround, in the kernel's order): lengths that run the
// 16-value loop, the 4-value loop and the scalar tail, both weight-decay forms,
// both SIMD builds; and the non-finite flag.

import { test } from "uvu";
import * as assert from "uvu/assert";
import v8 from "node:v8";
import { loadKernels, type SimdVariant } from "../src/wasm/load.js";
import { randomArray } from "./helpers/reference.js";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

const f = Math.fround;
const [LR, B1, B2, EPS, WD, BC1, BC2] = [1e-3, 0.9, 0.999, 1e-8, 0.05, 0.271, 0.00299];

/** adamStep's update of p, m, v in place, one value at a time in f32 (the kernel's operation order). */
function scalarAdam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, decoupled: boolean): void {
  const [lr, b1, b2, eps, wd] = [LR, B1, B2, EPS, WD].map(f);
  const stepSize = f(lr / f(BC1)),
    inv = f(1 / Math.sqrt(f(BC2)));
  const decay = decoupled ? f(1 - f(lr * wd)) : 1;
  const [c1, c2] = [f(1 - b1), f(1 - b2)];
  for (let i = 0; i < p.length; i++) {
    let pv = p[i],
      gv = g[i];
    if (decoupled) pv = f(pv * decay);
    else gv = f(gv + f(wd * pv));
    const mv = f(f(b1 * m[i]) + f(c1 * gv));
    const vv = f(f(b2 * v[i]) + f(c2 * f(gv * gv)));
    m[i] = mv;
    v[i] = vv;
    p[i] = f(pv - f(f(stepSize * mv) / f(f(Math.sqrt(vv) * inv) + eps)));
  }
}

for (const variant of ["simd128", "relaxed"] as SimdVariant[]) {
  test(`adamStep ${variant}: every value equals the scalar f32 update, bit for bit`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 64 });
    const seed = { s: 3 };
    for (const n of [1, 3, 4, 7, 15, 16, 17, 31, 53, 100, 1027]) {
      for (const decoupled of [true, false]) {
        const p = randomArray(n, seed),
          g = randomArray(n, seed, -3, 3),
          m = randomArray(n, seed, -0.5, 0.5),
          v = randomArray(n, seed, 0, 2);
        const at = [1 << 16, (1 << 16) + 8192, (1 << 16) + 16384, (1 << 16) + 24576],
          flag = (1 << 16) + 32768;
        const view = new Float32Array(memory.buffer);
        [p, g, m, v].forEach((a, i) => view.set(a, at[i] / 4));
        view[n + at[0] / 4] = 77; // a guard after p: never written
        k.adamStep(at[0], at[1], at[2], at[3], n, LR, B1, B2, EPS, WD, decoupled ? 1 : 0, BC1, BC2, flag);
        scalarAdam(p, g, m, v, decoupled);
        const out = new Float32Array(memory.buffer);
        for (const [name, want, base] of [
          ["p", p, at[0]],
          ["m", m, at[2]],
          ["v", v, at[3]],
        ] as const) {
          for (let i = 0; i < n; i++) {
            const got = out[base / 4 + i];
            if (!Object.is(got, want[i]))
              assert.unreachable(`${variant} n ${n} decoupled ${decoupled}: ${name}[${i}] ${got} vs ${want[i]}`);
          }
        }
        assert.is(out[n + at[0] / 4], 77, "nothing written past p");
        assert.is(new Int32Array(memory.buffer)[flag / 4], 0, "finite values: flag 0");
      }
    }
  });

  test(`adamStep ${variant}: a value that turns infinite sets the flag, wherever it sits`, () => {
    const { exports: k, memory } = loadKernels({ variant, initialPages: 64 });
    const n = 53,
      at = [1 << 16, (1 << 16) + 8192, (1 << 16) + 16384, (1 << 16) + 24576],
      flag = (1 << 16) + 32768;
    for (const bad of [0, 5, 16, 47, 50, 52]) {
      const view = new Float32Array(memory.buffer);
      for (let i = 0; i < 4; i++) view.fill(i === 3 ? 0.25 : 0.5, at[i] / 4, at[i] / 4 + n);
      view[at[1] / 4 + bad] = 3e38; // g^2 overflows: v becomes infinite
      k.adamStep(at[0], at[1], at[2], at[3], n, LR, B1, B2, EPS, WD, 1, BC1, BC2, flag);
      assert.is(new Int32Array(memory.buffer)[flag / 4], 1, `an infinite v at ${bad}`);
    }
  });
}

test.run();
