// Optimiser trajectories over several steps against a float64 reference of the
// PyTorch update rules (SGD momentum/Nesterov, Adam with L2, AdamW decoupled);
// the finite check fused into the update kernels; state save and restore; the
// split of the update over the threads (equal parts of all the elements).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { endStep, initEngine, engine, engineReady } from "../src/engine.js";
import { spawnNodeWorker } from "../src/node/threads.js";
import { parameter } from "../src/nn/parameter.js";
import { Adam, AdamW } from "../src/optim/adam.js";
import { SGD } from "../src/optim/sgd.js";
import type { Optimizer } from "../src/optim/optimizer.js";
import { elementParts, MIN_PART_ELEMENTS } from "../src/optim/pieces.js";
import { Rng } from "../src/rng.js";

const N = 7;
const STEPS = 12;
const p0 = Array.from({ length: N }, (_, i) => 0.5 - i * 0.13);
/** Gradient at step t depends on the current parameters (a quadratic plus a drift). */
const gradFn = (p: number[], t: number) => p.map((v, i) => 2 * v * (i + 1) * 0.3 + Math.sin(t + i) * 0.1);

function run(make: (params: ReturnType<typeof parameter>[]) => Optimizer): number[][] {
  endStep();
  const p = parameter([N], "p");
  p.set(p0);
  const opt = make([p]);
  const traj: number[][] = [];
  for (let t = 0; t < STEPS; t++) {
    opt.zeroGrad();
    p.grad!.set(gradFn(Array.from(p.data()), t));
    opt.step();
    traj.push(Array.from(p.data()));
  }
  return traj;
}

function refAdam(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): number[][] {
  const p = [...p0],
    m = new Array(N).fill(0),
    v = new Array(N).fill(0);
  const traj: number[][] = [];
  for (let t = 0; t < STEPS; t++) {
    const g = gradFn(p, t);
    for (let i = 0; i < N; i++) {
      let gi = g[i];
      if (decoupled) p[i] *= 1 - lr * wd;
      else gi += wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const mh = m[i] / (1 - b1 ** (t + 1));
      const vh = v[i] / (1 - b2 ** (t + 1));
      p[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
    traj.push([...p]);
  }
  return traj;
}

function refSgd(lr: number, mu: number, damp: number, wd: number, nesterov: boolean): number[][] {
  const p = [...p0],
    buf = new Array(N).fill(0);
  const traj: number[][] = [];
  for (let t = 0; t < STEPS; t++) {
    const g = gradFn(p, t);
    for (let i = 0; i < N; i++) {
      let d = g[i] + wd * p[i];
      if (mu !== 0) {
        buf[i] = t === 0 ? d : mu * buf[i] + (1 - damp) * d;
        d = nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
    traj.push([...p]);
  }
  return traj;
}

function close(got: number[][], want: number[][], tol = 2e-5) {
  for (let t = 0; t < STEPS; t++)
    for (let i = 0; i < N; i++) {
      const err = Math.abs(got[t][i] - want[t][i]);
      if (err > tol * (1 + Math.abs(want[t][i]))) assert.unreachable(`step ${t} param ${i}: ${got[t][i]} vs ${want[t][i]}`);
    }
}

test("AdamW (decoupled weight decay) follows the float64 reference for 12 steps", () => {
  close(
    run((ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 })),
    refAdam(0.01, 0.9, 0.999, 1e-8, 0.1, true),
  );
});

test("Adam (L2 weight decay in the gradient) follows the reference", () => {
  close(
    run((ps) => new Adam(ps, { lr: 0.02, beta1: 0.8, beta2: 0.99, weightDecay: 0.05 })),
    refAdam(0.02, 0.8, 0.99, 1e-8, 0.05, false),
  );
});

test("AdamW and Adam differ when weight decay is on (the check can tell them apart)", () => {
  const a = run((ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.5 }));
  const b = run((ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.5 }));
  assert.ok(Math.abs(a[STEPS - 1][3] - b[STEPS - 1][3]) > 1e-4);
});

test("SGD plain, momentum with dampening, Nesterov follow the reference", () => {
  close(
    run((ps) => new SGD(ps, { lr: 0.05 })),
    refSgd(0.05, 0, 0, 0, false),
  );
  close(
    run((ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })),
    refSgd(0.05, 0.9, 0.1, 0.01, false),
  );
  close(
    run((ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })),
    refSgd(0.05, 0.9, 0, 0, true),
  );
});

