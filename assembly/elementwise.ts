// Elementwise kernels over f32 arrays of n values (byte addresses). SIMD over 4
// lanes with a scalar tail. Allocate nothing; "Acc" kernels add into the output
// (backward rules accumulate gradients), the others overwrite it.

/** x[0..n) = v */
export function fill(x: usize, n: i32, v: f32): void {
  const vv = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), vv);
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), v);
}

/** out = a + b */
export function add(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o)); }
}

/** out = a - b */
export function sub(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.sub(v128.load(a + o), v128.load(b + o))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(a + o) - load<f32>(b + o)); }
}

/** out = a * b */
export function mul(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o)); }
}

/** out += a * b */
export function mulAcc(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v128.load(a + o), v128.load(b + o))));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(out + o) + load<f32>(a + o) * load<f32>(b + o)); }
}

/** out = s * x */
export function scale(out: usize, x: usize, s: f32, n: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.mul(v128.load(x + o), sv)); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(x + o) * s); }
}

/** out += s * x  (axpy) */
export function scaleAcc(out: usize, x: usize, s: f32, n: i32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v128.load(x + o), sv)));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(out + o) + load<f32>(x + o) * s); }
}

/** out[r, j] = x[r, j] + bias[j]. Shapes: x, out [M, J]; bias [J]. */
export function addBias(out: usize, x: usize, bias: usize, M: i32, J: i32): void {
  for (let r = 0; r < M; r++) {
    const row = <usize>r * J << 2;
    let c = 0;
    for (; c + 4 <= J; c += 4) {
      const o = <usize>c << 2;
      v128.store(out + row + o, f32x4.add(v128.load(x + row + o), v128.load(bias + o)));
    }
    for (; c < J; c++) { const o = <usize>c << 2; store<f32>(out + row + o, load<f32>(x + row + o) + load<f32>(bias + o)); }
  }
}

/** out = max(x, 0) */
export function relu(out: usize, x: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.max(v128.load(x + o), z)); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, max<f32>(load<f32>(x + o), 0)); }
}

/** dx (+)= dy where x > 0 (x is the pre-activation input); accumulate 0 overwrites (0 where x <= 0). */
export function reluBackward(dx: usize, x: usize, dy: usize, n: i32, accumulate: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  if (accumulate) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const mask = f32x4.gt(v128.load(x + o), z);
      v128.store(dx + o, f32x4.add(v128.load(dx + o), v128.and(v128.load(dy + o), mask)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      if (load<f32>(x + o) > 0) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o));
    }
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), z)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/**
 * ADC model "qrelu": relu, then floor onto a grid of `steps` = 2^bits - 1 steps
 * over [0, maxVal], clipped at maxVal.
 */
export function qrelu(out: usize, x: usize, n: i32, steps: f32, maxVal: f32): void {
  const delta = maxVal / steps;
  const inv = steps / maxVal;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    let q: f32 = 0;
    if (v > 0) q = min<f32>(floor(v * inv), steps) * delta;
    store<f32>(out + o, q);
  }
}

/** Binary activation: out = 1 where x > 0, else 0 (a 1-bit comparator at zero). */
export function binaryStep(out: usize, x: usize, n: i32): void {
  const z = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(out + o, v128.and(one, f32x4.gt(v128.load(x + o), z))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(x + o) > 0 ? <f32>1 : <f32>0); }
}

/** Clipped straight-through gradient of binaryStep: dx += dy where |x| < width. */
export function binaryStepBackward(dx: usize, x: usize, dy: usize, n: i32, width: f32): void {
  const w = f32x4.splat(width);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const mask = f32x4.lt(f32x4.abs(v128.load(x + o)), w);
    v128.store(dx + o, f32x4.add(v128.load(dx + o), v128.and(v128.load(dy + o), mask)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (abs<f32>(load<f32>(x + o)) < width) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o));
  }
}

/** out = 1 / (1 + exp(-x)) */
export function sigmoid(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>(1.0 / (1.0 + Math.exp(-<f64>load<f32>(x + o)))));
  }
}

/** dx += dy * y * (1 - y), y = sigmoid output. */
export function sigmoidBackward(dx: usize, y: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * s * (1 - s));
  }
}

/** out = max(a + b, 0): the residual join of a ResNet block. */
export function addRelu(out: usize, a: usize, b: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(f32x4.add(v128.load(a + o), v128.load(b + o)), z));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, max<f32>(load<f32>(a + o) + load<f32>(b + o), 0)); }
}
