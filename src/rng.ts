// Seeded random numbers: xoshiro128** over 32-bit integer math, so a seed gives
// the same stream in Node, Deno, Bun and browsers. Normals use the polar method
// with a logarithm built from +, *, / only (Math.log may differ between engines
// in the last bit). Must not use Math.random or any global state.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LN2 = 0.6931471805599453;

/** Natural log from IEEE-exact operations only (identical in every engine). */
export function detLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  f64[0] = x;
  let e = ((u32[1] >>> 20) & 0x7ff) - 1023;
  if (e === -1023) {
    // subnormal: scale up by 2^64 first
    f64[0] = x * 18446744073709551616;
    e = ((u32[1] >>> 20) & 0x7ff) - 1023 - 64;
  }
  u32[1] = (u32[1] & 0x800fffff) | 0x3ff00000; // mantissa in [1, 2)
  let m = f64[0];
  if (m > 1.4142135623730951) {
    m /= 2;
    e += 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let term = z,
    sum = 0;
  for (let k = 1; k < 40; k += 2) {
    sum += term / k;
    term *= z2;
    if (Math.abs(term) < 1e-20) break;
  }
  return e * LN2 + 2 * sum;
}

function splitmix32(state: { s: number }): number {
  let z = (state.s = (state.s + 0x9e3779b9) | 0);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A generator's position in its stream (Rng.state()). */
export interface RngState {
  words: number[];
  spare: number | null;
}

/**
 * A seeded generator.
 * @example
 * const rng = new Rng(42);
 * rng.uniform(); rng.int(10); rng.normal(); rng.binomial(200, 0.2);
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  // The spare normal in a field that only ever holds a number (an unboxed double: storing one
  // allocates nothing, where a number-or-null field boxes every value), and whether it is there.
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number | string = 0) {
    const st = { s: typeof seed === "string" ? hashString(seed) : seed | 0 };
    if (typeof seed === "number" && !Number.isInteger(seed)) throw new Error(`Rng: seed must be an integer, got ${seed}`);
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
  }

  /** Independent child stream, e.g. rng.fork("routing:1"). Same parent seed + label, same stream. */
  fork(label: string): Rng {
    return new Rng(hashString(`${this.s0}:${this.s1}:${this.s2}:${this.s3}:${label}`));
  }

  /**
   * The generator's state: four 32-bit words and the spare normal (null when
   * none). new Rng(0).restore(r.state()) continues r's stream exactly.
   */
  state(): RngState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.hasSpare ? this.spare : null };
  }

  /** Continue from a state() (checked: four 32-bit words, a finite or null spare). */
  restore(s: RngState): this {
    const ok =
      Array.isArray(s?.words) &&
      s.words.length === 4 &&
      s.words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      s.words.some((w) => w !== 0) &&
      (s.spare === null || Number.isFinite(s.spare));
    if (!ok) throw new Error(`Rng: not a generator state: ${JSON.stringify(s)}`);
    [this.s0, this.s1, this.s2, this.s3] = s.words.map((w) => w | 0);
    this.hasSpare = s.spare !== null;
    this.spare = s.spare ?? 0;
    return this;
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    let x: number;
    do x = this.nextU32();
    while (x >= limit);
    return x % n;
  }

  /** Standard normal (polar method), or mean + std * z. */
  normal(mean = 0, std = 1): number {
    if (this.hasSpare) {
      const z = this.spare;
      this.hasSpare = false;
      return mean + std * z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * detLog(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return mean + std * u * f;
  }

  /** Binomial(n, p): number of successes in n Bernoulli(p) trials. */
  binomial(n: number, p: number): number {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Rng.binomial: n must be a non-negative integer, got ${n}`);
    if (!(p >= 0 && p <= 1)) throw new Error(`Rng.binomial: p must be in [0, 1], got ${p}`);
    let k = 0;
    for (let i = 0; i < n; i++) if (this.uniform() < p) k++;
    return k;
  }

  /** Fill a Float32Array with normals. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a 32-bit hash of a string (seed derivation). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
