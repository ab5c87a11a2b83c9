// A stack of ScRRAMBLe layers programmed as crossbars, inside whatever model holds them (the capsule
// MLP, the ResNet head): each core's weights mapped to conductances (single or differential, device
// effects), routed inputs through the DAC, the conductance-domain MVM and read-out in WASM, and the
// output ADC (relu-quantised for cores whose output a relu follows, signed mid-rise otherwise). Reads the layers;
// never changes them. What a model does between layers (activations, norms) is its simulator's.
// Letters (docs/architecture.md): B batch, N core size, S slot size, K slots per core.

import { engine, gemmScratch, parallel, parallelRanges } from "../engine.js";
import { packedBytes } from "../wasm/abi.js";
import type { KernelCall } from "../wasm/pool.js";
import type { Rng } from "../rng.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { ScrrambleLayer } from "../nn/scrramble-layers.js";
import { conductancesPerCore, coreTargets, effective, mapCore, type CoreTargets, type Mapping } from "./mapping.js";
import { applyDevice } from "./devices.js";
import type { CrossbarOptions } from "./options.js";
import { maxAbs, maxPositive, type TargetLayer } from "./sim-base.js";

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

/** A layer's pre-ADC output and its routed (DAC'd) input, for calibration and inspection. */
export type LayerObserver = (layer: number, routed: Float32Array, y: Float32Array) => void;

/**
 * @example
 * const stack = new CrossbarStack(model.layers, 256, 64);
 * stack.program(opts, rng);
 * const y = stack.runLayer(0, x, opts, readRng, false); // pre-ADC outputs of layer 0
 */
export class CrossbarStack {
  readonly layers: readonly ScrrambleLayer[];
  readonly coreSize: number;
  readonly slotSize: number;
  private readonly sims: SimLayer[];

  /** Allocates the conductance arrays (persistent): build it outside a step. */
  constructor(layers: ReadonlyArray<ScrrambleLayer>, coreSize: number, slotSize: number) {
    this.layers = layers;
    this.coreSize = coreSize;
    this.slotSize = slotSize;
    const N = coreSize;
    this.sims = layers.map((l) => ({
      srcCores: l.routing.srcCores,
      dstCores: l.routing.dstCores,
      g: Tensor.persistent([l.routing.dstCores, N, N]).ptr,
      packed: engine().arena.allocPersistent(packedBytes(N, N) * l.routing.dstCores),
      alpha: new Float64Array(l.routing.dstCores),
      dacMax: 1,
      adcMax: 1,
    }));
  }

