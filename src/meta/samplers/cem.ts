// RoML (seed 003, Greenberg et al. 2023, "Train Hard, Fight Easy"): a cross-entropy-method
// sampler that moves the task distribution toward the tasks a meta-learner does worst on, so
// that training improves the tail (CVaR) of the original distribution.
//
// Each identifier coordinate j has a one-parameter family: on a finite box, Beta(2φ_j, 2-2φ_j)
// rescaled to [low, high] (mean φ_j; φ_j = 0.5 is uniform); on a one-sided box (high Infinity),
// an exponential with mean φ_j (φ0 the family's idMean). After every `batchSize` sampled tasks
// (RoML: 200) the update keeps the tasks whose loss is at or above min(the importance-weighted
// (1-alpha)-quantile, the batch's (1-beta)-quantile) (the reference's max over scores, score =
// -loss), sets φ_new to their importance-weighted mean (weights p_φ0/p_φ; Beta means clipped to
// [0.001, 0.999]) and φ ← soft·φ + (1-soft)·φ_new. A fraction nu of tasks may still come from φ0.
import { ArgumentError, expectNumber, expectOptions } from '../../errors.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task, TaskFamily } from '../../envs/task.ts';
import type { Rng } from '../../rng.ts';
import { expectContext, historyState, restoreHistory, type SamplerContext, type SamplerSeries, type TaskSampler } from './sampler.ts';
import { betaVariate, logGamma, quantile } from './stats.ts';

export interface CEMOptions {
  /** The tail the sampler aims at (default 0.05). */
  alpha?: number;
  /** The least fraction of a batch an update keeps (default 0.2). */
  beta?: number;
  /** Fraction of tasks drawn from the original distribution (default 0). */
  nu?: number;
  /** Tasks per update (default 200). */
  batchSize?: number;
  /** Weight of the old parameters in each update (default 0.5). */
  soft?: number;
}

const clipMean = (v: number) => Math.min(0.999, Math.max(0.001, v));

/**
 * The log-density of ids under parameters phi, per the family's coordinate kinds; the Beta
 * normalisers are computed once per phi (they change only at updates, and were most of the
 * sampler's cost per task).
 */
function densityOf(family: TaskFamily, phi: readonly number[]): (id: readonly number[]) => number {
  const norm = phi.map((p, j) => (family.idHigh[j] === Infinity ? -Math.log(p) : -logGamma(2 * p) - logGamma(2 - 2 * p))); // log Γ(2) = 0
  return (id) => {
    let s = 0;
    for (let j = 0; j < phi.length; j++) {
      const lo = family.idLow[j];
      const hi = family.idHigh[j];
      if (hi === Infinity) {
        s += norm[j] - (id[j] - lo) / phi[j];
      } else if (phi[j] !== 0.5) { // (at 0.5 the density is uniform: nothing to add)
        const u = Math.min(0.999, Math.max(0.001, (id[j] - lo) / (hi - lo)));
        s += (2 * phi[j] - 1) * (Math.log(u) - Math.log(1 - u)) + norm[j];
      }
    }
    return s;
  };
}

export class CEMSampler implements TaskSampler {
  static readonly typeName: string = 'CEMSampler';
  readonly name = 'cem';
  readonly alpha: number;
  readonly beta: number;
  readonly nu: number;
  readonly batchSize: number;
  readonly soft: number;
  /** The original parameters φ0 and the current φ. */
  readonly phi0: readonly number[];
  phi: number[];
  private pending: { id: number[]; weight: number; loss: number }[] = [];
  private drawn: { id: number[]; weight: number }[] = [];
  private readonly rows: Record<string, SamplerSeries>;

  constructor(private readonly ctx: SamplerContext, options: CEMOptions = {}) {
    expectContext('CEMSampler', ctx);
    options = expectOptions('CEMSampler', options);
    this.alpha = expectNumber('CEMSampler', 'alpha', options.alpha ?? 0.05, { min: 0, above: true, max: 1 });
    this.beta = expectNumber('CEMSampler', 'beta', options.beta ?? 0.2, { min: 0, above: true, max: 1 });
    this.nu = expectNumber('CEMSampler', 'nu', options.nu ?? 0, { min: 0, max: 1 });
    this.batchSize = expectNumber('CEMSampler', 'batchSize', options.batchSize ?? 200, { integer: true, min: 1 });
    this.soft = expectNumber('CEMSampler', 'soft', options.soft ?? 0.5, { min: 0, max: 1 });
    const f = ctx.family;
    this.phi0 = f.idNames.map((name, j) => {
      if (Number.isFinite(f.idLow[j]) && Number.isFinite(f.idHigh[j]) && f.idHigh[j] > f.idLow[j]) return 0.5;
      const mean = f.idMean?.[j];
      if (f.idHigh[j] === Infinity && Number.isFinite(f.idLow[j]) && typeof mean === 'number' && mean > 0) return mean;
      throw new ArgumentError(`CEMSampler: identifier '${name}' of ${f.name} needs a finite box [low, high] or, one-sided (high Infinity), the family's idMean; got [${f.idLow[j]}, ${f.idHigh[j]}]`);
    });
    this.phi = [...this.phi0];
    this.rows = {
      phi: { columns: ['step', ...f.idNames.map((n, j) => (f.idHigh[j] === Infinity ? `mean of ${n}` : `mean of ${n} (0-1 in its box)`))], rows: [] },
      threshold: { columns: ['step', 'loss threshold', 'tasks kept'], rows: [] },
    };
  }

