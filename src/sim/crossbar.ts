// Simulated analog inference of a trained ScRRAMBLe MLP: every core programmed
// as a crossbar (single or differential mapping, device effects), routed inputs
// through a DAC, the conductance-domain MVM and read-out in WASM, an output ADC
// per core. Reads the trained model; never changes it. Implements Model so the
// trainer's evaluate() scores it.

import { engine, gemmScratch, parallel } from "../engine.js";
import { packedBytes } from "../wasm/abi.js";
import type { KernelCall } from "../wasm/pool.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { ScrrambleMlp } from "../nn/scrramble-mlp.js";
import type { BatchInput } from "../nn/model.js";
import { conductancesPerCore, coreTargets, effective, mapCore, type CoreTargets, type Mapping } from "./mapping.js";
import { applyDevice } from "./devices.js";
import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "./options.js";
import { maxAbs, maxPositive, SimulatedHardware, type TargetLayer } from "./sim-base.js";

interface SimLayer {
  srcCores: number;
  dstCores: number;
  /** Effective conductances [dstCores, N, N] in persistent memory. */
  g: number;
  /** The same, packed for the GEMM (packB of each core), refreshed by every programming. */
  packed: number;
  alpha: Float64Array;
  dacMax: number;
  adcMax: number;
}

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
  private readonly layers: SimLayer[];

  /** Allocates the conductance arrays (persistent): build it outside a step. */
  constructor(model: ScrrambleMlp) {
    super(model, { model: model.config }, CROSSBAR_DEFAULTS);
    this.model = model;
    this.coreSize = model.config.coreSize;
    const N = this.coreSize;
    this.layers = model.layers.map((l) => ({
      srcCores: l.routing.srcCores,
      dstCores: l.routing.dstCores,
      g: Tensor.persistent([l.routing.dstCores, N, N]).ptr,
      packed: engine().arena.allocPersistent(packedBytes(N, N) * l.routing.dstCores),
      alpha: new Float64Array(l.routing.dstCores),
      dacMax: 1,
      adcMax: 1,
    }));
  }

  /** Program every core from the model's weights with these options (seeded). */
  program(opts: CrossbarOptions): void {
    const rng = this.begin(opts);
    const N = this.model.config.coreSize;
    this.model.layers.forEach((l, li) => {
      const sim = this.layers[li];
      for (let c = 0; c < sim.dstCores; c++) {
        const w = l.weight.data().slice(c * N * N, (c + 1) * N * N);
        const { geff, alpha } = mapCore(w, N, N, opts.mapping, opts, rng);
        new Float32Array(engine().memory.buffer, sim.g + c * N * N * 4, N * N).set(geff);
        sim.alpha[c] = alpha;
      }
      this.pack(sim);
      sim.dacMax = opts.dacMax || 1;
      sim.adcMax = opts.adcMax || 1;
    });
  }

  /** Pack a layer's conductance matrices once per programming (every evaluation batch reuses them). */
  private pack(sim: SimLayer): void {
    const N = this.coreSize;
    const bytes = packedBytes(N, N);
    const calls: KernelCall[] = [];
    for (let c = 0; c < sim.dstCores; c++) calls.push(["packB", sim.g + c * N * N * 4, N, 1, N, N, sim.packed + c * bytes]);
    parallel(calls);
  }

  /** Every core's target conductances (levels, no device effects), the routing and the ranges in use. */
  override programTargets(): TargetLayer[] {
    const N = this.coreSize;
    return this.model.layers.map((l, li) => {
      const cores: CoreTargets[] = [];
      for (let c = 0; c < l.routing.dstCores; c++)
        cores.push(coreTargets(l.weight.data().slice(c * N * N, (c + 1) * N * N), N, N, this.opts.mapping, this.opts));
      return { cores, routing: l.routing, dacMax: this.layers[li].dacMax, adcMax: this.layers[li].adcMax };
    });
  }

  /** Program from stored targets (e.g. reloaded programming files): device effects as program() draws them, fixed ranges. */
  override loadTargets(opts: CrossbarOptions, layers: TargetLayer[]): void {
    const rng = this.begin(opts);
    const N = this.coreSize;
    if (layers.length !== this.layers.length) throw new Error(`targets have ${layers.length} layers, the model ${this.layers.length}`);
    layers.forEach((t, li) => {
      const sim = this.layers[li];
      if (t.cores.length !== sim.dstCores)
        throw new Error(`layer ${li}: targets for ${t.cores.length} cores, the model has ${sim.dstCores}`);
      t.cores.forEach((core, c) => {
        const arrays = core.arrays.map((a) => a.slice());
        for (const g of arrays) applyDevice(g, { ...opts, levels: 0 }, rng);
        new Float32Array(engine().memory.buffer, sim.g + c * N * N * 4, N * N).set(effective(arrays));
        sim.alpha[c] = core.alpha;
      });
      this.pack(sim);
      sim.dacMax = t.dacMax;
      sim.adcMax = t.adcMax;
    });
  }

  /** Set calibrated DAC / ADC full scales (those given as 0) from sample inputs x [B, inputSize]. */
  calibrate(batches: Iterable<Float32Array>): void {
    const dac = this.layers.map(() => 0),
      adc = this.layers.map(() => 0);
    this.calibrationRuns(batches, (x) =>
      this.run(x, (li, routed, y) => {
        dac[li] = Math.max(dac[li], maxAbs(routed));
        adc[li] = Math.max(adc[li], maxPositive(y));
      }),
    );
    this.layers.forEach((l, i) => {
      if (this.opts.dacMax === 0) l.dacMax = dac[i] || 1;
      if (this.opts.adcMax === 0) l.adcMax = adc[i] || 1;
    });
  }

  /** Calibrated or fixed full scales per layer. */
  ranges(): { dacMax: number; adcMax: number }[] {
    return this.layers.map((l) => ({ dacMax: l.dacMax, adcMax: l.adcMax }));
  }

  /** Physical conductances of the whole model under the current mapping. */
  conductances(mapping: Mapping = this.opts.mapping): number {
    const N = this.model.config.coreSize;
    return this.layers.reduce((a, l) => a + l.dstCores * conductancesPerCore(mapping, N, N), 0);
  }

  private run(x: Tensor, observe?: (layer: number, routed: Float32Array, y: Float32Array) => void): Tensor {
    const e = engine();
    const k = e.k;
    const N = this.model.config.coreSize;
    const K = this.model.config.coreSize / this.model.config.slotSize;
    const S = N / K;
    const B = x.shape[0];
    const o = this.opts;
    const sigma = o.readNoise * (o.gMax - o.gMin) * (o.mapping === "differential" ? Math.SQRT2 : 1);
    let h = x;
    this.model.layers.forEach((l, li) => {
      const sim = this.layers[li];
      const ld = sim.dstCores * N;
      const routed = e.arena.allocStep(B * ld * 4, "crossbar routed inputs");
      k.routeGather(routed, ld, h.ptr, sim.srcCores * N, B, S, sim.dstCores * K, l.buffers.dstPtr, l.buffers.srcSlot, l.buffers.coef);
      if (o.dacBits > 0 && !this.calibrating) {
        const steps = 2 ** (o.dacBits - 1) - 1;
        k.quantizeSymmetric(routed, routed, B * ld, steps, sim.dacMax);
      }
      const cur = e.arena.allocStep(B * ld * 4, "crossbar currents");
      const y = Tensor.empty([B, ld]);
      const z = sigma > 0 ? e.arena.allocStep(B * N * 4, "read noise") : 0;
      const scratch = gemmScratch(N);
      for (let c = 0; c < sim.dstCores; c++) {
        k.gemmPacked(B, N, N, routed + c * N * 4, ld, sim.packed + c * packedBytes(N, N), cur + c * N * 4, ld, 0, scratch);
        if (z) this.noiseRng.fillNormal(new Float32Array(e.memory.buffer, z, B * N));
        k.crossbarReadout(y.ptr + c * N * 4, ld, cur + c * N * 4, ld, routed + c * N * 4, ld, z, B, N, N, sigma, 1 / sim.alpha[c]);
      }
      observe?.(li, new Float32Array(e.memory.buffer, routed, B * ld), y.data());
      // The output ADC when it has bits; an ideal converter otherwise, i.e. the model's own activation.
      h = o.adcBits > 0 && !this.calibrating ? ops.qrelu(y, o.adcBits, sim.adcMax) : this.model.activate(y, li);
    });
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
    return this.layers[layer].alpha[core];
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
