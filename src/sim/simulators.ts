// Which crossbar simulator stands in for which model kind: the sim/ side of
// the model registry (nn/registry.ts), kept here so the forward-only closure
// never reaches simulation code. Adding a kind with hardware = one entry here.

import type { Model } from "../nn/model.js";
import type { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import type { DenseBaseline } from "../nn/dense-baseline.js";
import type { ScrrambleResnet } from "../nn/scrramble-resnet.js";
import { ScrrambleCrossbar } from "./crossbar.js";
import { DenseCrossbar } from "./crossbar-dense.js";
import { ResnetCrossbar } from "./crossbar-resnet.js";
import type { SimulatedHardware } from "./sim-base.js";

export interface SimulatorOptions {
  /** Tile size for models that are not built of cores (the dense baseline); default 256. */
  coreSize?: number;
}

const SIMULATORS: Record<string, (model: Model, o: SimulatorOptions) => SimulatedHardware> = {
  "scrramble-mlp": (m) => new ScrrambleCrossbar(m as ScrrambleMlp),
  "dense-baseline": (m, o) => new DenseCrossbar(m as DenseBaseline, o.coreSize ?? 256),
  "scrramble-resnet": (m) => new ResnetCrossbar(m as ScrrambleResnet),
};

/** True when a model kind can be simulated on crossbars. */
export function hasCrossbar(kind: string): boolean {
  return kind in SIMULATORS;
}

/**
 * The crossbar simulator of a trained model (allocates the conductance arrays:
 * build it outside a step).
 * @example
 * const sim = crossbarFor(model);
 * sim.program({ ...CROSSBAR_DEFAULTS, levels: 16 });
 * sim.calibrate(calibrationBatches(model, train, 4));
 * evaluate(sim, test).accuracy;
 */
export function crossbarFor(model: Model, o: SimulatorOptions = {}): SimulatedHardware {
  const make = SIMULATORS[model.kind];
  if (!make)
    throw new Error(
      `no crossbar simulator for model kind ${JSON.stringify(model.kind)}; simulated kinds: ${Object.keys(SIMULATORS).join(", ")}`,
    );
  return make(model, o);
}
