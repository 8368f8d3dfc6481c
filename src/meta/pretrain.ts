// The baseline the MAML paper compares to: one model trained on all tasks' data jointly (no
// inner loop in training), then fine-tuned at test time with the same SGD steps MAML takes.
import { expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { add, div } from '../autograd/ops/elementwise.ts';
import { stack } from '../autograd/ops/slice.ts';
import { Tensor } from '../autograd/tensor.ts';
import { tidy } from '../autograd/tidy.ts';
import type { Module } from '../nn/module.ts';
import { PlainSGDLearner, applyObjective, joined, type LossName, type MetaGradient, type TaskData, type TaskObjective } from './learner.ts';

export interface PretrainOptions {
  /** Fine-tuning rate at test time. */
  innerLr?: number;
  loss?: LossName;
}

export class Pretrain extends PlainSGDLearner {
  static override readonly typeName: string = 'Pretrain';
  readonly name = 'pretrain';

  constructor(model: Module, options: PretrainOptions = {}) {
    options = expectOptions('Pretrain', options);
    super(model, options.innerLr ?? 0.01, options.loss ?? 'mse');
  }

  metaGradient(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient {
    return tidy(() => {
      let total: Tensor | null = null;
      const taskLosses: number[] = [];
      const each: Tensor[] = [];
      for (const t of tasks) {
        const b = joined(t);
        const l = this.loop.loss(this.model.call(b.x), b.y);
        taskLosses.push(l.item());
        if (objective) each.push(l);
        else total = total ? add(total, l) : l;
      }
      if (!objective) {
        const loss = div(total!, tasks.length);
        return { loss: loss.item(), grads: grad(loss, this.metaParameters()), taskLosses };
      }
      const value = applyObjective(stack(each), objective, 'Pretrain.metaGradient');
      return { loss: taskLosses.reduce((a, b) => a + b, 0) / tasks.length, objective: value.item(), grads: grad(value, this.metaParameters()), taskLosses };
    });
  }
}