test("the update kernels report non-finite results, naming the parameter, in the SIMD body and the tail", () => {
  const makers: [string, (ps: ReturnType<typeof parameter>[]) => Optimizer][] = [
    ["adamw", (ps) => new AdamW(ps, { lr: 0.01 })],
    ["adam", (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.1 })],
    ["sgd", (ps) => new SGD(ps, { lr: 0.01 })],
    ["sgd momentum", (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9 })],
  ];
  for (const threads of [1, 2]) {
    initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : {});
    for (const [what, make] of makers) {
      // 4099 values: SIMD groups of 4 plus a scalar tail of 3; >= 4096, so split over threads.
      for (const at of [0, 2049, 4097]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          endStep();
          const a = parameter([5], "a"),
            b = parameter([4099], "b");
          const opt = make([a, b]);
          opt.zeroGrad();
          b.grad!.data().fill(0.5);
          opt.step();
          assert.is(opt.nonFinite, null, `${what}: finite step`);
          b.grad!.data()[at] = bad;
          opt.step();
          assert.is(opt.nonFinite, "b", `${what} ${threads} thread(s): ${bad} gradient at ${at}`);
          b.grad!.data()[at] = 0;
          a.data()[1] = bad;
          b.set(new Float32Array(4099));
          const fresh = make([a, b]);
          fresh.step();
          assert.is(fresh.nonFinite, "a", `${what}: ${bad} weight`);
        }
      }
    }
    engine().pool?.close();
  }
  initEngine();
  // An overflow of finite values (the learning rate blows the weights up) is caught too.
  endStep();
  const w = parameter([6], "w");
  w.set([3e38, 1, 1, 1, 1, 1]);
  const sgd = new SGD([w], { lr: 1e30 });
  w.grad!.set([-1e9, 0, 0, 0, 0, 0]);
  sgd.step();
  assert.is(w.data()[0], Infinity);
  assert.is(sgd.nonFinite, "w");
});

test("optimiser state round trip: a restored optimiser continues the same trajectory", () => {
  for (const make of [
    (ps: ReturnType<typeof parameter>[]) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 }),
    (ps: ReturnType<typeof parameter>[]) => new SGD(ps, { lr: 0.05, momentum: 0.9 }),
  ]) {
    endStep();
    const p = parameter([N], "p");
    p.set(p0);
    const opt = make([p]);
    const stepOnce = (o: Optimizer, t: number) => {
      o.zeroGrad();
      p.grad!.set(gradFn(Array.from(p.data()), t));
      o.step();
    };
    for (let t = 0; t < 5; t++) stepOnce(opt, t);
    const saved = opt.state();
    const weights = p.toArray();
    for (let t = 5; t < 9; t++) stepOnce(opt, t);
    const straight = p.toArray();
    p.set(weights);
    const again = make([p]);
    again.loadState(saved);
    assert.is(again.steps, 5);
    for (let t = 5; t < 9; t++) stepOnce(again, t);
    assert.equal(Array.from(p.toArray()), Array.from(straight));
    assert.throws(() => again.loadState({ steps: 1, buffers: {} }), /buffer ".*" is missing/);
  }
});

