// The TaskSampler interface: what changes *which* tasks a meta-learner trains on (a prioritized
// buffer, RoML's cross-entropy method, AR-MAML's flow adversary) or how it weighs them (CVaR-ML,
// group DRO). metaTrain asks the sampler for each meta-batch, hands it the tasks' losses after
// the step, and, when the sampler has an objective, minimises that instead of the mean loss.
import { ArgumentError, describe, expectNumber } from '../../errors.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task, TaskFamily } from '../../envs/task.ts';
import type { Rng } from '../../rng.ts';
import type { TaskObjective } from '../learner.ts';

/** One recorded series: named columns (the first is 'step'), one row per update. */
export interface SamplerSeries {
  columns: readonly string[];
  rows: number[][];
}

/** What a sampler is built for: the family and the run's shape. */
export interface SamplerContext {
  family: TaskFamily;
  metaBatch: number;
  metaSteps: number;
}

export interface TaskSampler {
  readonly name: string;
  /** The tasks of meta-step `step`'s batch: `count` of them, drawn with rng. */
  sample(rng: Rng, count: number, step: number): Task[];
  /** After the step: the post-adaptation query loss of each task, in the order sampled. */
  observe?(tasks: readonly Task[], losses: readonly number[], step: number): void;
  /** The meta-objective over this batch's per-task losses, when it is not their mean. */
  objective?(tasks: readonly Task[]): TaskObjective;
  /** The sampler's learned state, for checkpoints: float64 tensors by name. */
  state?(): Record<string, Tensor>;
  /** Restores what state() returned (a resumed run continues with the same numbers). */
  loadState?(state: Record<string, Tensor>): void;
  /** Series worth recording and plotting (CEM parameters, DRO weights), by name. */
  history?(): Record<string, SamplerSeries>;
  /** Pictures of the sampler's current distribution (SVG), by name. */
  plots?(): Record<string, string>;
}

const isFamily = (f: unknown): f is TaskFamily => f !== null && typeof f === 'object' && typeof (f as TaskFamily).sample === 'function' &&
  typeof (f as TaskFamily).task === 'function' && Array.isArray((f as TaskFamily).idNames);

/** ctx itself when it is a SamplerContext; otherwise an ArgumentError naming the sampler. */
export function expectContext(op: string, ctx: unknown): SamplerContext {
  const c = ctx as SamplerContext;
  if (ctx === null || typeof ctx !== 'object' || !isFamily(c.family)) {
    throw new ArgumentError(`${op}: expected a context { family, metaBatch, metaSteps } with a TaskFamily, got ${describe(ctx)}`);
  }
  expectNumber(op, 'metaBatch', c.metaBatch, { integer: true, min: 1 });
  expectNumber(op, 'metaSteps', c.metaSteps, { integer: true, min: 0 });
  return c;
}

/**
 * The sampler of metaTrain's default: the family's own uniform draw.
 * @example uniformSampler(new Sinusoid()).sample(new Rng(0), 4, 0).length // 4
 */
export function uniformSampler(family: TaskFamily): TaskSampler {
  if (!isFamily(family)) throw new ArgumentError(`uniformSampler: family must be a TaskFamily, got ${describe(family)}`);
  return { name: 'uniform', sample: (rng, count) => family.sample(rng, count) };
}

/** A sampler's history as checkpoint tensors ('history.NAME', one row per update). */
export function historyState(history: Record<string, SamplerSeries>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, { columns, rows }] of Object.entries(history)) {
    const width = columns.length;
    out[`history.${name}`] = new Tensor(Float64Array.from(rows.flat()), [rows.length, width]);
  }
  return out;
}

/** Refills `into`'s series from what historyState wrote (absent series stay as they are). */
export function restoreHistory(state: Record<string, Tensor>, into: Record<string, SamplerSeries>): void {
  for (const [name, series] of Object.entries(into)) {
    const t = state[`history.${name}`];
    if (!t || t.ndim !== 2 || t.shape[1] !== series.columns.length) continue;
    const [n, w] = t.shape;
    series.rows.length = 0;
    for (let i = 0; i < n; i++) series.rows.push(Array.from(t.data.subarray(i * w, (i + 1) * w)));
  }
}
