// A stack of ScRRAMBLe layers: one routing and one [Cdst, N, N] core-weight parameter per layer, the
// routing uploaded for the kernels. Shared by every model that has such layers (the capsule MLP, the
// ResNet head) and read by the crossbar simulators and the traffic report. Builds from routings it is
// given and a seeded stream; generates no routing itself (routing/network.ts does).
// Letters (docs/architecture.md): N core size, S slot size, C cores.

import type { Rng } from "../rng.js";
import type { Tensor } from "../tensor.js";
import { engine, parallel } from "../engine.js";
import { packedBytes } from "../wasm/abi.js";
import type { KernelCall } from "../wasm/pool.js";
import * as ops from "../ops/index.js";
import { uploadRouting, type RoutingBuffers } from "../ops/routing-buffers.js";
import type { Routing } from "../routing/routing.js";
import { routingFromArrays } from "../routing/routing.js";
import { parameter } from "./parameter.js";
import { coreInitStd, fillTruncatedNormal, type CoreInit } from "./init.js";
import type { StoredTensor, StoredTensors } from "./model.js";

export interface ScrrambleLayer {
  routing: Routing;
  buffers: RoutingBuffers;
  /** Core weights [Cdst, N, N]: row = output (slot, element), column = input (slot, element). */
  weight: Tensor;
  /** The weights packed for repeated forward passes (packScrrambleLayers), valid while version matches weight.version. */
  packed?: { ptr: number; version: number };
}

/**
 * One layer's forward: the fused routed kernel (relu fused when asked), on the packed weights when
 * they are current.
 * @example h = scrrambleForward(h, layers[0], true);
 */
export function scrrambleForward(h: Tensor, l: ScrrambleLayer, relu: boolean): Tensor {
  const packed = l.packed && l.packed.version === l.weight.version ? l.packed.ptr : 0;
  return ops.scrrambleLayer(h, l.weight, l.buffers, { relu, packed });
}

/**
 * Pack every core's weights of the layers once for repeated forward passes over unchanged weights
 * (models' prepareInference). Call outside a step; a later weight change makes the copy stale (ignored).
 * @example packScrrambleLayers(model.layers);
 */
export function packScrrambleLayers(layers: readonly ScrrambleLayer[]): void {
  const calls: KernelCall[] = [];
  for (const l of layers) {
    const [cores, N] = l.weight.shape;
    const bytes = packedBytes(N, N);
    l.packed ??= { ptr: engine().arena.allocPersistent(bytes * cores), version: -1 };
    if (l.packed.version === l.weight.version) continue;
    for (let c = 0; c < cores; c++) calls.push(["packB", l.weight.ptr + c * N * N * 4, N, 1, N, N, l.packed.ptr + c * bytes]);
    l.packed.version = l.weight.version;
  }
  parallel(calls);
}

/**
 * One layer per routing (cores[i] -> cores[i + 1]), weights named `${prefix}${i}.weight`, drawn from rng
 * in layer order with the std of `init`.
 * @example const layers = scrrambleLayers([4, 50, 10], 256, 64, routings, "glorot5d", rng, "layers.");
 */
export function scrrambleLayers(
  cores: readonly number[],
  coreSize: number,
  slotSize: number,
  routings: readonly Routing[],
  init: CoreInit,
  rng: Rng,
  prefix: string,
): ScrrambleLayer[] {
  return routings.map((routing, i) => {
    const weight = parameter([cores[i + 1], coreSize, coreSize], `${prefix}${i}.weight`);
    fillTruncatedNormal(weight, coreInitStd(init, cores[i + 1], coreSize, slotSize), rng);
    return { routing, buffers: uploadRouting(routing), weight };
  });
}

/** The routing tables of layers as I32 CSR arrays, `routing.{i}.dstPtr | srcSlot | coef` (checkpoint state). */
export function routingTensors(routings: readonly Routing[]): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  routings.forEach((r, i) => {
    for (const part of ["dstPtr", "srcSlot", "coef"] as const)
      out[`routing.${i}.${part}`] = { dtype: "I32", shape: [r[part].length], data: r[part] };
  });
  return out;
}

/** The routings stored by routingTensors, checked against the cores and slots per core K. */
export function routingsFromStored(stored: StoredTensors, cores: readonly number[], K: number): Routing[] {
  return cores.slice(1).map((dst, i) => {
    const get = (part: string) => {
      const t = stored[`routing.${i}.${part}`];
      if (!t) throw new Error(`missing tensor "routing.${i}.${part}"`);
      if (t.dtype !== "I32") throw new Error(`tensor "routing.${i}.${part}" has dtype ${t.dtype}, expected I32`);
      return t.data;
    };
    const arrays = {
      srcCores: cores[i],
      dstCores: dst,
      slotsPerCore: K,
      dstPtr: get("dstPtr"),
      srcSlot: get("srcSlot"),
      coef: get("coef"),
    };
    return routingFromArrays(arrays, `routing ${i}`);
  });
}