test("elementParts: every element once and in order, cuts at multiples of 4 inside a tensor, parts within 8 elements of equal", () => {
  const rng = new Rng(3);
  const cases: [number[], number][] = [
    [[3_276_800, 655_360, 256, 10], 2],
    [[3_276_800, 655_360, 256, 10], 16],
    [[5, 4099], 2],
    [[0, 9000, 0, 3], 3],
    [[100], 4], // fewer elements than a part is worth: one part
    [[0, 0], 2],
  ];
  for (let i = 0; i < 40; i++)
    cases.push([Array.from({ length: 1 + rng.int(12) }, () => (rng.int(4) === 0 ? 0 : 1 + rng.int(40_000))), 1 + rng.int(16)]);
  for (const [sizes, T] of cases) {
    const what = `sizes ${sizes.join(",")} on ${T}`;
    const parts = elementParts(sizes, T);
    const total = sizes.reduce((a, n) => a + n, 0);
    const P = Math.max(1, Math.min(T, Math.floor(total / MIN_PART_ELEMENTS)));
    assert.is(parts.length, P, what);
    // walk the pieces in order: each starts where the last ended, tensor after tensor
    let param = 0,
      at = 0;
    for (const piece of parts.flat()) {
      while (param < sizes.length && at === sizes[param]) (param++, (at = 0));
      assert.equal([piece.param, piece.lo], [param, at], `${what}: the next piece`);
      assert.ok(piece.hi > piece.lo && piece.hi <= sizes[param], `${what}: piece [${piece.lo}, ${piece.hi})`);
      assert.ok(piece.hi === sizes[param] || piece.hi % 4 === 0, `${what}: a cut at ${piece.hi}`);
      at = piece.hi;
    }
    while (param < sizes.length && at === sizes[param]) (param++, (at = 0));
    assert.is(param, sizes.length, `${what}: every element`);
    for (const part of parts) {
      const n = part.reduce((a, p) => a + p.hi - p.lo, 0);
      assert.ok(Math.abs(n - total / P) <= 8, `${what}: a part of ${n} for ${total / P}`);
    }
  }
});

test("SGD, Adam and AdamW on 2 and 3 threads update to the same bits as on one (a large weight, small biases)", async () => {
  const sizes = [70_001, 5, 4099, 3, 12_288];
  const makers: [string, (ps: ReturnType<typeof parameter>[]) => Optimizer][] = [
    ["sgd momentum", (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9, weightDecay: 1e-3 })],
    ["adam", (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.1 })],
    ["adamw", (ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 })],
  ];
  const trajectory = async (threads: number, make: (ps: ReturnType<typeof parameter>[]) => Optimizer) => {
    initEngine(threads > 1 ? { threads, spawnWorker: spawnNodeWorker } : {});
    await engineReady();
    const rng = new Rng(11);
    const ps = sizes.map((n, i) => {
      const p = parameter([n], `p${i}`);
      p.set(Float32Array.from({ length: n }, () => rng.normal()));
      return p;
    });
    const opt = make(ps);
    for (let t = 0; t < 3; t++) {
      opt.zeroGrad();
      for (const p of ps) p.grad!.set(Float32Array.from({ length: p.size }, () => rng.normal()));
      opt.step();
      assert.is(opt.nonFinite, null);
    }
    const out = ps.map((p) => p.toArray());
    engine().pool?.close();
    return out;
  };
  for (const [what, make] of makers) {
    const one = await trajectory(1, make);
    for (const T of [2, 3]) {
      const many = await trajectory(T, make);
      one.forEach((p, i) =>
        assert.ok(
          p.every((v, j) => Object.is(v, many[i][j])),
          `${what} on ${T} threads: parameter ${i} differs`,
        ),
      );
    }
  }
  initEngine();
});

test("optimiser arguments are validated", () => {
  endStep();
  const p = parameter([2]);
  assert.throws(() => new SGD([p], { lr: -1 }), /learning rate/);
  assert.throws(() => new Adam([p], { beta1: 1 }), /beta1/);
  assert.throws(() => new SGD([p], { nesterov: true }), /Nesterov/);
});

test.run();
