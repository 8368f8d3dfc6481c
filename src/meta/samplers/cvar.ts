// CVaR-ML: per meta-batch, only the tasks whose post-adaptation loss is at or above the batch's
// (1 - alpha) quantile count toward the meta-objective, their sum divided by the batch size, as
// the reference implementation does (RoML's MAML.get_cvar_loss; numpy's linear quantile). Tasks
// are drawn uniformly; what changes is the objective, and it is differentiated through.
import { expectNumber, expectOptions } from '../../errors.ts';
import { mul, div } from '../../autograd/ops/elementwise.ts';
import { sum } from '../../autograd/ops/reduce.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task } from '../../envs/task.ts';
import type { Rng } from '../../rng.ts';
import type { TaskObjective } from '../learner.ts';
import { expectContext, historyState, restoreHistory, type SamplerContext, type SamplerSeries, type TaskSampler } from './sampler.ts';
import { quantile } from './stats.ts';

/**
 * The CVaR-ML objective: Σ_{L_i >= q} L_i / T with q the (1 - alpha) quantile of the losses.
 * `onThreshold` hears q and how many tasks were kept.
 * @example cvarObjective(0.5)(tensor([1, 2, 3, 4])).item() // (3 + 4) / 4 = 1.75
 */
export function cvarObjective(alpha: number, onThreshold?: (q: number, kept: number) => void): TaskObjective {
  expectNumber('cvarObjective', 'alpha', alpha, { min: 0, above: true, max: 1 });
  return (losses: Tensor) => {
    const values = Array.from(losses.data);
    const q = quantile(values, 1 - alpha);
    const mask = values.map((l): number => (l >= q ? 1 : 0));
    onThreshold?.(q, mask.reduce((a, b) => a + b, 0));
    const keep = new Tensor(losses.dtype === 'float64' ? Float64Array.from(mask) : Float32Array.from(mask), losses.shape);
    return div(sum(mul(losses, keep)), values.length);
  };
}

export class CVaRSampler implements TaskSampler {
  static readonly typeName: string = 'CVaRSampler';
  readonly name = 'cvar';
  readonly alpha: number;
  /** [step, threshold, tasks kept] of each meta-step. */
  private readonly rows: Record<string, SamplerSeries> = { threshold: { columns: ['step', 'loss threshold', 'tasks kept'], rows: [] } };
  private step = 0;

  constructor(private readonly ctx: SamplerContext, options: { alpha?: number } = {}) {
    expectContext('CVaRSampler', ctx);
    options = expectOptions('CVaRSampler', options);
    this.alpha = expectNumber('CVaRSampler', 'alpha', options.alpha ?? 0.05, { min: 0, above: true, max: 1 });
  }

  sample(rng: Rng, count: number, step: number): Task[] {
    this.step = step;
    return this.ctx.family.sample(rng, count);
  }

  objective(): TaskObjective {
    return cvarObjective(this.alpha, (q, kept) => this.rows.threshold.rows.push([this.step, q, kept]));
  }

  state(): Record<string, Tensor> {
    return historyState(this.rows);
  }

  loadState(state: Record<string, Tensor>): void {
    restoreHistory(state, this.rows);
  }

  history(): Record<string, SamplerSeries> {
    return this.rows;
  }
}
