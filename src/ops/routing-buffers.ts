// A layer's slot routing uploaded to persistent WASM memory in the layout the
// routing kernels read: CSR by destination slot, i32 indices, f32 coefficients.
// Must not generate routings (see routing/); it only copies and checks them.

import { engine, f32, i32 } from "../engine.js";
import { transposeRouting, type Routing } from "../routing/routing.js";

/** The CSR routing fields every producer (generator, checkpoint) provides. */
export type RoutingLike = Pick<Routing, "srcCores" | "dstCores" | "slotsPerCore" | "dstPtr" | "srcSlot" | "coef">;

export interface RoutingBuffers {
  srcCores: number;
  dstCores: number;
  slotsPerCore: number;
  routes: number;
  dstPtr: number;
  srcSlot: number;
  coef: number;
  /** The same routes by source slot (transposeRouting), for the input gradient. */
  bySource: { srcPtr: number; dstSlot: number; coef: number };
}

/** Copy a routing into persistent memory (call while building the model). */
export function uploadRouting(r: RoutingLike): RoutingBuffers {
  const DS = r.dstCores * r.slotsPerCore;
  const P = r.srcSlot.length;
  if (r.dstPtr.length !== DS + 1) throw new Error(`routing: dstPtr has ${r.dstPtr.length} entries, expected ${DS + 1}`);
  if (r.coef.length !== P || r.dstPtr[DS] !== P)
    throw new Error(`routing: ${P} source slots, ${r.coef.length} coefficients, dstPtr ends at ${r.dstPtr[DS]}`);
  const maxSrc = r.srcCores * r.slotsPerCore;
  for (let e = 0; e < P; e++) {
    if (r.srcSlot[e] < 0 || r.srcSlot[e] >= maxSrc) throw new Error(`routing: source slot ${r.srcSlot[e]} out of range [0, ${maxSrc})`);
  }
  const a = engine().arena;
  const dstPtr = a.allocPersistent((DS + 1) * 4, "routing dstPtr");
  const srcSlot = a.allocPersistent(Math.max(P, 1) * 4, "routing srcSlot");
  const coef = a.allocPersistent(Math.max(P, 1) * 4, "routing coef");
  i32(dstPtr, DS + 1).set(r.dstPtr);
  i32(srcSlot, P).set(r.srcSlot);
  f32(coef, P).set(r.coef);
  const t = transposeRouting(r);
  const bySource = {
    srcPtr: a.allocPersistent(t.srcPtr.length * 4, "routing srcPtr"),
    dstSlot: a.allocPersistent(Math.max(P, 1) * 4, "routing dstSlot"),
    coef: a.allocPersistent(Math.max(P, 1) * 4, "routing coef by source"),
  };
  i32(bySource.srcPtr, t.srcPtr.length).set(t.srcPtr);
  i32(bySource.dstSlot, P).set(t.dstSlot);
  f32(bySource.coef, P).set(t.coef);
  return { srcCores: r.srcCores, dstCores: r.dstCores, slotsPerCore: r.slotsPerCore, routes: P, dstPtr, srcSlot, coef, bySource };
}
