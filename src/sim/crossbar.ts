// Simulated analog inference of a trained ScRRAMBLe MLP: every core programmed
// as a crossbar (crossbar-stack.ts: mapping, device effects, DAC, read-out, ADC),
// the relu-quantising ADC at each core output, class capsules from the last
// layer. Reads the trained model; never changes it. Implements Model so the
// trainer's evaluate() scores it.

import type { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import type { BatchInput } from "../nn/model.js";
import type { Mapping } from "./mapping.js";
import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "./options.js";
import { SimulatedHardware, type TargetLayer } from "./sim-base.js";
import { CrossbarStack, type LayerObserver } from "./crossbar-stack.js";

/**
 * @example
 * const sim = new ScrrambleCrossbar(model);
 * sim.program({ ...CROSSBAR_DEFAULTS, levels: 16 });
 * sim.calibrate(batches);            // DAC / ADC ranges when set to 0
 * evaluate(sim, testLoader).accuracy;
 */
export class ScrrambleCrossbar extends SimulatedHardware {
  readonly model: ScrrambleMlp;
  readonly coreSize: number;
  readonly stack: CrossbarStack;

  /** Allocates the conductance arrays (persistent): build it outside a step. */
  constructor(model: ScrrambleMlp) {
    super(model, { model: model.config }, CROSSBAR_DEFAULTS);
    this.model = model;
    this.coreSize = model.config.coreSize;
    this.stack = new CrossbarStack(model.layers, model.config.coreSize, model.config.slotSize);
  }

  /** Program every core from the model's weights with these options (seeded). */
  program(opts: CrossbarOptions): void {
    this.stack.program(opts, this.begin(opts));
  }

  /** Every core's target conductances (levels, no device effects), the routing and the ranges in use. */
  override programTargets(): TargetLayer[] {
    return this.stack.programTargets(this.opts);
  }

  /** Program from stored targets (e.g. reloaded programming files): device effects as program() draws them, fixed ranges. */
  override loadTargets(opts: CrossbarOptions, layers: TargetLayer[]): void {
    this.stack.loadTargets(opts, layers, this.begin(opts));
  }

  /** Set calibrated DAC / ADC full scales (those given as 0) from sample inputs x [B, inputSize]. */
  calibrate(batches: Iterable<Float32Array>): void {
    const r = CrossbarStack.rangeCollector(this.model.layers.length, () => false);
    this.calibrationRuns(batches, (x) => this.run(x, r.observe));
    this.stack.setRanges(this.opts, r.dac, r.adc);
  }

  /** Calibrated or fixed full scales per layer. */
  ranges(): { dacMax: number; adcMax: number }[] {
    return this.stack.ranges();
  }

  /** Physical conductances of the whole model under the current mapping. */
  conductances(mapping: Mapping = this.opts.mapping): number {
    return this.stack.conductances(mapping);
  }

  private run(x: Tensor, observe?: LayerObserver): Tensor {
    let h = x;
    for (let li = 0; li < this.model.layers.length; li++) {
      const y = this.stack.runLayer(li, h, this.opts, this.noiseRng, this.calibrating, observe);
      // The output ADC when it has bits; an ideal converter otherwise, i.e. the model's own activation.
      h = this.opts.adcBits > 0 && !this.calibrating ? this.stack.adc(li, y, this.opts, false, false) : this.model.activate(y, li);
    }
    return h;
  }

  /** Pre-activation outputs of every layer (copies), for inspection and tests. */
  layerOutputs(x: Tensor): Float32Array[] {
    const out: Float32Array[] = [];
    this.run(x, (_, __, y) => out.push(y.slice()));
    return out;
  }

  /** The conductance-to-digital factor of a core (digital = current / alpha). */
  alpha(layer: number, core: number): number {
    return this.stack.alpha(layer, core);
  }

  /** Capsule outputs [B, lastCores * N] of the simulated hardware. */
  forward(x: Tensor): Tensor {
    return this.run(x);
  }

  scores(x: Tensor): Tensor {
    return ops.capsuleLengths(this.run(x), this.classes);
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    const { loss, lengths } = ops.capsuleMarginLoss(this.run(batch.x), batch.labels, this.classes);
    return { loss, scores: lengths };
  }
}
