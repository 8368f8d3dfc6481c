// AR-MAML (seed 000, "Adaptive Robust MAML"): a distribution adversary over the identifier box,
// a normalizing flow (flow.ts) whose samples are the meta-learner's training tasks. Every
// `interval` meta-steps it takes one score-function (REINFORCE) step on the tasks drawn since
// the last one, raising their post-adaptation loss (baseline: the mean loss) minus lambda·KL to
// the initial distribution p0 (uniform on the box; KL by its pathwise gradient), Adam with a
// clipped gradient norm. Settings as the reference: lambda 0.2, Adam 1e-4, clip 5. The
// reference's min-max rescaling of each batch into the box is replaced by a sigmoid squash,
// so the density stays exact and its integral one.
import { ArgumentError, expectNumber, expectOptions } from '../../errors.ts';
import { mean, sum } from '../../autograd/ops/reduce.ts';
import { addScaled } from '../../autograd/ops/elementwise.ts';
import { grad } from '../../autograd/grad.ts';
import { noGrad } from '../../autograd/tape.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task } from '../../envs/task.ts';
import { Adam } from '../../nn/optim.ts';
import { Rng } from '../../rng.ts';
import { linePlot } from '../../plot.ts';
import { BoxFlow, type FlowKind } from './flow.ts';
import { expectContext, historyState, restoreHistory, type SamplerContext, type SamplerSeries, type TaskSampler } from './sampler.ts';

export interface FlowAdversaryOptions {
  flow?: FlowKind;
  layers?: number;
  /** Meta-steps between adversary updates (default 10). */
  interval?: number;
  /** Weight of the KL term that keeps the adversary near p0 (default 0.2). */
  lambda?: number;
  /** Adam's learning rate (default 1e-4). */
  lr?: number;
  /** Largest gradient norm of an update (default 5). */
  clip?: number;
  /** Seed of the flow's initial weights (default 0). */
  seed?: number;
}

export class FlowAdversary implements TaskSampler {
  static readonly typeName: string = 'FlowAdversary';
  readonly name = 'flow';
  readonly flow: BoxFlow;
  readonly interval: number;
  readonly lambda: number;
  readonly clip: number;
  private readonly optimizer: Adam;
  private drawn: number[][] = [];
  private pending: { u: number[]; loss: number }[] = [];
  private steps = 0;
  private readonly rows: Record<string, SamplerSeries>;

  constructor(private readonly ctx: SamplerContext, options: FlowAdversaryOptions = {}) {
    expectContext('FlowAdversary', ctx);
    options = expectOptions('FlowAdversary', options);
    this.interval = expectNumber('FlowAdversary', 'interval', options.interval ?? 10, { integer: true, min: 1 });
    this.lambda = expectNumber('FlowAdversary', 'lambda', options.lambda ?? 0.2, { min: 0 });
    this.clip = expectNumber('FlowAdversary', 'clip', options.clip ?? 5, { min: 0, above: true });
    const lr = expectNumber('FlowAdversary', 'lr', options.lr ?? 1e-4, { min: 0, above: true });
    const layers = expectNumber('FlowAdversary', 'layers', options.layers ?? 4, { integer: true, min: 1, max: 64 });
    const seed = expectNumber('FlowAdversary', 'seed', options.seed ?? 0, { integer: true, min: 0 });
    const f = ctx.family;
    if (f.idLow.some((lo, j) => !Number.isFinite(lo) || !Number.isFinite(f.idHigh[j]))) {
      throw new ArgumentError(`FlowAdversary: the flow lives on a finite box; ${f.name}'s identifiers span [${f.idLow.join(', ')}] to [${f.idHigh.join(', ')}]`);
    }
    this.flow = new BoxFlow(f.idLow, f.idHigh, new Rng(seed), { kind: options.flow ?? 'planar', layers });
    this.optimizer = new Adam(this.flow.parameters(), { lr });
    this.rows = {
      update: { columns: ['step', 'KL to p0', 'mean loss', ...f.idNames.map((n) => `mean ${n}`)], rows: [] },
    };
  }

  sample(rng: Rng, count: number): Task[] {
    const base = this.flow.sampleBase(rng, count);
    const x = noGrad(() => this.flow.forward(new Tensor(Float64Array.from(base.flat()), [count, this.flow.dim])).x.data);
    const d = this.flow.dim;
    this.drawn = base;
    return base.map((_, i) => this.ctx.family.task(Array.from(x.subarray(i * d, (i + 1) * d))));
  }

  observe(_tasks: readonly Task[], losses: readonly number[], step: number): void {
    this.drawn.forEach((u, i) => this.pending.push({ u, loss: losses[i] }));
    this.drawn = [];
    if (++this.steps % this.interval === 0) this.update(step);
  }

