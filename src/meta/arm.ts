// Adaptive risk minimization (ARM, Zhang et al. 2021) and its baselines, for group shift where
// each test group arrives as an unlabeled batch. Every method trains an MLP on flattened inputs
// with Adam and cross-entropy:
//   erm      batches drawn from all training examples (the skew included);
//   uw       upweighting: each batch from one group drawn uniformly;
//   dro      group DRO (Sagawa et al.): as uw, the batch's loss weighed by G·q_g, with the group
//            weights q moved by exponentiated gradient, q_g ∝ q_g·exp(η·loss_g);
//   arm-cml  a context network c: the mean of c(x) over the batch is appended to every input;
//   arm-bn   batch norm that always normalises by the batch at hand, at test time too;
//   arm-ll   a learned loss ℓ_φ on the logits: one inner step θ' = θ − α∇θ mean(ℓ_φ(f_θ(x))²)
//            on the unlabeled batch, the outer cross-entropy taken at θ' and differentiated
//            through the step into θ and φ (second order).
// The ARM methods train on meta-batches of groups (a batch of one group each, as at test time).
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { addScaled, mul, square } from '../autograd/ops/elementwise.ts';
import { crossEntropy } from '../autograd/ops/nn.ts';
import { broadcastTo, mean } from '../autograd/ops/reduce.ts';
import { reshape } from '../autograd/ops/reshape.ts';
import { concat } from '../autograd/ops/slice.ts';
import { noGrad } from '../autograd/tape.ts';
import { tidy } from '../autograd/tidy.ts';
import type { DType, Tensor } from '../autograd/tensor.ts';
import { BatchNorm1d } from '../nn/batchnorm.ts';
import { Activation, Linear, MLP, Sequential } from '../nn/layers.ts';
import type { Module, ParamMap } from '../nn/module.ts';
import { Adam } from '../nn/optim.ts';
import { Rng } from '../rng.ts';
import type { GroupShiftData } from '../envs/groups.ts';
import { predictedClasses } from './metrics.ts';

export const GROUP_METHODS = ['erm', 'uw', 'dro', 'arm-cml', 'arm-bn', 'arm-ll'] as const;
export type GroupMethod = (typeof GROUP_METHODS)[number];

export interface GroupShiftOptions {
  /** Examples per batch (default 50, ARM's). */
  batchSize?: number;
  /** Groups per step for the ARM methods (default 2). */
  metaBatch?: number;
  /** Adam's rate (default 1e-3). */
  lr?: number;
  /** Hidden layers of the MLP (default [128, 128]); the context and loss networks are one hidden layer of the first size. */
  hidden?: number[];
  /** Features of ARM-CML's context (default 8). */
  contextSize?: number;
  /** ARM-LL's inner step (default 0.1). */
  innerLr?: number;
  /** Group DRO's step on the weights (default 0.01, Sagawa et al.'s). */
  droStep?: number;
  seed?: number;
  dtype?: DType;
}

export interface GroupAccuracy {
  perGroup: number[];
  worst: number;
  average: number;
}



/**
 * One method on one group-shift family: trainStep draws its batches and takes an Adam step;
 * predict gives the logits of a batch of one group, adapting to it where the method does.
 * @example new GroupShiftLearner('arm-cml', new GroupShift2D()).method // 'arm-cml'
 */
export class GroupShiftLearner {
  static readonly typeName: string = 'GroupShiftLearner';
  readonly model: Module;
  /** ARM-CML's context network, ARM-LL's loss network. */
  readonly context: Module | null = null;
  readonly lossNet: Module | null = null;
  /** Group DRO's weights over the groups (uniform for the others). */
  readonly groupWeights: number[];
  readonly optimizer: Adam;
  private readonly batchSize: number;
  private readonly metaBatch: number;
  private readonly innerLr: number;
  private readonly droStep: number;
  private readonly params: Tensor[];
  private readonly dtype: DType;

