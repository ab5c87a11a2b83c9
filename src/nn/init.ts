// Weight initialisers, seeded. ScRRAMBLe cores: "glorot5d" (the reference:
// Glorot normal over the 5-D tensor [cores, K, K, s, s], a small std) or
// "glorot-core" (Glorot normal over one N x N core). Dense: Glorot uniform.

import type { Rng } from "../rng.js";
import type { Tensor } from "../tensor.js";

export const CORE_INITS = ["glorot5d", "glorot-core"] as const;
export type CoreInit = (typeof CORE_INITS)[number];

/** Standard deviation of a core's weights under an init rule. */
export function coreInitStd(init: CoreInit, cores: number, coreSize: number, slotSize: number): number {
  const K = coreSize / slotSize;
  if (init === "glorot5d") {
    // [cores, K, K, s, s]: fan_in = fan_out = s * (cores * K * K) (receptive field = leading dims)
    const fan = slotSize * cores * K * K;
    return Math.sqrt(2 / (fan + fan));
  }
  return Math.sqrt(2 / (coreSize + coreSize));
}

/** Fill with N(0, std) values (truncated at 2 std, as JAX's glorot_normal, rescaled to keep std). */
export function fillTruncatedNormal(t: Tensor, std: number, rng: Rng): void {
  const d = t.data();
  const scale = std / 0.8796256610342398;
  for (let i = 0; i < d.length; i++) {
    let z: number;
    do z = rng.normal();
    while (z < -2 || z > 2);
    d[i] = z * scale;
  }
}

/** Glorot uniform for a dense weight [out, in]. */
export function fillGlorotUniform(t: Tensor, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const d = t.data();
  for (let i = 0; i < d.length; i++) d[i] = (2 * rng.uniform() - 1) * limit;
}
