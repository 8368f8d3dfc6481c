// The task-family interface every meta-learner, sampler and environment plugs into. A task has
// an identifier vector in a documented box, so a sampler (prioritized buffer, CVaR filter, CEM,
// flow adversary) can reshape the task distribution by choosing ids.
import { expectNumber } from '../errors.ts';
import { Rng } from '../rng.ts';
import type { Tensor } from '../autograd/tensor.ts';

/** Inputs and targets for one task: x [n, inputSize], y [n, outputSize]. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

export interface Task {
  /** Identifier vector, inside the family's box for tasks it samples. */
  readonly id: readonly number[];
  /** n data points of this task, drawn with rng. */
  sample(rng: Rng, n: number): Batch;
}

export interface TaskFamily {
  readonly name: string;
  /** What each identifier coordinate means, and the box [low, high] the family samples from. */
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  /** For one-sided coordinates (idHigh Infinity): the mean of their exponential distribution. */
  readonly idMean?: readonly (number | undefined)[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** The loss a learner uses on this family's batches. */
  readonly loss: 'mse' | 'crossEntropy';
  /** n tasks with ids uniform in the box. */
  sample(rng: Rng, n: number): Task[];
  /** The task with this identifier (ids outside the box are allowed: distribution shift). */
  task(id: readonly number[]): Task;
  /**
   * n tasks kept out of training, for evaluation (few-shot classes: the test split's); absent,
   * held-out tasks are fresh draws of sample().
   */
  heldOut?(rng: Rng, n: number): Task[];
  /** Query points per task in evaluation (default 100; few-shot classes: 15 per class). */
  readonly evalQuerySize?: number;
  /** n held-out tasks under a shift the family defines (the hard end of its box), for evaluation. */
  shifted?(rng: Rng, n: number): Task[];
  /** What shifted() draws, in a few words for tables. */
  readonly shiftDescription?: string;
  /** Discrete groups of tasks (for group DRO and worst-group metrics): how many there are. */
  readonly groupCount?: number;
  /** The group (0 .. groupCount-1) of the task with this identifier. */
  groupOf?(id: readonly number[]): number;
}

/**
 * The stream held-out tasks come from, for evaluation seed `seed`: a generator of its own, never
 * the training one (which is seeded seed + 1).
 * @example heldOutRng(0).uniform() // the same number in every evaluation with seed 0
 */
export function heldOutRng(seed: number): Rng {
  expectNumber('heldOutRng', 'seed', seed, { integer: true });
  return new Rng(seed * 7919 + 104729);
}

/** Uniform ids in a box: the default task distribution. */
export function uniformIds(rng: Rng, low: readonly number[], high: readonly number[]): number[] {
  return low.map((lo, i) => rng.uniform(lo, high[i]));
}
