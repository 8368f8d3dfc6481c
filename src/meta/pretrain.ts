// The baseline the MAML paper compares to: one model trained on all tasks' data jointly (no
// inner loop in training), then fine-tuned at test time with the same SGD steps MAML takes.
import { grad } from '../autograd/grad.ts';
import { add, div } from '../autograd/ops/elementwise.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { Module, ParamMap } from '../nn/module.ts';
import type { Batch } from '../envs/task.ts';
import { innerSGD, lossFn, type AdaptOptions, type InnerLoop, type Learner, type LossName, type MetaGradient, type TaskData } from './learner.ts';
import { joined } from './reptile.ts';

export interface PretrainOptions {
  /** Fine-tuning rate at test time. */
  innerLr?: number;
  loss?: LossName;
}

export class Pretrain implements Learner {
  readonly name = 'pretrain';
  private readonly loop: InnerLoop;

  constructor(readonly model: Module, options: PretrainOptions = {}) {
    const lr = options.innerLr ?? 0.01;
    this.loop = { model, loss: lossFn(options.loss ?? 'mse'), adapted: model.namedParameters().map(([n]) => n), secondOrder: false, rate: () => lr };
  }

  metaParameters(): Tensor[] {
    return this.model.parameters();
  }

  adapt(params: ParamMap, support: Batch, steps: number, options: AdaptOptions = {}): ParamMap {
    return innerSGD(this.loop, params, support, steps, options.track ?? false);
  }

  metaGradient(tasks: readonly TaskData[]): MetaGradient {
    let total: Tensor | null = null;
    const taskLosses: number[] = [];
    for (const t of tasks) {
      const b = joined(t);
      const l = this.loop.loss(this.model.call(b.x), b.y);
      taskLosses.push(l.item());
      total = total ? add(total, l) : l;
    }
    const loss = div(total!, tasks.length);
    return { loss: loss.item(), grads: grad(loss, this.metaParameters()), taskLosses };
  }
}
