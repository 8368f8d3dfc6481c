// Prototypical networks (Snell et al. 2017): an embedding network, each class's prototype the
// mean embedding of its support examples, the logits of a query minus its squared Euclidean
// distance to each prototype; trained on the query cross-entropy of N-way episodes, with no
// inner loop. classify() is how every few-shot learner labels a query set (fewShotAccuracy).
import { ArgumentError, describe, expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { add, div, mul, neg, sub } from '../autograd/ops/elementwise.ts';
import { matmul } from '../autograd/ops/matmul.ts';
import { crossEntropy } from '../autograd/ops/nn.ts';
import { sum } from '../autograd/ops/reduce.ts';
import { reshape } from '../autograd/ops/reshape.ts';
import { stack } from '../autograd/ops/slice.ts';
import { transpose } from '../autograd/ops/transpose.ts';
import { Tensor } from '../autograd/tensor.ts';
import { tidy } from '../autograd/tidy.ts';
import type { Module, ParamMap } from '../nn/module.ts';
import type { Batch } from '../envs/task.ts';
import { applyObjective, expectModel, type Learner, type MetaGradient, type TaskData, type TaskObjective } from './learner.ts';

/** One-hot rows of integer labels 0..ways-1 ([n] labels → [n, ways]), in the embeddings' dtype. */
function oneHot(labels: Tensor, ways: number, like: Tensor): Tensor {
  const n = labels.size;
  const out = new Float64Array(n * ways);
  for (let i = 0; i < n; i++) {
    const c = labels.data[i];
    if (!Number.isInteger(c) || c < 0 || c >= ways) throw new ArgumentError(`ProtoNet: support label ${c} at row ${i} is not a class from 0 to ${ways - 1}`);
    out[i * ways + c] = 1;
  }
  return new Tensor(like.dtype === 'float64' ? out : Float32Array.from(out), [n, ways]);
}

/**
 * Logits of the queries: minus the squared distance of each query embedding [Q, D] to each
 * class's mean support embedding (support [S, D] with labels 0..ways-1): [Q, ways].
 * @example prototypeLogits(tensor([[0, 0], [2, 0]]), tensor([0, 1]), tensor([[0.5, 0]]), 2).data // Float32Array [-0.25, -2.25]
 */
export function prototypeLogits(support: Tensor, labels: Tensor, queries: Tensor, ways: number): Tensor {
  if (!(support instanceof Tensor) || support.ndim !== 2 || !(queries instanceof Tensor) || queries.ndim !== 2 || queries.shape[1] !== support.shape[1]) {
    throw new ArgumentError(`prototypeLogits: support and queries must be [n, D] embeddings of one width, got ${describe(support)} and ${describe(queries)}`);
  }
  if (!(labels instanceof Tensor) || labels.size !== support.shape[0]) throw new ArgumentError(`prototypeLogits: labels must hold one class per support row (${support.shape[0]}), got ${describe(labels)}`);
  const y = oneHot(labels, ways, support);
  const counts = new Float64Array(ways);
  for (let i = 0; i < labels.size; i++) counts[labels.data[i]]++;
  if (counts.some((c) => c === 0)) throw new ArgumentError(`prototypeLogits: every class 0..${ways - 1} needs a support example; counts ${Array.from(counts)}`);
  const inv = new Tensor(support.dtype === 'float64' ? counts.map((c) => 1 / c) : Float32Array.from(counts, (c) => 1 / c), [ways, 1]);
  const protos = mul(matmul(transpose(y), support), inv); // [ways, D]
  const q2 = reshape(sum(mul(queries, queries), 1), [queries.shape[0], 1]);
  const p2 = reshape(sum(mul(protos, protos), 1), [1, ways]);
  return neg(add(sub(q2, mul(matmul(queries, transpose(protos)), 2)), p2));
}

export interface ProtoNetOptions {
  /** Classes per episode (the tasks' N). */
  ways: number;
}

/** @example new ProtoNet(new MLP([4, 8]), { ways: 3 }).name // 'protonet' */
export class ProtoNet implements Learner {
  static readonly typeName: string = 'ProtoNet';
  readonly name = 'protonet';
  readonly ways: number;

  constructor(readonly model: Module, options: ProtoNetOptions) {
    expectModel('ProtoNet', model);
    options = expectOptions('ProtoNet', options);
    if (!Number.isInteger(options.ways) || options.ways < 2) throw new ArgumentError(`ProtoNet: ways must be an integer >= 2, got ${describe(options.ways)}`);
    this.ways = options.ways;
  }

  metaParameters(): Tensor[] {
    return this.model.parameters();
  }

  /** No inner loop: the parameters as they are (the support set enters through the prototypes). */
  adapt(params: ParamMap): ParamMap {
    return params;
  }

  /** The logits of the queries under this support set. */
  classify(support: Batch, queryX: Tensor, params?: ParamMap): Tensor {
    const embed = (x: Tensor) => this.model.call(x, params);
    return prototypeLogits(embed(support.x), support.y, embed(queryX), this.ways);
  }

  metaGradient(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient {
    return tidy(() => {
      const each = tasks.map((t) => crossEntropy(this.classify(t.support, t.query.x), t.query.y));
      const taskLosses = each.map((l) => l.item());
      const value = objective ? applyObjective(stack(each), objective, 'ProtoNet.metaGradient') : div(each.reduce((a, b) => add(a, b)), tasks.length);
      const mean = taskLosses.reduce((a, b) => a + b, 0) / tasks.length;
      return { loss: mean, ...(objective ? { objective: value.item() } : {}), grads: grad(value, this.metaParameters()), taskLosses };
    });
  }
}
