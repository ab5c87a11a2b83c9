// A model's forward pass as data: a list of steps over a small op vocabulary
// (routing, per-core products, dense layers, activations, read-outs) with the
// weights they use. Exporters (the edge bundle) run a plan without knowing the
// model kind; each kind gives its plan through its registry entry. Types only.

/** One step of a forward plan; each reads the previous step's output [B, width]. */
export type PlanStep =
  /** Slot routing: x [B, srcCores N] -> routed [B, dstCores N], CSR by destination slot (integer coefficients). */
  | { op: "route"; srcCores: number; dstCores: number; slotsPerCore: number; dstPtr: Int32Array; srcSlot: Int32Array; coef: Int32Array }
  /** One N x N product per core: y[:, c] = x[:, c] . W[c]^T, weight [cores, size, size] (row = output). */
  | { op: "cores"; cores: number; size: number; weight: Float32Array }
  /** y = x . W^T (+ bias), weight [outputs, inputs]. */
  | { op: "dense"; inputs: number; outputs: number; weight: Float32Array; bias: Float32Array | null }
  | { op: "relu" }
  /** The ADC model: relu, floor onto 2^bits - 1 steps over [0, max], clipped. */
  | { op: "qrelu"; bits: number; max: number }
  /** Class scores = capsule lengths of `classes` capsules (squash). */
  | { op: "capsules"; classes: number }
  /** Class scores = mean of each class's group of `groupSize` outputs (the first classes * groupSize). */
  | { op: "groupMean"; classes: number; groupSize: number };

export type PlanOp = PlanStep["op"];

/** Everything needed to run a model forward, outside the library. */
export interface ForwardPlan {
  kind: string;
  inputSize: number;
  classes: number;
  /** The image the model takes (HWC), e.g. 32 x 32 x 1 for 1024 inputs. */
  input: { height: number; width: number; channels: number };
  steps: PlanStep[];
}

/** The square single-channel image of a model's inputs (1024 -> 32 x 32 x 1). */
export function squareInput(inputSize: number): { height: number; width: number; channels: number } {
  const side = Math.round(Math.sqrt(inputSize));
  return side * side === inputSize ? { height: side, width: side, channels: 1 } : { height: 1, width: inputSize, channels: 1 };
}
