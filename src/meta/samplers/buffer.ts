// RMAML's prioritized task buffer (seed 004, "Robust MAML": Nguyen et al.): the tasks of every
// meta-batch go into a buffer with their post-adaptation (validation) loss; the next batch
// takes L of its M tasks from it by strategy (easy: lowest losses, medium: the middle of the
// buffer by loss, hard: highest), the other M - L fresh from the family's uniform draw. L grows
// linearly from 0 to maxFromBuffer over the first `rampSteps` meta-steps; the buffer is emptied
// after each draw.
import { ArgumentError, expectNumber, expectOptions } from '../../errors.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task } from '../../envs/task.ts';
import type { Rng } from '../../rng.ts';
import { expectContext, historyState, restoreHistory, type SamplerContext, type SamplerSeries, type TaskSampler } from './sampler.ts';

export type BufferStrategy = 'easy' | 'medium' | 'hard';

export interface BufferOptions {
  strategy?: BufferStrategy;
  /** The most tasks a batch takes from the buffer (default a quarter of the batch). */
  maxFromBuffer?: number;
  /** Meta-steps over which L grows from 0 to maxFromBuffer (default half of the run). */
  rampSteps?: number;
}

/** Which `count` of the buffer's tasks, sorted by loss, a strategy takes: their positions. */
export function pickByStrategy(strategy: BufferStrategy, size: number, count: number): number[] {
  const first = strategy === 'easy' ? 0 : strategy === 'hard' ? size - count : Math.floor((size - count) / 2);
  return Array.from({ length: count }, (_, i) => first + i);
}

export class TaskBuffer implements TaskSampler {
  static readonly typeName: string = 'TaskBuffer';
  readonly name = 'buffer';
  readonly strategy: BufferStrategy;
  readonly maxFromBuffer: number;
  readonly rampSteps: number;
  private entries: { task: Task; loss: number }[] = [];
  /** [step, L] of each meta-step so far. */
  private readonly rows: Record<string, SamplerSeries> = { fromBuffer: { columns: ['step', 'tasks from the buffer'], rows: [] } };

  constructor(private readonly ctx: SamplerContext, options: BufferOptions = {}) {
    expectContext('TaskBuffer', ctx);
    options = expectOptions('TaskBuffer', options);
    this.strategy = options.strategy ?? 'medium';
    if (!['easy', 'medium', 'hard'].includes(this.strategy)) throw new ArgumentError(`TaskBuffer: strategy must be easy, medium or hard, got '${String(this.strategy)}'`);
    this.maxFromBuffer = expectNumber('TaskBuffer', 'maxFromBuffer', options.maxFromBuffer ?? Math.floor(ctx.metaBatch / 4), { integer: true, min: 0, max: ctx.metaBatch });
    this.rampSteps = expectNumber('TaskBuffer', 'rampSteps', options.rampSteps ?? Math.max(1, Math.floor(ctx.metaSteps / 2)), { integer: true, min: 1 });
  }

  /** How many of meta-step `step`'s tasks come from the buffer when it holds enough. */
  fromBuffer(step: number): number {
    return Math.round((this.maxFromBuffer * Math.min(step, this.rampSteps)) / this.rampSteps);
  }

  sample(rng: Rng, count: number, step: number): Task[] {
    const l = Math.min(this.fromBuffer(step), this.entries.length, count);
    const sorted = [...this.entries].sort((a, b) => a.loss - b.loss);
    const old = pickByStrategy(this.strategy, sorted.length, l).map((i) => sorted[i].task);
    this.entries = [];
    this.rows.fromBuffer.rows.push([step, l]);
    return [...old, ...this.ctx.family.sample(rng, count - l)];
  }

  observe(tasks: readonly Task[], losses: readonly number[]): void {
    this.entries = tasks.map((task, i) => ({ task, loss: losses[i] }));
  }

  state(): Record<string, Tensor> {
    const d = this.ctx.family.idNames.length;
    const rows = this.entries.map((e) => [...e.task.id, e.loss]).flat();
    return { buffer: new Tensor(Float64Array.from(rows), [this.entries.length, d + 1]), ...historyState(this.rows) };
  }

  loadState(state: Record<string, Tensor>): void {
    const t = state.buffer;
    const d = this.ctx.family.idNames.length;
    if (!t || t.ndim !== 2 || t.shape[1] !== d + 1) throw new ArgumentError(`TaskBuffer.loadState: expected 'buffer' of shape [n, ${d + 1}], got ${t ? JSON.stringify(t.shape) : 'none'}`);
    this.entries = Array.from({ length: t.shape[0] }, (_, i) => {
      const row = Array.from(t.data.subarray(i * (d + 1), (i + 1) * (d + 1)));
      return { task: this.ctx.family.task(row.slice(0, d)), loss: row[d] };
    });
    restoreHistory(state, this.rows);
  }

  history(): Record<string, SamplerSeries> {
    return this.rows;
  }
}
