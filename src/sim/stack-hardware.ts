// Base of the simulators whose crossbar cores are a model's ScRRAMBLe layers
// (the MLP's whole network, the ResNet's head): owns the CrossbarStack and the
// programming, calibration, ranges and conductance counts they share. A
// subclass says how a batch runs (run) and which layers' outputs are signed.
// Reads the trained model; never changes it.

import type { Tensor } from "../tensor.js";
import type { Model } from "../nn/model.js";
import type { ScrrambleLayer } from "../nn/scrramble-layers.js";
import type { Mapping } from "./mapping.js";
import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "./options.js";
import { SimulatedHardware } from "./sim-base.js";
import { CrossbarStack, type LayerObserver } from "./crossbar-stack.js";

/** A model whose ScRRAMBLe layers become crossbar cores. */
export type StackedModel = Model & {
  readonly layers: ReadonlyArray<ScrrambleLayer>;
  readonly config: { coreSize: number; slotSize: number };
};

export abstract class StackHardware<M extends StackedModel> extends SimulatedHardware {
  readonly model: M;
  readonly coreSize: number;
  readonly stack: CrossbarStack;

  /** Allocates the conductance arrays (persistent): build it outside a step. */
  constructor(model: M) {
    super(model, { model: model.config }, CROSSBAR_DEFAULTS);
    this.model = model;
    this.coreSize = model.config.coreSize;
    this.stack = new CrossbarStack(model.layers, model.config.coreSize, model.config.slotSize);
  }

  /** True when layer i's core output is signed (no relu right after it): its ADC is the mid-rise one. */
  abstract signedOutput(i: number): boolean;

  /** The simulated forward pass of a batch; observe sees each layer's pre-ADC output. */
  protected abstract run(x: Tensor, observe?: LayerObserver): Tensor;

  /** Program every core from the model's weights with these options (seeded). */
  program(opts: CrossbarOptions): void {
    this.stack.program(opts, this.begin(opts));
  }

  /** Set calibrated DAC / ADC full scales (those given as 0) from sample inputs x [B, inputSize]. */
  calibrate(batches: Iterable<Float32Array>): void {
    const r = CrossbarStack.rangeCollector(this.model.layers.length, (i) => this.signedOutput(i));
    this.calibrationRuns(batches, (x) => this.run(x, r.observe));
    this.stack.setRanges(this.opts, r.dac, r.adc);
  }

  /** Calibrated or fixed full scales per layer. */
  ranges(): { dacMax: number; adcMax: number }[] {
    return this.stack.ranges();
  }

  /** Physical conductances of the crossbar cores under the current mapping. */
  conductances(mapping: Mapping = this.opts.mapping): number {
    return this.stack.conductances(mapping);
  }

  /** Pre-ADC outputs of every ScRRAMBLe layer (copies), for inspection and tests. */
  layerOutputs(x: Tensor): Float32Array[] {
    const out: Float32Array[] = [];
    this.run(x, (_, __, y) => out.push(y.slice()));
    return out;
  }
}
