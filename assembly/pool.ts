// 2 x 2 pooling with stride 2 over NHWC images (x [B, H, W, F], H and W even -> y [B, H/2, W/2, F]),
// max and average, with backward kernels that accumulate (+=). Allocate nothing. Callers split the
// batch over threads by offsetting the pointers (images are contiguous).
// Letters (docs/architecture.md): B batch, H W image, F channels.

/** y = the largest of each 2 x 2 window. */
export function maxPool2(y: usize, x: usize, B: i32, H: i32, W: i32, F: i32): void {
  const H2 = H >> 1, W2 = W >> 1;
  const rowBytes = <usize>W * F << 2;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H2; i++)
      for (let j = 0; j < W2; j++) {
        const s = x + (<usize>((b * H + 2 * i) * W + 2 * j) * F << 2);
        const d = y + (<usize>((b * H2 + i) * W2 + j) * F << 2);
        const fb = <usize>F << 2;
        let f = 0;
        for (; f + 4 <= F; f += 4) {
          const o = <usize>f << 2;
          const top = f32x4.max(v128.load(s + o), v128.load(s + fb + o));
          v128.store(d + o, f32x4.max(top, f32x4.max(v128.load(s + rowBytes + o), v128.load(s + rowBytes + fb + o))));
        }
        for (; f < F; f++) {
          const o = <usize>f << 2;
          const top = max(load<f32>(s + o), load<f32>(s + fb + o));
          store<f32>(d + o, max(top, max(load<f32>(s + rowBytes + o), load<f32>(s + rowBytes + fb + o))));
        }
      }
}

/**
 * dx += dy routed to the element that won each window: the first in (0,0), (0,1), (1,0), (1,1) order
 * equal to the saved output y (ties go to that one only).
 */
export function maxPool2Backward(dx: usize, dy: usize, x: usize, y: usize, B: i32, H: i32, W: i32, F: i32): void {
  const H2 = H >> 1, W2 = W >> 1;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H2; i++)
      for (let j = 0; j < W2; j++) {
        const q = (b * H2 + i) * W2 + j;
        for (let f = 0; f < F; f++) {
          const m = load<f32>(y + ((<usize>q * F + f) << 2));
          const g = load<f32>(dy + ((<usize>q * F + f) << 2));
          for (let t = 0; t < 4; t++) {
            const at = ((<usize>((b * H + 2 * i + (t >> 1)) * W + 2 * j + (t & 1)) * F + f) << 2);
            if (load<f32>(x + at) == m) {
              store<f32>(dx + at, load<f32>(dx + at) + g);
              break;
            }
          }
        }
      }
}

/** y = the mean of each 2 x 2 window. */
export function avgPool2(y: usize, x: usize, B: i32, H: i32, W: i32, F: i32): void {
  const H2 = H >> 1, W2 = W >> 1;
  const rowBytes = <usize>W * F << 2;
  const fb = <usize>F << 2;
  const quarter = f32x4.splat(0.25);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H2; i++)
      for (let j = 0; j < W2; j++) {
        const s = x + (<usize>((b * H + 2 * i) * W + 2 * j) * F << 2);
        const d = y + (<usize>((b * H2 + i) * W2 + j) * F << 2);
        let f = 0;
        for (; f + 4 <= F; f += 4) {
          const o = <usize>f << 2;
          const top = f32x4.add(v128.load(s + o), v128.load(s + fb + o));
          const t = f32x4.add(top, f32x4.add(v128.load(s + rowBytes + o), v128.load(s + rowBytes + fb + o)));
          v128.store(d + o, f32x4.mul(t, quarter));
        }
        for (; f < F; f++) {
          const o = <usize>f << 2;
          const t = (load<f32>(s + o) + load<f32>(s + fb + o)) + (load<f32>(s + rowBytes + o) + load<f32>(s + rowBytes + fb + o));
          store<f32>(d + o, t * 0.25);
        }
      }
}

/** dx += dy / 4 spread over each window. */
export function avgPool2Backward(dx: usize, dy: usize, B: i32, H: i32, W: i32, F: i32): void {
  const H2 = H >> 1, W2 = W >> 1;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H2; i++)
      for (let j = 0; j < W2; j++) {
        const g = dy + (<usize>((b * H2 + i) * W2 + j) * F << 2);
        for (let t = 0; t < 4; t++) {
          const d = dx + (<usize>((b * H + 2 * i + (t >> 1)) * W + 2 * j + (t & 1)) * F << 2);
          for (let f = 0; f < F; f++) {
            const o = <usize>f << 2;
            store<f32>(d + o, load<f32>(d + o) + load<f32>(g + o) * 0.25);
          }
        }
      }
}
