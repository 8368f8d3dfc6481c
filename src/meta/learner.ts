// The Learner interface every meta-learner implements, and the gradient-based inner loop they
// share. Samplers and robust objectives (later layers) compose with any Learner through it.
import { ArgumentError, MetagradError, className, describe } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { addScaled, mul, square, sub } from '../autograd/ops/elementwise.ts';
import { mean } from '../autograd/ops/reduce.ts';
import { crossEntropy, mseLoss } from '../autograd/ops/nn.ts';
import { concat } from '../autograd/ops/slice.ts';
import { noGrad } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import { Module, innerParameterNames, type ParamMap } from '../nn/module.ts';
import type { Batch } from '../envs/task.ts';

export interface TaskData {
  support: Batch;
  query: Batch;
}

/**
 * How a meta-batch's per-task query losses (a [T] tensor, on the tape) become the scalar the
 * outer step minimises; the default is their mean. CVaR-ML and group DRO weigh tasks through
 * it, and the weighting is differentiated through.
 */
export type TaskObjective = (taskLosses: Tensor) => Tensor;

export interface MetaGradient {
  /** Mean query loss over the meta-batch (after adaptation, for adapting learners). */
  loss: number;
  /** The objective's value, when an objective other than the mean was given. */
  objective?: number;
  /** One gradient per metaParameters() entry. */
  grads: Tensor[];
  /** Query loss of each task, for samplers and tail metrics. */
  taskLosses: number[];
}

export interface AdaptOptions {
  /** Keep the result on the tape (training); false returns plain values (evaluation). */
  track?: boolean;
}