  /** One REINFORCE step on the pending tasks; returns the gradient norm before clipping. */
  update(step: number): number {
    const n = this.pending.length;
    if (n === 0) return 0;
    const losses = this.pending.map((p) => (Number.isFinite(p.loss) ? p.loss : 0));
    const baseline = losses.reduce((a, b) => a + b, 0) / n;
    // maximise E[L] - λ KL: minimise -Σ (L_i - b)/n · log p(x_i) + λ · mean log p(g(u_i))
    const { surrogate, logp, x } = this.flow.scoreSurrogate(this.pending.map((p) => p.u), losses.map((l) => -(l - baseline) / n));
    const objective = addScaled(surrogate, mean(logp), this.lambda);
    const params = this.flow.parameters();
    const grads = grad(objective, params);
    let norm = 0;
    for (const g of grads) for (const v of g.data) norm += v * v;
    norm = Math.sqrt(norm);
    const scale = norm > this.clip ? this.clip / norm : 1;
    if (scale < 1) for (const g of grads) for (let i = 0; i < g.size; i++) g.data[i] *= scale;
    this.optimizer.step(grads);
    const boxLogVolume = this.ctx.family.idLow.reduce((s, lo, j) => s + Math.log(this.ctx.family.idHigh[j] - lo), 0);
    const d = this.flow.dim;
    const means = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += x.data[i * d + j]; return s / n; });
    this.rows.update.rows.push([step, sum(logp).item() / n + boxLogVolume, baseline, ...means]);
    this.pending = [];
    return norm;
  }

  /** log p(id) of the adversary's current distribution at these identifiers (for grids and plots). */
  logDensity(ids: readonly (readonly number[])[]): number[] {
    return this.flow.logDensity(ids);
  }

  /**
   * The adversary's marginal density along each identifier, from log p on a grid of the box
   * (`perAxis` points a side, midpoints), with p0's for comparison.
   */
  marginals(perAxis = this.flow.dim === 1 ? 200 : this.flow.dim === 2 ? 80 : 20): { grid: number[]; density: number[] }[] {
    const f = this.ctx.family;
    const d = this.flow.dim;
    const axes = f.idLow.map((lo, j) => Array.from({ length: perAxis }, (_, i) => lo + ((i + 0.5) / perAxis) * (f.idHigh[j] - lo)));
    const points: number[][] = [];
    const visit = (prefix: number[]) => {
      if (prefix.length === d) return void points.push(prefix);
      for (const v of axes[prefix.length]) visit([...prefix, v]);
    };
    visit([]);
    const p = this.flow.logDensity(points).map(Math.exp);
    return axes.map((grid, j) => {
      const cell = f.idLow.reduce((s, lo, k) => (k === j ? s : s * ((f.idHigh[k] - lo) / perAxis)), 1);
      const density = new Array(perAxis).fill(0);
      points.forEach((pt, i) => (density[Math.min(perAxis - 1, Math.floor(((pt[j] - f.idLow[j]) / (f.idHigh[j] - f.idLow[j])) * perAxis))] += p[i] * cell));
      return { grid, density };
    });
  }

  plots(): Record<string, string> {
    const f = this.ctx.family;
    const out: Record<string, string> = {};
    this.marginals().forEach(({ grid, density }, j) => {
      const uniform = 1 / (f.idHigh[j] - f.idLow[j]);
      out[`density-${f.idNames[j]}`] = linePlot([
        { label: 'adversary', xs: grid, ys: density, color: '#d62728' },
        { label: 'p0 (uniform)', xs: grid, ys: grid.map(() => uniform), dashed: true, color: '#999' },
      ], { title: `flow adversary: marginal density of ${f.idNames[j]}`, xLabel: f.idNames[j], yLabel: 'density' });
    });
    return out;
  }

  state(): Record<string, Tensor> {
    const d = this.flow.dim;
    const out: Record<string, Tensor> = {};
    this.flow.parameters().forEach((p, i) => (out[`flow.${i}`] = p));
    for (const [k, t] of Object.entries(this.optimizer.stateDict())) out[`optimizer.${k}`] = t;
    out.pending = new Tensor(Float64Array.from(this.pending.flatMap((p) => [...p.u, p.loss])), [this.pending.length, d + 1]);
    out.steps = new Tensor(Float64Array.from([this.steps]), [1]);
    return { ...out, ...historyState(this.rows) };
  }

  loadState(state: Record<string, Tensor>): void {
    const d = this.flow.dim;
    const params = this.flow.parameters();
    params.forEach((p, i) => {
      const t = state[`flow.${i}`];
      if (!t || t.size !== p.size) throw new ArgumentError(`FlowAdversary.loadState: 'flow.${i}' missing or of the wrong size`);
      p.data.set(t.data);
    });
    const opt = Object.fromEntries(Object.entries(state).filter(([k]) => k.startsWith('optimizer.')).map(([k, t]) => [k.slice('optimizer.'.length), t]));
    this.optimizer.loadStateDict(opt);
    const pending = state.pending;
    if (!pending || pending.ndim !== 2 || pending.shape[1] !== d + 1) throw new ArgumentError(`FlowAdversary.loadState: expected 'pending' of shape [n, ${d + 1}]`);
    this.pending = Array.from({ length: pending.shape[0] }, (_, i) => {
      const r = Array.from(pending.data.subarray(i * (d + 1), (i + 1) * (d + 1)));
      return { u: r.slice(0, d), loss: r[d] };
    });
    this.steps = state.steps?.data[0] ?? 0;
    restoreHistory(state, this.rows);
  }

  history(): Record<string, SamplerSeries> {
    return this.rows;
  }
}
