// Reptile (Nichol et al. 2018): adapt to each task with plain SGD, then move θ toward the
// adapted weights. The outer "gradient" is θ - mean_i θ_i', so any outer optimizer applies it
// (SGD with lr ε is the paper's update θ += ε(θ' - θ)).
import { MetagradError } from '../errors.ts';
import { noGrad } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { Module } from '../nn/module.ts';
import { PlainSGDLearner, joined, type LossName, type MetaGradient, type TaskData } from './learner.ts';

export interface ReptileOptions {
  innerLr?: number;
  /** SGD steps per task during meta-training (default 5). */
  innerSteps?: number;
  loss?: LossName;
}

export class Reptile extends PlainSGDLearner {
  readonly name = 'reptile';
  readonly innerSteps: number;

  constructor(model: Module, options: ReptileOptions = {}) {
    super(model, options.innerLr ?? 0.01, options.loss ?? 'mse');
    this.innerSteps = options.innerSteps ?? 5;
    if (!Number.isInteger(this.innerSteps) || this.innerSteps < 1) throw new MetagradError(`Reptile: innerSteps must be an integer >= 1, got ${options.innerSteps}`);
  }

  metaGradient(tasks: readonly TaskData[]): MetaGradient {
    const names = this.loop.adapted;
    const theta = this.model.paramMap();
    const sums = names.map((n) => new Float64Array(theta.get(n)!.size));
    const taskLosses: number[] = [];
    for (const t of tasks) {
      const adapted = this.adapt(theta, joined(t), this.innerSteps);
      names.forEach((n, i) => {
        const d = adapted.get(n)!.data;
        for (let j = 0; j < d.length; j++) sums[i][j] += d[j];
      });
      taskLosses.push(noGrad(() => this.loop.loss(this.model.call(t.query.x, adapted), t.query.y).item()));
    }
    const grads = names.map((n, i) => {
      const p = theta.get(n)!;
      const g = new Tensor(p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size), p.shape);
      for (let j = 0; j < p.size; j++) g.data[j] = p.data[j] - sums[i][j] / tasks.length;
      return g;
    });
    return { loss: taskLosses.reduce((a, b) => a + b, 0) / tasks.length, grads, taskLosses };
  }
}
