// Instantiates the kernel module in any runtime (no node:* imports): bytes come
// from the embedded base64 (default) or from the caller. Picks the relaxed-SIMD
// build when the engine validates it, else SIMD128. The host owns the memory.

import { ABI_VERSION, MAX_SHARED_PAGES } from "./abi.js";
import type { KernelExports } from "./kernels.js";
import { relaxedSharedWasm, relaxedWasm, simd128SharedWasm, simd128Wasm } from "./kernels.generated.js";
import { instantiateKernels } from "./instance.js";

export type SimdVariant = "simd128" | "relaxed";

export interface LoadOptions {
  /** "auto" (default) uses relaxed SIMD where the engine validates it. */
  variant?: SimdVariant | "auto";
  /** Module bytes to use instead of the embedded ones (variant then names them). */
  bytes?: Uint8Array<ArrayBuffer>;
  /** Initial memory in 64 KiB pages (default 64 = 4 MiB). */
  initialPages?: number;
  /** Use the shared-memory build (for worker threads; needs SharedArrayBuffer). */
  shared?: boolean;
}

export interface LoadedKernels {
  exports: KernelExports;
  memory: WebAssembly.Memory;
  variant: SimdVariant;
  /** The compiled module (workers instantiate it over the same shared memory). */
  module: WebAssembly.Module;
  shared: boolean;
}

function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

function embedded(variant: SimdVariant, shared: boolean): Uint8Array<ArrayBuffer> {
  const key = `${variant}${shared ? "-shared" : ""}`;
  let b = cache.get(key);
  if (!b) {
    b = fromBase64(variant === "relaxed" ? (shared ? relaxedSharedWasm : relaxedWasm) : shared ? simd128SharedWasm : simd128Wasm);
    cache.set(key, b);
  }
  return b;
}

/** True when this engine validates the relaxed-SIMD build. */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(embedded("relaxed", false));
}

/** Synchronously compile and instantiate the kernel module with a fresh memory. */
export function loadKernels(opts: LoadOptions = {}): LoadedKernels {
  let variant: SimdVariant;
  let bytes: Uint8Array<ArrayBuffer>;
  const shared = opts.shared ?? false;
  if (opts.bytes) {
    bytes = opts.bytes;
    variant = opts.variant === "relaxed" ? "relaxed" : "simd128";
  } else {
    const want = opts.variant ?? "auto";
    if (want === "relaxed" || (want === "auto" && relaxedSimdSupported())) {
      if (!relaxedSimdSupported()) {
        throw new Error("relaxed SIMD is not supported by this WebAssembly engine (Node 20 needs --experimental-wasm-relaxed-simd)");
      }
      variant = "relaxed";
    } else {
      variant = "simd128";
    }
    bytes = embedded(variant, shared);
  }
  if (shared && typeof SharedArrayBuffer === "undefined")
    throw new Error("shared memory (threads) needs SharedArrayBuffer, which this environment does not provide");
  if (!WebAssembly.validate(bytes))
    throw new Error(
      `kernel module (${variant}${shared ? ", shared" : ""}) does not validate in this engine ` +
        `(WebAssembly SIMD${shared ? " and threads" : ""} required)`,
    );
  const memory = shared
    ? new WebAssembly.Memory({ initial: opts.initialPages ?? 64, maximum: MAX_SHARED_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: opts.initialPages ?? 64 });
  const module = new WebAssembly.Module(bytes);
  const exports = instantiateKernels(module, memory);
  const abi = exports.ABI_VERSION?.value;
  if (abi !== ABI_VERSION)
    throw new Error(`kernel module ABI version ${abi} does not match the library's ${ABI_VERSION}: rebuild with npm run build`);
  return { exports, memory, variant, module, shared };
}
