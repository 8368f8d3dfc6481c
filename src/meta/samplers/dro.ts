// Group DRO (Sagawa et al. 2020, online form): a weight q_g per group of tasks, raised by
// exponentiated gradient, q_g ∝ q_g·exp(eta·L̄_g), with L̄_g the mean post-adaptation loss of
// group g's tasks in the meta-batch; the meta-objective is Σ_g q_g·L̄_g (a group absent from
// the batch adds nothing). As in the paper's code, each batch's losses update q before they are
// weighed. Groups come from the family (groupOf) or from equal bins of one identifier.
import { ArgumentError, expectNumber, expectOptions } from '../../errors.ts';
import { mul } from '../../autograd/ops/elementwise.ts';
import { sum } from '../../autograd/ops/reduce.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task, TaskFamily } from '../../envs/task.ts';
import type { Rng } from '../../rng.ts';
import type { TaskObjective } from '../learner.ts';
import { expectContext, historyState, restoreHistory, type SamplerContext, type SamplerSeries, type TaskSampler } from './sampler.ts';

export interface GroupDROOptions {
  /** Step size of the exponentiated-gradient update (default 0.01, the paper's). */
  eta?: number;
  /** Group tasks by equal bins of this identifier coordinate (for families without groups). */
  groupBy?: string;
  /** Bins of groupBy (default 4). */
  bins?: number;
}

/** The group of each task id, and how many groups there are. */
export function taskGroups(family: TaskFamily, op: string, options: GroupDROOptions = {}): { count: number; of: (id: readonly number[]) => number } {
  if (options.groupBy !== undefined) {
    const j = family.idNames.indexOf(options.groupBy);
    if (j < 0) throw new ArgumentError(`${op}: groupBy must name an identifier of ${family.name} (${family.idNames.join(', ')}), got '${String(options.groupBy)}'`);
    const bins = expectNumber(op, 'bins', options.bins ?? 4, { integer: true, min: 1, max: 1000 });
    const lo = family.idLow[j];
    const hi = family.idHigh[j];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new ArgumentError(`${op}: cannot bin ${options.groupBy}, whose box [${lo}, ${hi}] is not a finite interval`);
    return { count: bins, of: (id) => Math.min(bins - 1, Math.max(0, Math.floor(((id[j] - lo) / (hi - lo)) * bins))) };
  }
  if (family.groupCount === undefined || family.groupOf === undefined) {
    throw new ArgumentError(`${op}: the family ${family.name} has no groups; give groupBy (one of ${family.idNames.join(', ')}) to group by bins of an identifier`);
  }
  const groupOf = family.groupOf.bind(family);
  return { count: family.groupCount, of: (id) => groupOf(id) };
}

export class GroupDRO implements TaskSampler {
  static readonly typeName: string = 'GroupDRO';
  readonly name = 'dro';
  readonly eta: number;
  readonly groups: { count: number; of: (id: readonly number[]) => number };
  /** The group weights q (sum 1). */
  weights: number[];
  private pending: number[] | null = null;
  private readonly rows: Record<string, SamplerSeries>;

  constructor(private readonly ctx: SamplerContext, options: GroupDROOptions = {}) {
    expectContext('GroupDRO', ctx);
    options = expectOptions('GroupDRO', options);
    this.eta = expectNumber('GroupDRO', 'eta', options.eta ?? 0.01, { min: 0 });
    this.groups = taskGroups(ctx.family, 'GroupDRO', options);
    this.weights = new Array(this.groups.count).fill(1 / this.groups.count);
    this.rows = { weights: { columns: ['step', ...this.weights.map((_, k) => `group ${k}`)], rows: [] } };
  }

  sample(rng: Rng, count: number): Task[] {
    return this.ctx.family.sample(rng, count);
  }

  objective(tasks: readonly Task[]): TaskObjective {
    const g = tasks.map((t) => this.groups.of(t.id));
    return (losses: Tensor) => {
      const G = this.groups.count;
      const total = new Array(G).fill(0);
      const count = new Array(G).fill(0);
      g.forEach((k, i) => {
        total[k] += losses.data[i];
        count[k]++;
      });
      const q = this.weights.map((w, k) => (count[k] ? w * Math.exp(this.eta * (total[k] / count[k])) : w));
      const z = q.reduce((a, b) => a + b, 0);
      const next = q.map((v) => v / z);
      this.pending = next;
      const w = g.map((k) => next[k] / count[k]);
      const weights = new Tensor(losses.dtype === 'float64' ? Float64Array.from(w) : Float32Array.from(w), losses.shape);
      return sum(mul(losses, weights));
    };
  }

  observe(_tasks: readonly Task[], _losses: readonly number[], step: number): void {
    if (this.pending) this.weights = this.pending;
    this.pending = null;
    this.rows.weights.rows.push([step, ...this.weights]);
  }

  state(): Record<string, Tensor> {
    return { weights: new Tensor(Float64Array.from(this.weights), [this.weights.length]), ...historyState(this.rows) };
  }

  loadState(state: Record<string, Tensor>): void {
    const t = state.weights;
    if (!t || t.size !== this.groups.count) throw new ArgumentError(`GroupDRO.loadState: expected 'weights' of ${this.groups.count} groups, got ${t ? t.size : 'none'}`);
    this.weights = Array.from(t.data);
    restoreHistory(state, this.rows);
  }

  history(): Record<string, SamplerSeries> {
    return this.rows;
  }
}
