// Arena allocator over WASM linear memory: a persistent region (parameters,
// gradients, optimiser moments, routing) below a step region (batch data,
// activations, saved tensors) that is released in one go after each step.
// Pure TS over a MemoryLike, unit-tested against a fake; it never frees singly.
// Sizes must be safe non-negative integers: a bad size throws, naming the
// caller, before any pointer moves.

import { ALIGN, PAGE } from "./abi.js";

/** What the arena needs of a memory: WebAssembly.Memory satisfies it. */
export interface MemoryLike {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface ArenaStats {
  persistentBytes: number;
  stepBytes: number;
  peakStepBytes: number;
  memoryBytes: number;
  generation: number;
}

/**
 * What an allocation is for, named in its errors: a text, or a function that makes it
 * (only called on an error, so that a step's allocations build no text).
 */
export type Label = string | (() => string);

function label(what: Label): string {
  return typeof what === "string" ? what : what();
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/**
 * @example
 * const arena = new Arena(memory, heapBase);
 * const w = arena.allocPersistent(256 * 256 * 4);
 * const x = arena.allocStep(64 * 256 * 4); // valid until arena.resetStep()
 */
export class Arena {
  readonly memory: MemoryLike;
  private readonly base: number;
  private persistentTop: number;
  private stepTop: number;
  private peakStep = 0;
  /** End of everything ever allocated: the memory above it still holds the zeros it was created (or grown) with. */
  private used: number;
  /** Incremented by every resetStep(): step allocations of older generations are dead. */
  generation = 0;
  /** Incremented by every resetAll(): persistent allocations of older epochs are dead too. */
  epoch = 0;

  constructor(memory: MemoryLike, heapBase: number) {
    this.memory = memory;
    // Keep address 0 (and the module's static data below heapBase) unused.
    this.base = alignUp(Math.max(heapBase, ALIGN), ALIGN);
    this.persistentTop = this.base;
    this.stepTop = this.base;
    this.used = this.base;
  }

  /**
   * Every byte from this address up has never been allocated, so it still holds
   * zeros (WebAssembly memory starts and grows zero-filled): a zero-filled
   * allocation need not write (and so make resident) the pages above it.
   */
  get untouchedFrom(): number {
    return this.used;
  }

  private ensure(end: number, what: Label): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    // Grow by at least an eighth of the memory: each grow may copy it, so exact steps cost O(n^2).
    const ahead = Math.max(pages, Math.floor(have / PAGE / 8));
    try {
      this.memory.grow(ahead);
    } catch {
      try {
        this.memory.grow(pages); // near the maximum: exactly what is needed
      } catch (e) {
        throw new Error(`out of WASM memory: ${label(what)} needs memory up to byte ${end}, have ${have} (${(e as Error).message})`);
      }
    }
  }

  /** The end address of `bytes` allocated at `ptr`, after checking the size. */
  private endOf(ptr: number, bytes: number, what: Label): number {
    if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes < 0) {
      throw new Error(`${label(what)}: allocation size must be a safe non-negative integer number of bytes, got ${String(bytes)}`);
    }
    return alignUp(ptr + bytes, ALIGN);
  }

  /** True when the step region holds nothing. */
  get stepEmpty(): boolean {
    return this.stepTop === this.persistentTop;
  }

  /**
   * Allocate bytes that live until the arena is discarded. Only while no step is
   * open. `what` names the caller in errors.
   */
  allocPersistent(bytes: number, what: Label = "allocPersistent"): number {
    if (!this.stepEmpty) {
      throw new Error(
        "persistent allocation while a step is open: create parameters and optimiser state before the step, or call endStep() first",
      );
    }
    const ptr = this.persistentTop;
    const end = this.endOf(ptr, bytes, what);
    this.ensure(end, what);
    this.persistentTop = end;
    this.stepTop = end;
    this.used = Math.max(this.used, end);
    return ptr;
  }

  /** Allocate bytes valid until the next resetStep(); `what` names the caller in errors. */
  allocStep(bytes: number, what: Label = "allocStep"): number {
    const ptr = this.stepTop;
    const end = this.endOf(ptr, bytes, what);
    this.ensure(end, what);
    this.stepTop = end;
    this.used = Math.max(this.used, end);
    this.peakStep = Math.max(this.peakStep, end - this.persistentTop);
    return ptr;
  }

  /** The current top of the step region: hand it to releaseTo() to free what is allocated after it. */
  mark(): number {
    return this.stepTop;
  }

  /**
   * Free every step allocation made since mark() returned `mark` (a stack-like
   * temporary: an op's scratch, released before the op returns). Nothing made
   * after the mark may still be in use.
   */
  releaseTo(mark: number): void {
    if (mark < this.persistentTop || mark > this.stepTop) throw new Error(`releaseTo(${mark}): not a mark of the open step`);
    this.stepTop = mark;
  }

  /** Release every step allocation; their tensors become invalid. */
  resetStep(): void {
    this.stepTop = this.persistentTop;
    this.generation++;
  }

  /** Start a new peak measurement of the step region (stats().peakStepBytes). */
  resetPeak(): void {
    this.peakStep = this.stepTop - this.persistentTop;
  }

  /** Release everything, persistent allocations included (a fresh arena over the same memory). */
  resetAll(): void {
    this.persistentTop = this.base;
    this.stepTop = this.base;
    this.peakStep = 0;
    this.generation++;
    this.epoch++;
  }

  stats(): ArenaStats {
    return {
      persistentBytes: this.persistentTop - this.base,
      stepBytes: this.stepTop - this.persistentTop,
      peakStepBytes: this.peakStep,
      memoryBytes: this.memory.buffer.byteLength,
      generation: this.generation,
    };
  }
}
