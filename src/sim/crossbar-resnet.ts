// Simulated inference of a trained ScRRAMBLe-ResNet: the convolutional front end, the fixed projection,
// the layer norms and any dense classifier stay digital (exactly the model's own computation); the
// ScRRAMBLe layers run on simulated crossbars (crossbar-stack.ts). A core whose output goes straight
// into a relu gets the relu-quantising ADC; the others (the last layer, a layer norm before the relu)
// a signed mid-rise ADC. Reads the trained model; never changes it. Implements Model for evaluate().

import type { Tensor } from "../tensor.js";
import type { ScrrambleResnet } from "../nn/scrramble-resnet.js";
import type { BatchInput } from "../nn/model.js";
import type { Mapping } from "./mapping.js";
import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "./options.js";
import { SimulatedHardware } from "./sim-base.js";
import { CrossbarStack, type LayerObserver } from "./crossbar-stack.js";

/**
 * @example
 * const sim = new ResnetCrossbar(model);
 * sim.program({ ...CROSSBAR_DEFAULTS, adcBits: 6 });
 * sim.calibrate(calibrationBatches(model, train, 4));
 * evaluate(sim, test).accuracy;
 */
export class ResnetCrossbar extends SimulatedHardware {
  readonly model: ScrrambleResnet;
  readonly coreSize: number;
  readonly stack: CrossbarStack;

  /** Allocates the conductance arrays (persistent): build it outside a step. */
  constructor(model: ScrrambleResnet) {
    super(model, { model: model.config }, CROSSBAR_DEFAULTS);
    this.model = model;
    this.coreSize = model.config.coreSize;
    this.stack = new CrossbarStack(model.layers, model.config.coreSize, model.config.slotSize);
  }

  /** True when layer i's core output is signed (no relu right after it): its ADC is the mid-rise one. */
  signedOutput(i: number): boolean {
    return i + 1 === this.model.layers.length || this.model.config.headNorm === "layer";
  }

  program(opts: CrossbarOptions): void {
    this.stack.program(opts, this.begin(opts));
  }

  calibrate(batches: Iterable<Float32Array>): void {
    const r = CrossbarStack.rangeCollector(this.model.layers.length, (i) => this.signedOutput(i));
    this.calibrationRuns(batches, (x) => this.run(x, r.observe));
    this.stack.setRanges(this.opts, r.dac, r.adc);
  }

  ranges(): { dacMax: number; adcMax: number }[] {
    return this.stack.ranges();
  }

  /** Conductances of the ScRRAMBLe cores (the digital front end has none). */
  conductances(mapping: Mapping = this.opts.mapping): number {
    return this.stack.conductances(mapping);
  }

  /** The last layer's outputs after its ADC (capsules or the classifier's input). */
  private run(x: Tensor, observe?: LayerObserver): Tensor {
    let h = this.model.features(x);
    for (let li = 0; li < this.model.layers.length; li++) {
      const y = this.stack.runLayer(li, h, this.opts, this.noiseRng, this.calibrating, observe);
      h = this.model.afterLayer(li, this.stack.adc(li, y, this.opts, this.signedOutput(li), this.calibrating));
    }
    return h;
  }

  /** Pre-ADC outputs of every ScRRAMBLe layer (copies), for inspection and tests. */
  layerOutputs(x: Tensor): Float32Array[] {
    const out: Float32Array[] = [];
    this.run(x, (_, __, y) => out.push(y.slice()));
    return out;
  }

  scores(x: Tensor): Tensor {
    return this.model.outputScores(this.run(x));
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    return this.model.outputLoss(this.run(batch.x), batch.labels);
  }
}
