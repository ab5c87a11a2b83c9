// Simulated analog inference of the dense partial-sums baseline: each layer cut
// Simulated analog inference of the dense partial-sums baseline: each layer cut
// into N x N tiles mapped as differential pairs, or as single conductances with
// a reference line per tile whose current is subtracted from every output (dense
// inputs are not balanced, so the offset must be removed explicitly); per-tile
// ADC: every tile's partial sums digitised by its own ADC (signed, mid-rise),
// accumulated digitally, then bias and ReLU; accumulated ADC (the reference's
// protocol): the partial sums added first, then bias and the quantised ReLU on
// the sum. Reads the model; never changes it.

import { engine, gemmScratch } from "../engine.js";
import { Tensor } from "../tensor.js";
import * as ops from "../ops/index.js";
import type { DenseBaseline } from "../nn/dense-baseline.js";
import type { BatchInput } from "../nn/model.js";
import { mapCore, mapTileWithReference, type Mapping } from "./mapping.js";
import { CROSSBAR_DEFAULTS, type CrossbarOptions } from "./options.js";
import { maxAbs, maxPositive, SimulatedHardware } from "./sim-base.js";

interface TiledLayer {
  nIn: number;
  nOut: number;
  /** Effective conductances [nOut, nIn] (tile (j, i) is rows j*N.., columns i*N..). */
  g: number;
  /** Single mapping: the reference line of each tile, [outTiles, nIn] (tile (j, i) at row j, columns i*N..). */
  ref: number;
  /** alpha per tile, index j * inTiles + i. */
  alpha: Float64Array;
  inTiles: number;
  outTiles: number;
  adcMax: number;
}

export class DenseCrossbar extends SimulatedHardware {
  readonly model: DenseBaseline;
  readonly coreSize: number;
  private readonly layers: TiledLayer[];

  /** Allocates the conductance arrays (persistent): build it outside a step. */
  constructor(model: DenseBaseline, coreSize = 256) {
    super(model, { model: model.config, coreSize }, { ...CROSSBAR_DEFAULTS, mapping: "differential" });
    this.model = model;
    this.coreSize = coreSize;
    this.layers = model.layers.map((l) => {
      const [nOut, nIn] = l.w.shape;
      const inTiles = Math.ceil(nIn / coreSize),
        outTiles = Math.ceil(nOut / coreSize);
      return {
        nIn,
        nOut,
        g: Tensor.persistent([nOut, nIn]).ptr,
        ref: Tensor.persistent([outTiles, nIn]).ptr,
        alpha: new Float64Array(inTiles * outTiles),
        inTiles,
        outTiles,
        adcMax: 1,
      };
    });
  }

  /** Tiles (cores) of the whole network. */
  tiles(): number {
    return this.layers.reduce((a, l) => a + l.inTiles * l.outTiles, 0);
  }

  /**
   * Physical conductances: differential pairs 2 N^2 per tile; single
   * conductances need one reference line per tile, N (N + 1).
   */
  conductances(mapping: Mapping = this.opts.mapping): number {
    const N = this.coreSize;
    return this.tiles() * (mapping === "differential" ? 2 * N * N : N * (N + 1));
  }

  program(opts: CrossbarOptions): void {
    const rng = this.begin(opts);
    const N = this.coreSize;
    this.model.layers.forEach((l, li) => {
      const t = this.layers[li];
      const w = l.w.data().slice();
      const g = new Float32Array(t.nOut * t.nIn);
      const ref = new Float32Array(t.outTiles * t.nIn);
      for (let j = 0; j < t.outTiles; j++)
        for (let i = 0; i < t.inTiles; i++) {
          const rows = Math.min(N, t.nOut - j * N),
            cols = Math.min(N, t.nIn - i * N);
          const tile = new Float32Array(rows * cols);
          for (let r = 0; r < rows; r++) tile.set(w.subarray((j * N + r) * t.nIn + i * N, (j * N + r) * t.nIn + i * N + cols), r * cols);
          const mapped: { geff: Float32Array; alpha: number; ref?: Float32Array } =
            opts.mapping === "single"
              ? mapTileWithReference(tile, rows, cols, opts, rng)
              : mapCore(tile, rows, cols, opts.mapping, opts, rng);
          for (let r = 0; r < rows; r++) g.set(mapped.geff.subarray(r * cols, (r + 1) * cols), (j * N + r) * t.nIn + i * N);
          if (mapped.ref) ref.set(mapped.ref, j * t.nIn + i * N);
          t.alpha[j * t.inTiles + i] = mapped.alpha;
        }
      new Float32Array(engine().memory.buffer, t.g, t.nOut * t.nIn).set(g);
      new Float32Array(engine().memory.buffer, t.ref, t.outTiles * t.nIn).set(ref);
      t.adcMax = opts.adcMax || 1;
    });
  }

