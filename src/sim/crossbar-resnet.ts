// Simulated inference of a trained ScRRAMBLe-ResNet: the convolutional front end, the fixed projection,
// the layer norms and any dense classifier stay digital (exactly the model's own computation); the
// ScRRAMBLe layers run on simulated crossbars (crossbar-stack.ts). A core whose output goes straight
// into a relu gets the relu-quantising ADC; the others (the last layer, a layer norm before the relu)
// a signed mid-rise ADC. Reads the trained model; never changes it. Implements Model for evaluate().

import type { Tensor } from "../tensor.js";
import type { ScrrambleResnet } from "../nn/scrramble-resnet.js";
import type { BatchInput } from "../nn/model.js";
import type { LayerObserver } from "./crossbar-stack.js";
import { StackHardware } from "./stack-hardware.js";

/**
 * @example
 * const sim = new ResnetCrossbar(model);
 * sim.program({ ...CROSSBAR_DEFAULTS, adcBits: 6 });
 * sim.calibrate(calibrationBatches(model, train, 4));
 * evaluate(sim, test).accuracy;
 */
export class ResnetCrossbar extends StackHardware<ScrrambleResnet> {
  /** True when layer i's core output is signed (no relu right after it): its ADC is the mid-rise one. */
  signedOutput(i: number): boolean {
    return i + 1 === this.model.layers.length || this.model.config.headNorm === "layer";
  }

  /** The last layer's outputs after its ADC (capsules or the classifier's input). */
  protected run(x: Tensor, observe?: LayerObserver): Tensor {
    let h = this.model.features(x);
    for (let li = 0; li < this.model.layers.length; li++) {
      const y = this.stack.runLayer(li, h, this.opts, this.noiseRng, this.calibrating, observe);
      h = this.model.afterLayer(li, this.stack.adc(li, y, this.opts, this.signedOutput(li), this.calibrating));
    }
    return h;
  }

  scores(x: Tensor): Tensor {
    return this.model.outputScores(this.run(x));
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    return this.model.outputLoss(this.run(batch.x), batch.labels);
  }
}
