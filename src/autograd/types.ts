// The op vocabulary of the tape: each op's name and what its forward saves for
// backward. The rule table in rules.ts is typed over OpName, so adding an op
// here without a backward rule fails tsc. Types only.

import type { Tensor } from "../tensor.js";
import type { RoutingBuffers } from "../ops/routing-buffers.js";
import type { ConvShape } from "../conv.js";

export interface OpSaved {
  matmul: null;
  linear: null;
  add: { broadcast: boolean };
  sub: null;
  mul: null;
  scale: { s: number };
  relu: null;
  qrelu: null;
  binaryStep: { width: number };
  sigmoid: null;
  reshape: null;
  sum: null;
  mean: null;
  softmaxCrossEntropy: { probs: number; labels: number; B: number; L: number };
  mse: null;
  capsuleMargin: {
    norms: number;
    lengths: number;
    labels: number;
    B: number;
    L: number;
    D: number;
    mPlus: number;
    mMinus: number;
    lambda: number;
  };
  /** routed: the gathered input [B, Cdst N] when the forward gathered the whole layer first, else null. */
  scrramble: { routing: RoutingBuffers; B: number; relu: boolean; routed: Tensor | null };
  conv2d: ConvShape;
  /** Statistics used (batch or running), whether relu was fused, rows M and channels F. */
  batchNorm: { mean: number; invstd: number; relu: boolean; batchStats: boolean; M: number; F: number };
  layerNorm: { mean: number; rstd: number; B: number; D: number };
  maxPool2d: null;
  avgPool2d: null;
  addRelu: null;
}

export type OpName = keyof OpSaved;

export interface TapeNode<K extends OpName = OpName> {
  op: K;
  out: Tensor;
  inputs: Tensor[];
  saved: OpSaved[K];
}

/** A backward rule: add this node's contribution to its inputs' gradients. */
export type BackwardRule<K extends OpName> = (node: TapeNode<K>, gy: Tensor) => void;

export type RuleTable = { [K in OpName]: BackwardRule<K> };