  /**
   * Calibrate the ADC full scale (when adcMax is 0), per layer: per-tile, the
   * largest |partial sum|; accumulated, the largest pre-activation (sum + bias).
   */
  calibrate(batches: Iterable<Float32Array>): void {
    const peak = this.layers.map(() => 0);
    const accumulated = this.opts.partialSumAdc === "accumulated";
    this.calibrationRuns(batches, (x) =>
      this.run(
        x,
        (li, p) => !accumulated && (peak[li] = Math.max(peak[li], maxAbs(p))),
        (li, y) => accumulated && (peak[li] = Math.max(peak[li], maxPositive(y))),
      ),
    );
    if (this.opts.adcMax === 0) this.layers.forEach((l, i) => (l.adcMax = peak[i] || 1));
  }

  ranges(): { adcMax: number }[] {
    return this.layers.map((l) => ({ adcMax: l.adcMax }));
  }

  private run(
    x: Tensor,
    observe?: (layer: number, partial: Float32Array) => void,
    observeSum?: (layer: number, preActivation: Float32Array) => void,
    observeTiles?: (layer: number, sums: Tensor) => void,
  ): Tensor {
    const e = engine();
    const k = e.k;
    const N = this.coreSize;
    const B = x.shape[0];
    const o = this.opts;
    const single = o.mapping === "single";
    // Read noise per output line: a differential pair reads two devices per weight; with
    // single conductances the output line and the reference line each read one.
    const sigma = o.readNoise * (o.gMax - o.gMin) * (single ? 1 : Math.SQRT2);
    let h = x;
    this.model.layers.forEach((l, li) => {
      const t = this.layers[li];
      const y = Tensor.zeros([B, t.nOut]);
      const cur = e.arena.allocStep(B * N * 4, "crossbar currents");
      const part = e.arena.allocStep(B * N * 4, "crossbar partial sums");
      const z = sigma > 0 ? e.arena.allocStep(B * N * 4, "read noise") : 0;
      const refCur = single ? e.arena.allocStep(B * 4, "reference currents") : 0;
      const refPart = single ? e.arena.allocStep(B * 4, "reference read-out") : 0;
      const scratch = gemmScratch(N);
      for (let j = 0; j < t.outTiles; j++)
        for (let i = 0; i < t.inTiles; i++) {
          const rows = Math.min(N, t.nOut - j * N),
            cols = Math.min(N, t.nIn - i * N);
          const xi = h.ptr + i * N * 4;
          const scale = 1 / t.alpha[j * t.inTiles + i];
          k.gemmNT(B, rows, cols, xi, t.nIn, t.g + (j * N * t.nIn + i * N) * 4, t.nIn, cur, rows, 0, scratch);
          if (z) this.noiseRng.fillNormal(new Float32Array(e.memory.buffer, z, B * rows));
          k.crossbarReadout(part, rows, cur, rows, xi, t.nIn, z, B, rows, cols, sigma, scale);
          if (single) {
            // The reference line's current (the offset every output line carries), read and subtracted.
            k.gemmNT(B, 1, cols, xi, t.nIn, t.ref + (j * t.nIn + i * N) * 4, t.nIn, refCur, 1, 0, scratch);
            if (z) this.noiseRng.fillNormal(new Float32Array(e.memory.buffer, z, B));
            k.crossbarReadout(refPart, 1, refCur, 1, xi, t.nIn, z, B, 1, cols, sigma, scale);
            const p = new Float32Array(e.memory.buffer, part, B * rows);
            const r = new Float32Array(e.memory.buffer, refPart, B);
            for (let b = 0; b < B; b++) for (let q = 0; q < rows; q++) p[b * rows + q] -= r[b];
          }
          if (observe) observe(li, new Float32Array(e.memory.buffer, part, B * rows));
          if (o.adcBits > 0 && !this.calibrating && o.partialSumAdc === "per-tile")
            k.quantizeMidrise(part, part, B * rows, 2 ** o.adcBits, t.adcMax);
          for (let b = 0; b < B; b++) k.scaleAcc(y.ptr + (b * t.nOut + j * N) * 4, part + b * rows * 4, 1, rows);
        }
      observeTiles?.(li, y);
      const pre = l.b ? ops.add(y, l.b) : y;
      if (observeSum) observeSum(li, pre.data());
      const adcOnSum = o.adcBits > 0 && !this.calibrating && o.partialSumAdc === "accumulated";
      h = adcOnSum ? ops.qrelu(pre, o.adcBits, t.adcMax) : ops.relu(pre);
    });
    return h;
  }

  /** Each layer's accumulated partial sums [B, nOut] before bias and ReLU (copies), for inspection and tests. */
  layerOutputs(x: Tensor): Float32Array[] {
    const out: Float32Array[] = [];
    this.run(x, undefined, undefined, (_, y) => out.push(y.toArray()));
    return out;
  }

  /** Logits of the simulated hardware. */
  scores(x: Tensor): Tensor {
    return this.model.group(this.run(x));
  }

  loss(batch: BatchInput): { loss: Tensor; scores: Tensor } {
    const logits = this.scores(batch.x);
    return { loss: ops.softmaxCrossEntropy(logits, batch.labels), scores: logits };
  }
}
