// Fused optimiser updates over n parameters, PyTorch semantics. The caller
// passes bias corrections (1 - beta^t) so the kernel holds no step state.
// Allocates nothing.

/**
 * Adam / AdamW. decoupled = 1: p -= lr * wd * p first (AdamW); decoupled = 0:
 * g += wd * p (Adam's L2). Then m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
 * p -= lr * (m / bc1) / (sqrt(v / bc2) + eps).
 */
export function adamStep(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, wd: f32, decoupled: i32,
  bc1: f32, bc2: f32
): void {
  const decay: f32 = decoupled ? 1 - lr * wd : 1;
  const l2: f32 = decoupled ? 0 : wd;
  const stepSize = lr / bc1;
  const invSqrtBc2: f32 = <f32>(1.0 / Math.sqrt(<f64>bc2));
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const vdecay = f32x4.splat(decay), vl2 = f32x4.splat(l2);
  const vstep = f32x4.splat(stepSize), vinv = f32x4.splat(invSqrtBc2), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let pv = v128.load(p + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vl2, pv));
    pv = f32x4.mul(pv, vdecay);
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinv), veps);
    v128.store(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(vstep, mv), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + l2 * pv;
    pv *= decay;
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, pv - stepSize * mv / (sqrt<f32>(vv) * invSqrtBc2 + eps));
  }
}

/**
 * SGD with momentum (PyTorch): g += wd p; buf = first ? g : mu buf + (1 - dampening) g;
 * d = nesterov ? g + mu buf : buf (or g when mu = 0); p -= lr d.
 */
export function sgdStep(
  p: usize, g: usize, buf: usize, n: i32,
  lr: f32, momentum: f32, dampening: f32, wd: f32, nesterov: i32, first: i32
): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    let d = load<f32>(g + o) + wd * pv;
    if (momentum != 0) {
      const b: f32 = first ? d : momentum * load<f32>(buf + o) + (1 - dampening) * d;
      store<f32>(buf + o, b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(p + o, pv - lr * d);
  }
}