  /** Program every core from the layers' weights (draws from rng in core order). */
  program(opts: CrossbarOptions, rng: Rng): void {
    const N = this.coreSize;
    this.layers.forEach((l, li) => {
      const sim = this.sims[li];
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

  /** Every core's target conductances (levels, no device effects) under opts, the routing and the ranges in use. */
  programTargets(opts: CrossbarOptions): TargetLayer[] {
    const N = this.coreSize;
    return this.layers.map((l, li) => {
      const cores: CoreTargets[] = [];
      for (let c = 0; c < l.routing.dstCores; c++)
        cores.push(coreTargets(l.weight.data().slice(c * N * N, (c + 1) * N * N), N, N, opts.mapping, opts));
      return { cores, routing: l.routing, dacMax: this.sims[li].dacMax, adcMax: this.sims[li].adcMax };
    });
  }

  /** Program from stored targets (e.g. reloaded programming files): device effects drawn from rng, fixed ranges. */
  loadTargets(opts: CrossbarOptions, layers: TargetLayer[], rng: Rng): void {
    const N = this.coreSize;
    if (layers.length !== this.sims.length) throw new Error(`targets have ${layers.length} layers, the model ${this.sims.length}`);
    layers.forEach((t, li) => {
      const sim = this.sims[li];
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

  /** Set the full scales given as 0 in opts from observed maxima: DAC max |input|, ADC max output (|output| when signed). */
  setRanges(opts: CrossbarOptions, dac: number[], adc: number[]): void {
    this.sims.forEach((l, i) => {
      if (opts.dacMax === 0) l.dacMax = dac[i] || 1;
      if (opts.adcMax === 0) l.adcMax = adc[i] || 1;
    });
  }

  /** Observer that collects the maxima setRanges takes; `signed(i)`: layer i's ADC is signed. */
  static rangeCollector(layers: number, signed: (i: number) => boolean): { dac: number[]; adc: number[]; observe: LayerObserver } {
    const dac = new Array<number>(layers).fill(0),
      adc = new Array<number>(layers).fill(0);
    return {
      dac,
      adc,
      observe: (li, routed, y) => {
        dac[li] = Math.max(dac[li], maxAbs(routed));
        adc[li] = Math.max(adc[li], signed(li) ? maxAbs(y) : maxPositive(y));
      },
    };
  }

  ranges(): { dacMax: number; adcMax: number }[] {
    return this.sims.map((l) => ({ dacMax: l.dacMax, adcMax: l.adcMax }));
  }

  /** Physical conductances of every core under a mapping. */
  conductances(mapping: Mapping): number {
    return this.sims.reduce((a, l) => a + l.dstCores * conductancesPerCore(mapping, this.coreSize, this.coreSize), 0);
  }

  /** The conductance-to-digital factor of a core (digital = current / alpha). */
  alpha(layer: number, core: number): number {
    return this.sims[layer].alpha[core];
  }

  /**
   * Layer li's outputs [B, Cdst N] before the ADC (digital units): route h, DAC (unless ideal or
   * calibrating), conductance MVM with read noise from noiseRng, read-out. observe sees the routed
   * inputs and the outputs.
   */
  runLayer(li: number, h: Tensor, o: CrossbarOptions, noiseRng: Rng, calibrating: boolean, observe?: LayerObserver): Tensor {
    const e = engine();
    const k = e.k;
    const N = this.coreSize;
    const S = this.slotSize;
    const K = N / S;
    const B = h.shape[0];
    const l = this.layers[li];
    const sim = this.sims[li];
    const sigma = o.readNoise * (o.gMax - o.gMin) * (o.mapping === "differential" ? Math.SQRT2 : 1);
    const ld = sim.dstCores * N;
    const routed = e.arena.allocStep(B * ld * 4, "crossbar routed inputs");
    // Each sample's row is routed on its own: the batch splits over the threads with the same bits.
    const { dstPtr, srcSlot, coef } = l.buffers;
    const srcN = sim.srcCores * N;
    parallelRanges(
      B,
      (b0, b1) => [
        "routeGather",
        routed + b0 * ld * 4,
        ld,
        h.ptr + b0 * srcN * 4,
        srcN,
        b1 - b0,
        S,
        sim.dstCores * K,
        dstPtr,
        srcSlot,
        coef,
      ],
      { align: 1, minItems: 8 },
    );
    if (o.dacBits > 0 && !calibrating) k.quantizeSymmetric(routed, routed, B * ld, 2 ** (o.dacBits - 1) - 1, sim.dacMax);
    const cur = e.arena.allocStep(B * ld * 4, "crossbar currents");
    const y = Tensor.empty([B, ld]);
    const z = sigma > 0 ? e.arena.allocStep(B * N * 4, "read noise") : 0;
    const scratch = gemmScratch(N);
    for (let c = 0; c < sim.dstCores; c++) {
      k.gemmPacked(B, N, N, routed + c * N * 4, ld, sim.packed + c * packedBytes(N, N), cur + c * N * 4, ld, 0, scratch);
      if (z) noiseRng.fillNormal(new Float32Array(e.memory.buffer, z, B * N));
      k.crossbarReadout(y.ptr + c * N * 4, ld, cur + c * N * 4, ld, routed + c * N * 4, ld, z, B, N, N, sigma, 1 / sim.alpha[c]);
    }
    observe?.(li, new Float32Array(e.memory.buffer, routed, B * ld), y.data());
    return y;
  }

  /**
   * Layer li's ADC: relu then 2^bits - 1 steps over [0, max] (signed false), or 2^bits mid-rise codes
   * over [-max, max] (signed true, as the partial-sum ADC of the dense baseline); ideal (relu, or the
   * value itself) with 0 bits or while calibrating.
   */
  adc(li: number, y: Tensor, o: CrossbarOptions, signed: boolean, calibrating: boolean): Tensor {
    const max = this.sims[li].adcMax;
    if (o.adcBits === 0 || calibrating) return signed ? y : ops.relu(y);
    if (!signed) return ops.qrelu(y, o.adcBits, max);
    const q = Tensor.empty(y.shape);
    engine().k.quantizeMidrise(q.ptr, y.ptr, y.size, 2 ** o.adcBits, max);
    return q;
  }
}
