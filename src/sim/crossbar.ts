// Simulated analog inference of a trained ScRRAMBLe MLP: every core programmed
// as a crossbar (crossbar-stack.ts: mapping, device effects, DAC, read-out, ADC),
// the relu-quantising ADC at each core output, class capsules from the last
// layer. Reads the trained model; never changes it. Implements Model so the
// trainer's evaluate() scores it.

import type { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import type { BatchInput } from "../nn/model.js";
import type { CrossbarOptions } from "./options.js";
import type { TargetLayer } from "./sim-base.js";
import type { LayerObserver } from "./crossbar-stack.js";
import { StackHardware } from "./stack-hardware.js";

/**
 * @example
 * const sim = new ScrrambleCrossbar(model);
 * sim.program({ ...CROSSBAR_DEFAULTS, levels: 16 });
 * sim.calibrate(batches);            // DAC / ADC ranges when set to 0
 * evaluate(sim, testLoader).accuracy;
 */
export class ScrrambleCrossbar extends StackHardware<ScrrambleMlp> {
  /** Every core's output goes into a relu-quantising ADC (the capsules take the last layer's). */
  signedOutput(): boolean {
    return false;
  }

  /** Every core's target conductances (levels, no device effects), the routing and the ranges in use. */
  override programTargets(): TargetLayer[] {
    return this.stack.programTargets(this.opts);
  }

  /** Program from stored targets (e.g. reloaded programming files): device effects as program() draws them, fixed ranges. */
  override loadTargets(opts: CrossbarOptions, layers: TargetLayer[]): void {
    this.stack.loadTargets(opts, layers, this.begin(opts));
  }

  protected run(x: Tensor, observe?: LayerObserver): Tensor {
    let h = x;
    for (let li = 0; li < this.model.layers.length; li++) {
      const y = this.stack.runLayer(li, h, this.opts, this.noiseRng, this.calibrating, observe);
      // The output ADC when it has bits; an ideal converter otherwise, i.e. the model's own activation.
      h = this.opts.adcBits > 0 && !this.calibrating ? this.stack.adc(li, y, this.opts, false, false) : this.model.activate(y, li);
    }
    return h;
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