  constructor(readonly method: GroupMethod, readonly data: GroupShiftData, options: GroupShiftOptions = {}) {
    if (!GROUP_METHODS.includes(method)) throw new ArgumentError(`GroupShiftLearner: method must be one of ${GROUP_METHODS.join(', ')}, got ${describe(method)}`);
    if (data === null || typeof data !== 'object' || typeof data.trainBatch !== 'function') throw new ArgumentError(`GroupShiftLearner: data must be a GroupShiftData (RotatedDigits, GroupShift2D), got ${describe(data)}`);
    options = expectOptions('GroupShiftLearner', options);
    this.batchSize = expectNumber('GroupShiftLearner', 'batchSize', options.batchSize ?? 50, { integer: true, min: 2 });
    this.metaBatch = expectNumber('GroupShiftLearner', 'metaBatch', options.metaBatch ?? 2, { integer: true, min: 1 });
    this.innerLr = expectNumber('GroupShiftLearner', 'innerLr', options.innerLr ?? 0.1, { min: 0 });
    this.droStep = expectNumber('GroupShiftLearner', 'droStep', options.droStep ?? 0.01, { min: 0 });
    const hidden = options.hidden ?? [128, 128];
    if (!Array.isArray(hidden) || hidden.length === 0 || hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ArgumentError(`GroupShiftLearner: hidden must be a non-empty list of positive integers, got ${describe(hidden)}`);
    const ctx = expectNumber('GroupShiftLearner', 'contextSize', options.contextSize ?? 8, { integer: true, min: 1 });
    const rng = new Rng(expectNumber('GroupShiftLearner', 'seed', options.seed ?? 0, { integer: true, min: 0 }));
    const inputs = data.inputShape.reduce((a, b) => a * b, 1);
    const dtype = options.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(`GroupShiftLearner: dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
    this.dtype = dtype;
    if (method === 'arm-bn') {
      const layers: Module[] = [];
      [inputs, ...hidden].slice(0, -1).forEach((fan, i) => layers.push(new Linear(fan, hidden[i], { rng, dtype }), new BatchNorm1d(hidden[i], { stats: 'batch', dtype }), new Activation('relu')));
      layers.push(new Linear(hidden[hidden.length - 1], data.classes, { rng, dtype }));
      this.model = new Sequential(...layers);
    } else {
      this.model = new MLP([inputs + (method === 'arm-cml' ? ctx : 0), ...hidden, data.classes], { activation: 'relu', rng, dtype });
    }
    if (method === 'arm-cml') this.context = new MLP([inputs, hidden[0], ctx], { activation: 'relu', rng, dtype });
    if (method === 'arm-ll') this.lossNet = new MLP([data.classes, hidden[0], 1], { activation: 'relu', rng, dtype });
    this.groupWeights = new Array(data.groups).fill(1 / data.groups);
    this.params = [this.model, this.context, this.lossNet].flatMap((m) => (m ? m.parameters() : []));
    this.optimizer = new Adam(this.params, { lr: expectNumber('GroupShiftLearner', 'lr', options.lr ?? 1e-3, { min: 0, above: true }) });
  }

  /** A batch's inputs as rows [n, features] in the model's dtype (data come as float32). */
  private flat(x: Tensor): Tensor {
    return reshape(x.to(this.dtype), [x.shape[0], x.size / x.shape[0]]);
  }

  /** ARM-LL's adapted weights: one step on the unlabeled batch's learned loss (on the tape). */
  adapted(x: Tensor, createGraph = true): ParamMap {
    const theta = this.model.paramMap();
    const names = [...theta.keys()];
    const unsup = mean(square(this.lossNet!.call(this.model.call(this.flat(x), theta))));
    const gs = grad(unsup, names.map((n) => theta.get(n)!), { createGraph });
    return new Map(names.map((n, i) => [n, addScaled(theta.get(n)!, gs[i], -this.innerLr)]));
  }

  /** The logits of a batch of one group, adapted to it where the method adapts (on the tape). */
  logits(x: Tensor): Tensor {
    if (this.method === 'arm-cml') {
      const f = this.flat(x);
      const c = mean(this.context!.call(f), 0, true); // [1, ctx]: the batch's context
      return this.model.call(concat([f, broadcastTo(c, [f.shape[0], c.shape[1]])], 1));
    }
    if (this.method === 'arm-ll') return this.model.call(this.flat(x), this.adapted(x));
    return this.model.call(this.flat(x));
  }

  /** Predicted classes of a batch of one group. */
  predict(x: Tensor): Int32Array {
    return predictedClasses(this.method === 'arm-ll' ? tidy(() => this.logits(x).detach()) : noGrad(() => this.logits(x)));
  }

  /** One training step: its batches, the loss, an Adam step. Returns the loss. */
  trainStep(rng: Rng): number {
    return tidy(() => {
      const { data, batchSize: B } = this;
      let loss: Tensor;
      if (this.method === 'erm') {
        const b = data.pooledBatch(rng, B);
        loss = crossEntropy(this.logits(b.x), Int32Array.from(b.y.data));
      } else if (this.method === 'uw' || this.method === 'dro') {
        const g = rng.int(data.groups);
        const b = data.trainBatch(rng, g, B);
        loss = crossEntropy(this.logits(b.x), Int32Array.from(b.y.data));
        if (this.method === 'dro') {
          const q = this.groupWeights;
          q[g] *= Math.exp(this.droStep * loss.item());
          const total = q.reduce((a, v) => a + v, 0);
          q.forEach((v, i) => (q[i] = v / total));
          loss = mul(loss, data.groups * q[g]);
        }
      } else {
        const terms = Array.from({ length: this.metaBatch }, () => {
          const b = data.trainBatch(rng, rng.int(data.groups), B);
          return crossEntropy(this.logits(b.x), Int32Array.from(b.y.data));
        });
        loss = mul(terms.reduce((a, t) => addScaled(a, t, 1)), 1 / this.metaBatch);
      }
      const value = loss.item();
      this.optimizer.step(grad(loss, this.params));
      return value;
    });
  }

  /** Accuracy on each group's test batches (each adapted to on its own), the worst and the mean. */
  evaluate(batchSize = this.batchSize): GroupAccuracy {
    const perGroup = Array.from({ length: this.data.groups }, (_, g) => {
      let right = 0, all = 0;
      for (const b of this.data.testBatches(g, batchSize)) {
        const p = this.predict(b.x);
        p.forEach((c, i) => (right += c === b.y.data[i] ? 1 : 0));
        all += p.length;
      }
      return right / Math.max(1, all);
    });
    return { perGroup, worst: Math.min(...perGroup), average: perGroup.reduce((a, b) => a + b, 0) / perGroup.length };
  }
}
