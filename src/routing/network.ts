// The routings of a whole ScRRAMBLe network: the core-geometry checks (slot
// size divides the core size, at least one layer) and one routing per layer,
// each from its own seed derived from the network's routing seed. The one place
// models, reports and commands get per-layer routings from.

import { hashString } from "../rng.js";
import { generateRouting, type Routing } from "./routing.js";

/** What a network's routings are generated from. Letters: N core size, S slot size, K = N / S. */
export interface NetworkRoutingOptions {
  /** Cores per layer, input cores first, e.g. [4, 50, 10]. */
  cores: readonly number[];
  coreSize: number;
  slotSize: number;
  /** Connection probability of every layer. */
  p: number;
  routingSeed: number;
}

/** Seed of layer i's routing (layers count from 1), derived from the routing seed. */
export function layerRoutingSeed(routingSeed: number, layer: number): number {
  return hashString(`routing:${routingSeed}:${layer}`);
}

/**
 * Check the core geometry of a network; every message names the setting.
 * Returns K, the slots per core.
 * @example checkCoreGeometry({ cores: [4, 50, 10], coreSize: 256, slotSize: 64 }); // 4
 */
export function checkCoreGeometry(o: Pick<NetworkRoutingOptions, "cores" | "coreSize" | "slotSize">): number {
  const int = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be an integer >= 1, got ${v}`);
  };
  int("core size", o.coreSize);
  int("slot size", o.slotSize);
  if (o.coreSize % o.slotSize !== 0) throw new Error(`slot size ${o.slotSize} does not divide core size ${o.coreSize}`);
  if (o.cores.length < 2) throw new Error(`cores needs at least two entries (input cores, then each layer), got [${o.cores.join(", ")}]`);
  o.cores.forEach((n, i) => int(`cores[${i}]`, n));
  return o.coreSize / o.slotSize;
}

/**
 * One input-balanced routing per layer (layer i: cores[i-1] -> cores[i]).
 * @example const [r1, r2] = networkRoutings({ cores: [4, 50, 10], coreSize: 256, slotSize: 64, p: 0.2, routingSeed: 0 });
 */
export function networkRoutings(o: NetworkRoutingOptions): Routing[] {
  const K = checkCoreGeometry(o);
  if (!(o.p >= 0 && o.p <= 1)) throw new Error(`connection probability p must be in [0, 1], got ${o.p}`);
  return o.cores
    .slice(1)
    .map((dst, i) =>
      generateRouting({ srcCores: o.cores[i], dstCores: dst, slotsPerCore: K, p: o.p, seed: layerRoutingSeed(o.routingSeed, i + 1) }),
    );
}

/** Throws unless the routings fit the network (e.g. routings read from a checkpoint). */
export function checkNetworkRoutings(routings: readonly Routing[], cores: readonly number[], slotsPerCore: number): void {
  if (routings.length !== cores.length - 1) throw new Error(`${routings.length} routings for ${cores.length - 1} layers`);
  routings.forEach((r, i) => {
    if (r.srcCores !== cores[i] || r.dstCores !== cores[i + 1] || r.slotsPerCore !== slotsPerCore) {
      throw new Error(
        `layer ${i + 1} routing is ${r.srcCores} -> ${r.dstCores} cores x ${r.slotsPerCore} slots, ` +
          `the config says ${cores[i]} -> ${cores[i + 1]} x ${slotsPerCore}`,
      );
    }
  });
}
