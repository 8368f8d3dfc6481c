// The baseline the MAML paper compares to: one model trained on all tasks' data jointly (no
// inner loop in training), then fine-tuned at test time with the same SGD steps MAML takes.
import { expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { add, div } from '../autograd/ops/elementwise.ts';
import { Tensor } from '../autograd/tensor.ts';
import { tidy } from '../autograd/tidy.ts';
import type { Module } from '../nn/module.ts';
import { PlainSGDLearner, joined, type LossName, type MetaGradient, type TaskData } from './learner.ts';

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

  metaGradient(tasks: readonly TaskData[]): MetaGradient {
    return tidy(() => {
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
    });
  }
}
