// Fused optimiser updates over n parameters, PyTorch semantics. The caller
// passes bias corrections (1 - beta^t) so the kernel holds no step state.
// Each update also checks, in the same pass, that what it wrote is finite and
// writes the verdict to a caller-given i32 (0 finite, 1 not). Allocates nothing.

/**
 * Adam / AdamW. decoupled = 1: p -= lr * wd * p first (AdamW); decoupled = 0:
 * g += wd * p (Adam's L2). Then m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * p -= lr * (m / bc1) / (sqrt(v / bc2) + eps).
 * nonFinite (i32): 1 when an updated p or v is NaN or infinite (a non-finite m
 * always gives a non-finite v), else 0. x - x is +0 (all bits clear) exactly
 * when x is finite, so OR-ing those bits flags any NaN or infinity.
 */
export function adamStep(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, decoupled: i32,
  bc1: f32, bc2: f32, nonFinite: usize
): void {
  const bad = adamSpan(p, g, m, v, n, lr, beta1, beta2, eps, wd, decoupled, lr / bc1, <f32>(1.0 / Math.sqrt(<f64>bc2)));
  store<i32>(nonFinite, bad ? 1 : 0);
}

/**
 * adamStep's update of n values at p, g, m, v with stepSize = lr / bc1 and
 * invSqrtBc2 = 1 / sqrt(bc2); true when a new p or v is NaN or infinite. Each
 * value's arithmetic is the same wherever a span starts (routedWeightGradAdam
 * updates a core's weights row by row).
 */
@inline export function adamSpan(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, decoupled: i32,
  stepSize: f32, invSqrtBc2: f32
): bool {
  const decay: f32 = decoupled ? 1 - lr * wd : 1;
  const l2: f32 = decoupled ? 0 : wd;
  const n4 = n & ~3;
  // One loop per weight-decay form keeps a constant (and a multiply) out of each,
  // which leaves a register for the finite check.
  let check = decoupled
    ? adamLoop(true, p, g, m, v, n4, decay, beta1, beta2, eps, stepSize, invSqrtBc2)
    : adamLoop(false, p, g, m, v, n4, l2, beta1, beta2, eps, stepSize, invSqrtBc2);
  let tail: u32 = 0;
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    // the SIMD loop's operations in its order, so a value's bits do not depend on where a span starts
    let pv = load<f32>(p + o);
    let gv = load<f32>(g + o);
    if (decoupled) pv *= decay;
    else gv += l2 * pv;
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * (gv * gv);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    const pn = pv - stepSize * mv / (sqrt<f32>(vv) * invSqrtBc2 + eps);
    store<f32>(p + o, pn);
    tail |= reinterpret<u32>(pn - pn) | reinterpret<u32>(vv - vv);
  }
  return v128.any_true(check) || tail != 0;
}

/**
 * The SIMD part of adamStep over n4 (a multiple of 4) values. Decoupled: p *= k
 * (k = 1 - lr wd) before the update; else g += k p (k = wd). Returns the OR of
 * the bits of x - x over every new p and v: zero exactly when all are finite.
 * Sixteen values per loop step (adamVec four times), four at a time after: the
 * compiled loop's own work (its counter, the stack check, a constant reloaded
 * from the stack) comes once per 64 bytes of each array instead of per 16.
 */
@inline function adamLoop(
  decoupled: bool, p: usize, g: usize, m: usize, v: usize, n4: i32,
  k: f32, beta1: f32, beta2: f32, eps: f32, stepSize: f32, invSqrtBc2: f32
): v128 {
  const vk = f32x4.splat(k);
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const vstep = f32x4.splat(stepSize), vinv = f32x4.splat(invSqrtBc2), veps = f32x4.splat(eps);
  let check = v128.splat<i32>(0);
  const n16 = n4 & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const o = <usize>i << 2;
    check = adamVec(decoupled, p, g, m, v, o, vk, vb1, vb1c, vb2, vb2c, vstep, vinv, veps, check);
    check = adamVec(decoupled, p, g, m, v, o + 16, vk, vb1, vb1c, vb2, vb2c, vstep, vinv, veps, check);
    check = adamVec(decoupled, p, g, m, v, o + 32, vk, vb1, vb1c, vb2, vb2c, vstep, vinv, veps, check);
    check = adamVec(decoupled, p, g, m, v, o + 48, vk, vb1, vb1c, vb2, vb2c, vstep, vinv, veps, check);
  }
  for (; i < n4; i += 4) check = adamVec(decoupled, p, g, m, v, <usize>i << 2, vk, vb1, vb1c, vb2, vb2c, vstep, vinv, veps, check);
  return check;
}

// One vector of adamLoop at byte offset o; returns check OR-ed with its new p and v's x - x bits.
@inline function adamVec(
  decoupled: bool, p: usize, g: usize, m: usize, v: usize, o: usize,
  vk: v128, vb1: v128, vb1c: v128, vb2: v128, vb2c: v128, vstep: v128, vinv: v128, veps: v128, check: v128
): v128 {
  let pv = v128.load(p + o);
  let gv = v128.load(g + o);
  if (decoupled) pv = f32x4.mul(pv, vk);
  else gv = f32x4.add(gv, f32x4.mul(vk, pv));
  const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gv));
  const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
  v128.store(m + o, mv);
  v128.store(v + o, vv);
  const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinv), veps);
  const pn = f32x4.sub(pv, f32x4.div(f32x4.mul(vstep, mv), denom));
  v128.store(p + o, pn);
  return v128.or(check, v128.or(f32x4.sub(pn, pn), f32x4.sub(vv, vv)));
}

/**
 * SGD with momentum (PyTorch): g += wd p; buf = first ? g : mu buf + (1 - dampening) g;
 * d = nesterov ? g + mu buf : buf (or g when mu = 0); p -= lr d.
 * nonFinite (i32): 1 when an updated p is NaN or infinite, else 0.
 */
export function sgdStep(
  p: usize, g: usize, buf: usize, n: i32,
  lr: f32, momentum: f32, dampening: f32, wd: f32, nesterov: i32, first: i32, nonFinite: usize
): void {
  let check: u32 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o) + wd * pv;
    if (momentum != 0) {
      const b: f32 = first ? d : momentum * load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(buf + o, b);
      d = nesterov ? d + momentum * b : b;
    }
    const pn = pv - lr * d;
    store<f32>(p + o, pn);
    check |= reinterpret<u32>(pn - pn); // +0 bits unless pn is NaN or infinite
  }
  store<i32>(nonFinite, check != 0 ? 1 : 0);
}
