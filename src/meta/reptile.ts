// Reptile (Nichol et al. 2018): adapt to each task with plain SGD, then move θ toward the
// adapted weights. The outer "gradient" is θ - mean_i θ_i', so any outer optimizer applies it
// (SGD with lr ε is the paper's update θ += ε(θ' - θ)).
import { MetagradError, expectOptions } from '../errors.ts';
import { noGrad } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { FloatArray } from '../kernels/types.ts';
import { tidy } from '../autograd/tidy.ts';
import type { Module } from '../nn/module.ts';
import { sub } from '../autograd/ops/elementwise.ts';
import { broadcastTo, mean, sum } from '../autograd/ops/reduce.ts';
import { stack } from '../autograd/ops/slice.ts';
import { PlainSGDLearner, canBatchTasks, innerSGD, joined, perTaskMse, taskWeights, type InnerLoop, type LossName, type MetaGradient, type TaskData, type TaskObjective } from './learner.ts';

export interface ReptileOptions {
  innerLr?: number;
  /** SGD steps per task during meta-training (default 5). */
  innerSteps?: number;
  loss?: LossName;
  /** One batched computation for the meta-batch where the model allows it (default true). */
  batchTasks?: boolean;
}

export class Reptile extends PlainSGDLearner {
  static override readonly typeName: string = 'Reptile';
  readonly name = 'reptile';
  readonly innerSteps: number;
  readonly batchTasks: boolean;
  private readonly lossName: LossName;

  constructor(model: Module, options: ReptileOptions = {}) {
    options = expectOptions('Reptile', options);
    super(model, options.innerLr ?? 0.01, options.loss ?? 'mse');
    this.lossName = options.loss ?? 'mse';
    this.batchTasks = options.batchTasks ?? true;
    this.innerSteps = options.innerSteps ?? 5;
    if (!Number.isInteger(this.innerSteps) || this.innerSteps < 1) throw new MetagradError(`Reptile: innerSteps must be an integer >= 1, got ${options.innerSteps}`);
  }

  /**
   * With an objective, each task's move θ - θ_i' is weighed by the objective's weight of its
   * query loss (taskWeights) instead of 1/T: CVaR-ML and group DRO for Reptile.
   */
  metaGradient(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient {
    // intermediates in tidy()'s recycled arena; the returned gradients leave it
    return tidy(() => {
      if (!objective) {
        return this.batchTasks && canBatchTasks(this.model, this.lossName, tasks) ? this.metaGradientBatched(tasks) : this.metaGradientLooped(tasks);
      }
      return this.metaGradientLooped(tasks, objective);
    });
  }

  /**
   * All tasks at once: θ broadcast to [T, ...], the inner loss the sum of per-task means (so
   * each row of the broadcast θ takes its own task's steps), data stacked to [T, 2K, ...].
   */
  metaGradientBatched(tasks: readonly TaskData[]): MetaGradient {
    const T = tasks.length;
    const all = tasks.map(joined);
    const data = { x: stack(all.map((b) => b.x)), y: stack(all.map((b) => b.y)) };
    const theta = this.model.paramMap();
    const expanded = new Map([...theta].map(([n, p]) => [n, broadcastTo(p.detach(), [T, ...p.shape])]));
    const loop: InnerLoop = { ...this.loop, loss: (pred, y) => sum(perTaskMse(pred, y)) };
    const adapted = innerSGD(loop, expanded, data, this.innerSteps, false);
    const taskLosses = noGrad(() => Array.from(perTaskMse(this.model.call(stack(tasks.map((t) => t.query.x)), adapted), stack(tasks.map((t) => t.query.y))).data));
    const grads = noGrad(() => this.loop.innerParameters.map((n) => sub(theta.get(n)!, mean(adapted.get(n)!, 0)).detach()));
    return { loss: taskLosses.reduce((a, b) => a + b, 0) / T, grads, taskLosses };
  }

  /** The reference: adapt to one task after another. */
  metaGradientLooped(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient {
    const names = this.loop.innerParameters;
    const theta = this.model.paramMap();
    const taskLosses: number[] = [];
    const adaptedValues: FloatArray[][] = []; // θ_i' of each task
    for (const t of tasks) {
      const adapted = this.adapt(theta, joined(t), this.innerSteps);
      adaptedValues.push(names.map((n) => adapted.get(n)!.data));
      taskLosses.push(noGrad(() => this.loop.loss(this.model.call(t.query.x, adapted), t.query.y).item()));
    }
    // Σ_i w_i (θ - θ_i'), with w_i = 1/T (the mean) unless an objective weighs the tasks
    const weights = objective ? taskWeights(objective, taskLosses) : null;
    const grads = names.map((n, i) => {
      const p = theta.get(n)!;
      const g = new Tensor(p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size), p.shape);
      const acc = new Float64Array(p.size);
      if (weights === null) {
        for (const a of adaptedValues) for (let j = 0; j < p.size; j++) acc[j] += a[i][j];
        for (let j = 0; j < p.size; j++) g.data[j] = p.data[j] - acc[j] / tasks.length;
      } else {
        adaptedValues.forEach((a, t) => { for (let j = 0; j < p.size; j++) acc[j] += weights[t] * (p.data[j] - a[i][j]); });
        g.data.set(acc);
      }
      return g;
    });
    const loss = taskLosses.reduce((a, b) => a + b, 0) / tasks.length;
    if (!objective) return { loss, grads, taskLosses };
    return { loss, objective: noGrad(() => objective(new Tensor(Float64Array.from(taskLosses), [tasks.length])).item()), grads, taskLosses };
  }
}