  private draw(rng: Rng, phi: readonly number[]): number[] {
    const f = this.ctx.family;
    const id = new Array<number>(phi.length);
    for (let j = 0; j < phi.length; j++) {
      const p = phi[j];
      id[j] = f.idHigh[j] === Infinity
        ? f.idLow[j] - p * Math.log(1 - rng.uniform())
        : f.idLow[j] + (f.idHigh[j] - f.idLow[j]) * betaVariate(rng, 2 * p, 2 - 2 * p);
    }
    return id;
  }

  private density: { phi: number[]; of: (id: readonly number[]) => number } | null = null;
  private density0: ((id: readonly number[]) => number) | null = null;

  sample(rng: Rng, count: number): Task[] {
    const f = this.ctx.family;
    if (this.density?.phi !== this.phi) this.density = { phi: this.phi, of: densityOf(f, this.phi) };
    const p = this.density.of;
    const p0 = (this.density0 ??= densityOf(f, this.phi0));
    this.drawn = [];
    const tasks: Task[] = [];
    for (let i = 0; i < count; i++) {
      const original = this.nu > 0 && rng.uniform() < this.nu;
      const id = this.draw(rng, original ? this.phi0 : this.phi);
      this.drawn.push({ id, weight: original ? 1 : Math.exp(p0(id) - p(id)) });
      tasks.push(f.task(id));
    }
    return tasks;
  }

  observe(_tasks: readonly Task[], losses: readonly number[], step: number): void {
    for (let i = 0; i < this.drawn.length; i++) this.pending.push({ id: this.drawn[i].id, weight: this.drawn[i].weight, loss: losses[i] });
    this.drawn = [];
    if (this.pending.length >= this.batchSize) this.update(step);
  }

  /** One cross-entropy update from the pending batch. */
  private update(step: number): void {
    const f = this.ctx.family;
    const losses = this.pending.map((p) => p.loss);
    const weights = this.pending.map((p) => p.weight);
    const threshold = Math.min(quantile(losses, 1 - this.alpha, weights), quantile(losses, 1 - this.beta));
    const kept = this.pending.filter((p) => p.loss >= threshold);
    const total = kept.reduce((a, p) => a + p.weight, 0);
    this.phi = this.phi.map((old, j) => {
      const finite = f.idHigh[j] !== Infinity;
      const scaled = (p: { id: number[] }) => (finite ? (p.id[j] - f.idLow[j]) / (f.idHigh[j] - f.idLow[j]) : p.id[j] - f.idLow[j]);
      const m = kept.reduce((a, p) => a + p.weight * scaled(p), 0) / total;
      const fresh = finite ? clipMean(m) : Math.max(1e-6, m);
      return this.soft * old + (1 - this.soft) * fresh;
    });
    this.rows.phi.rows.push([step, ...this.phi]);
    this.rows.threshold.rows.push([step, threshold, kept.length]);
    this.pending = [];
  }

  state(): Record<string, Tensor> {
    const d = this.phi.length;
    const rows = this.pending.flatMap((p) => [...p.id, p.weight, p.loss]);
    return {
      phi: new Tensor(Float64Array.from(this.phi), [d]),
      pending: new Tensor(Float64Array.from(rows), [this.pending.length, d + 2]),
      ...historyState(this.rows),
    };
  }

  loadState(state: Record<string, Tensor>): void {
    const d = this.phi.length;
    const { phi, pending } = state;
    if (!phi || phi.size !== d || !pending || pending.ndim !== 2 || pending.shape[1] !== d + 2) {
      throw new ArgumentError(`CEMSampler.loadState: expected 'phi' of ${d} values and 'pending' of shape [n, ${d + 2}]`);
    }
    this.phi = Array.from(phi.data);
    this.pending = Array.from({ length: pending.shape[0] }, (_, i) => {
      const r = Array.from(pending.data.subarray(i * (d + 2), (i + 1) * (d + 2)));
      return { id: r.slice(0, d), weight: r[d], loss: r[d + 1] };
    });
    restoreHistory(state, this.rows);
  }

  history(): Record<string, SamplerSeries> {
    return this.rows;
  }
}