export interface Learner {
  readonly name: string;
  readonly model: Module;
  /** What the outer optimizer updates: the model's parameters, then any learned inner rates. */
  metaParameters(): Tensor[];
  /** Parameters after `steps` inner gradient steps on the support batch. */
  adapt(params: ParamMap, support: Batch, steps: number, options?: AdaptOptions): ParamMap;
  /** Loss and meta-gradient for one outer step over a meta-batch of tasks (of `objective`, default the mean loss). */
  metaGradient(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient;
  /** Called after the outer optimizer stepped (RMAML's inner-rate rule uses it). */
  afterStep?(): void;
  /** Learned or adjusted state beyond the model's parameters (inner rates), for checkpoints. */
  extraState?(): Record<string, Tensor>;
  /**
   * Scores [Q, classes] of queries under a support set, for a learner that does not predict
   * with model.call (a ProtoNet: minus distances to the support's class prototypes).
   */
  classify?(support: Batch, queryX: Tensor, params?: ParamMap): Tensor;
  /** True when a meta-step needs every task on one thread (parallelTasks refuses it then). */
  readonly needsWholeBatch?: boolean;
}

/**
 * The weight of each task in an objective at these losses: d objective / d L_i (1/T each for
 * the mean). For learners whose outer step is not a gradient of the losses (Reptile), which
 * weigh each task's own update by it.
 * @example taskWeights((l) => sum(l), [3, 1]) // [1, 1]
 */
export function taskWeights(objective: TaskObjective, losses: readonly number[]): number[] {
  if (typeof objective !== 'function') throw new ArgumentError(`taskWeights: objective must be a function of the task losses, got ${describe(objective)}`);
  if (!Array.isArray(losses) || losses.length === 0 || losses.some((l) => typeof l !== 'number')) throw new ArgumentError(`taskWeights: losses must be a non-empty array of numbers, got ${describe(losses)}`);
  const leaf = new Tensor(Float64Array.from(losses), [losses.length]).requiresGrad_();
  const value = objective(leaf);
  if (!(value instanceof Tensor) || value.size !== 1) throw new ArgumentError(`taskWeights: the objective must return a scalar tensor, got ${describe(value)}`);
  const [g] = grad(value, [leaf], { allowUnused: true });
  return Array.from(g.data);
}

/** The objective at a [T] tensor of task losses, checked to be a scalar tensor; errors name `op`. */
export function applyObjective(taskLosses: Tensor, objective: TaskObjective, op: string): Tensor {
  if (typeof objective !== 'function') throw new ArgumentError(`${op}: objective must be a function of the task losses, got ${describe(objective)}`);
  const value = objective(taskLosses);
  if (!(value instanceof Tensor) || value.size !== 1) throw new ArgumentError(`${op}: the objective must return a scalar tensor, got ${describe(value)}`);
  return value;
}

/** Support and query together (Reptile and the pretrain baseline train on all of a task's data). */
export function joined(t: TaskData): Batch {
  return { x: concat([t.support.x, t.query.x]), y: concat([t.support.y, t.query.y]) };
}

export type LossName = 'mse' | 'crossEntropy';

/** A meta-batch runs as one batched computation when the model acceptsTaskBatch, the loss is MSE and support and query sizes agree. */
export function canBatchTasks(model: Module, loss: LossName, tasks: readonly TaskData[]): boolean {
  if (!model.acceptsTaskBatch || loss !== 'mse' || tasks.length < 2) return false;
  const s = tasks[0].support.x.shape;
  const q = tasks[0].query.x.shape;
  return tasks.every((t) => t.support.x.ndim === 2 && t.support.x.shape[0] === s[0] && t.query.x.shape[0] === q[0]);
}

/** Mean squared error of each task of a task-batched prediction [T, K, out]: shape [T]. */
export function perTaskMse(pred: Tensor, y: Tensor): Tensor {
  return mean(square(sub(pred, y)), [1, 2]);
}
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** The model a learner wraps: a Module, or an ArgumentError naming the learner. */
export function expectModel(op: string, model: unknown): Module {
  if (!(model instanceof Module)) throw new ArgumentError(`${op}: model must be a Module (MLP, Sequential, ...), got ${describe(model)}`);
  if (model.namedParameters().length === 0) throw new ArgumentError(`${op}: the model has no parameters to learn`);
  return model;
}

export function lossFn(name: LossName): LossFn {
  if (name === 'mse') return (p, t) => mseLoss(p, t);
  if (name === 'crossEntropy') return (p, t) => crossEntropy(p, t);
  throw new MetagradError(`loss: unknown loss '${String(name)}'; expected mse or crossEntropy`);
}

/** Inner-loop rate of each adapted parameter: a number, or a tensor on the tape (learned). */
export type RateOf = (name: string) => number | Tensor;

export interface InnerLoop {
  model: Module;
  loss: LossFn;
  /** Names of the parameters the inner loop adapts (all, or the head for ANIL). */
  /** Names of the parameters the inner loop updates. */
  innerParameters: readonly string[];
  rate: RateOf;
  /** Second order: differentiate through the inner gradients. */
  secondOrder: boolean;
}

/**
 * `steps` SGD steps θ' = θ - α·∇L_support(θ) on the adapted parameters. With track, θ' stays
 * on the tape (through α and, second order, through ∇L); without, plain values come back.
 */
export function innerSGD(loop: InnerLoop, params: ParamMap, support: Batch, steps: number, track: boolean): ParamMap {
  let current = params;
  for (let s = 0; s < steps; s++) {
    const leaves = track ? current : new Map([...current].map(([n, t]) => [n, t.detach().requiresGrad_()]));
    const inputs = loop.innerParameters.map((n) => leaves.get(n)!);
    const loss = loop.loss(loop.model.call(support.x, leaves), support.y);
    const gs = grad(loss, inputs, { createGraph: track && loop.secondOrder, allowUnused: true });
    const step = () => {
      const next = new Map(leaves);
      loop.innerParameters.forEach((n, i) => {
        const p = leaves.get(n)!;
        const rate = loop.rate(n);
        next.set(n, typeof rate === 'number' ? addScaled(p, gs[i], -rate) : sub(p, mul(gs[i], rate)));
      });
      return next;
    };
    current = track ? step() : noGrad(step);
  }
  return track ? current : new Map([...current].map(([n, t]) => [n, t.detach()]));
}

/**
 * A learner whose adaptation is plain SGD at a fixed rate on every parameter, and whose outer
 * step updates exactly the model's parameters (Reptile, the pretrain baseline).
 */
export abstract class PlainSGDLearner implements Learner {
  static readonly typeName: string = 'PlainSGDLearner';
  abstract readonly name: string;
  protected readonly loop: InnerLoop;

  constructor(readonly model: Module, innerLr: number, loss: LossName) {
    expectModel(className(this), model);
    if (typeof innerLr !== 'number' || !Number.isFinite(innerLr) || innerLr < 0) throw new MetagradError(`${className(this)}: innerLr must be a finite number >= 0, got ${innerLr}`);
    this.loop = { model, loss: lossFn(loss), innerParameters: innerParameterNames(model), secondOrder: false, rate: () => innerLr };
  }

  metaParameters(): Tensor[] {
    return this.model.parameters();
  }

  adapt(params: ParamMap, support: Batch, steps: number, options: AdaptOptions = {}): ParamMap {
    return innerSGD(this.loop, params, support, steps, options.track ?? false);
  }

  abstract metaGradient(tasks: readonly TaskData[]): MetaGradient;
}
