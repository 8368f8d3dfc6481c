// MAML (Finn et al. 2017) and its family through one class:
//   MAML       second order, any number of inner steps;  firstOrder: true for FOMAML;
//   Meta-SGD   innerLr learned per parameter (learnInnerLr: 'parameter'), or per layer / one scalar;
//   ANIL       only the head adapts (innerParameters: the head's parameters);
//   RMAML's inner-rate rule: α += α₀ Σ_i ∇L_val(θ_i')ᵀ ∇L_train(θ) after each outer step.
import { ArgumentError, MetagradError, describe, expectNumber, expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { tidy } from '../autograd/tidy.ts';
import { add, div } from '../autograd/ops/elementwise.ts';
import { broadcastTo, mean, sum } from '../autograd/ops/reduce.ts';
import { stack } from '../autograd/ops/slice.ts';
import { Tensor, full } from '../autograd/tensor.ts';
import { innerParameterNames, type Module, type ParamMap } from '../nn/module.ts';
import type { Batch } from '../envs/task.ts';
import { applyObjective, canBatchTasks, expectModel, innerSGD, lossFn, perTaskMse, type AdaptOptions, type InnerLoop, type Learner, type LossName, type MetaGradient, type TaskData, type TaskObjective } from './learner.ts';

export type InnerLrMode = 'fixed' | 'scalar' | 'layer' | 'parameter';

export interface MAMLOptions {
  innerLr?: number;
  innerSteps?: number;
  firstOrder?: boolean;
  /**
   * Run the meta-batch as one batched computation when the model allows it (default true);
   * false keeps the per-task loop, the reference the batched path is tested against.
   */
  batchTasks?: boolean;
  /** 'fixed' (default); learned as one 'scalar', one per 'layer', or one per 'parameter' entry (Meta-SGD). */
  learnInnerLr?: InnerLrMode;
  /** RMAML's hypergradient rule on a fixed inner rate, with this step α₀. */
  innerLrHypergradient?: number;
  /** Names of the parameters the inner loop updates (default: all). ANIL passes the head's. */
  innerParameters?: readonly string[];
  loss?: LossName;
  name?: string;
}

/** The module path of a parameter: "layers.2.weight" -> "layers.2". */
const layerOf = (name: string) => name.slice(0, name.lastIndexOf('.'));

export class MAML implements Learner {
  static readonly typeName: string = 'MAML';
  readonly name: string;
  readonly innerSteps: number;
  readonly firstOrder: boolean;
  readonly learnInnerLr: InnerLrMode;
  /** Names of the parameters the inner loop updates. */
  readonly innerParameters: readonly string[];
  /** The inner rate; a tensor on the tape when learned or adjusted by the hypergradient rule. */
  private readonly rates = new Map<string, Tensor>();
  private readonly fixedLr: number;
  /** RMAML's step size for the inner rate's hypergradient rule (0: off). */
  readonly innerLrHypergradient: number;
  private readonly loop: InnerLoop;
  private lastRateGrad = 0;
  private readonly lossName: LossName;
  readonly batchTasks: boolean;

  constructor(readonly model: Module, options: MAMLOptions = {}) {
    expectModel('MAML', model);
    options = expectOptions('MAML', options);
    this.fixedLr = options.innerLr ?? 0.01;
    this.innerSteps = options.innerSteps ?? 1;
    this.firstOrder = options.firstOrder ?? false;
    this.learnInnerLr = options.learnInnerLr ?? 'fixed';
    this.innerLrHypergradient = options.innerLrHypergradient ?? 0;
    this.lossName = options.loss ?? 'mse';
    this.batchTasks = options.batchTasks ?? true;
    if (!Number.isInteger(this.innerSteps) || this.innerSteps < 0) throw new MetagradError(`MAML: innerSteps must be an integer >= 0, got ${options.innerSteps}`);
    if (typeof this.fixedLr !== 'number' || !Number.isFinite(this.fixedLr) || this.fixedLr < 0) throw new MetagradError(`MAML: innerLr must be a finite number >= 0, got ${options.innerLr}`);
    if (!['fixed', 'scalar', 'layer', 'parameter'].includes(this.learnInnerLr)) throw new ArgumentError(`MAML: learnInnerLr must be 'fixed', 'scalar', 'layer' or 'parameter', got ${describe(this.learnInnerLr)}`);
    expectNumber('MAML', 'innerLrHypergradient', this.innerLrHypergradient, { min: 0 });
    lossFn(this.lossName);
    if (options.innerParameters !== undefined && (!Array.isArray(options.innerParameters) || options.innerParameters.some((n) => typeof n !== 'string'))) {
      throw new ArgumentError(`MAML: innerParameters must be an array of parameter names, got ${describe(options.innerParameters)}`);
    }
    if (this.innerLrHypergradient && this.learnInnerLr !== 'fixed') throw new MetagradError(`MAML: innerLrHypergradient adjusts a fixed inner rate; it cannot combine with learnInnerLr '${this.learnInnerLr}'`);
    const all = model.namedParameters().map(([n]) => n);
    this.innerParameters = options.innerParameters ?? innerParameterNames(model);
    for (const n of this.innerParameters) if (!all.includes(n)) throw new MetagradError(`MAML: innerParameters names '${n}', which is not a parameter of the model (${all.join(', ')})`);
    this.name = options.name ?? (this.learnInnerLr === 'parameter' ? 'metasgd' : this.firstOrder ? 'fomaml' : 'maml');

    const params = model.paramMap();
    const dtype = params.get(this.innerParameters[0] ?? '')?.dtype ?? 'float32';
    if (this.learnInnerLr !== 'fixed' || this.innerLrHypergradient) {
      for (const n of this.innerParameters) {
        const key = this.learnInnerLr === 'parameter' ? n : this.learnInnerLr === 'layer' ? layerOf(n) : 'all';
        if (this.rates.has(key) && this.learnInnerLr !== 'parameter') continue;
        const shape = this.learnInnerLr === 'parameter' ? params.get(n)!.shape : [];
        this.rates.set(key, full(shape, this.fixedLr, { dtype, requiresGrad: true }));
      }
    }
    this.loop = {
      model, loss: lossFn(this.lossName), innerParameters: this.innerParameters, secondOrder: !this.firstOrder,
      rate: (n) => this.rateOf(n),
    };
  }

  /** RMAML's hypergradient rule sums over every task of the meta-batch at once. */
  get needsWholeBatch(): boolean {
    return this.innerLrHypergradient > 0;
  }

  private rateOf(name: string): number | Tensor {
    if (this.rates.size === 0) return this.fixedLr;
    const key = this.learnInnerLr === 'parameter' ? name : this.learnInnerLr === 'layer' ? layerOf(name) : 'all';
    return this.rates.get(key)!;
  }

  /** The learned inner rates by key ('all', a layer path, or a parameter name). */
  innerRates(): Map<string, Tensor> {
    return this.rates;
  }

  metaParameters(): Tensor[] {
    const learned = this.learnInnerLr === 'fixed' ? [] : [...this.rates.values()];
    return [...this.model.parameters(), ...learned];
  }

  adapt(params: ParamMap, support: Batch, steps: number, options: AdaptOptions = {}): ParamMap {
    return innerSGD(this.loop, params, support, steps, options.track ?? false);
  }

  metaGradient(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient {
    if (tasks.length === 0) throw new MetagradError('MAML.metaGradient: empty meta-batch');
    // The meta-step's intermediates live in tidy()'s recycled arena; only the gradients leave.
    return tidy(() => {
      const { loss, taskLosses } = this.batchTasks && canBatchTasks(this.model, this.lossName, tasks)
        ? this.metaLossBatched(tasks, objective) : this.metaLossLooped(tasks, objective);
      const hyper = this.innerLrHypergradient ? [...this.rates.values()] : [];
      const all = grad(loss, [...this.metaParameters(), ...hyper], { allowUnused: true });
      const grads = all.slice(0, all.length - hyper.length);
      // dL/dα = -(1/T) Σ_i ∇L_val(θ_i')ᵀ∇L_train(θ), so RMAML's α += α₀ Σ_i (...) is α -= α₀·T·dL/dα
      this.lastRateGrad = hyper.length ? all[all.length - 1].item() * tasks.length : 0;
      if (!objective) return { loss: loss.item(), grads, taskLosses };
      return { loss: taskLosses.reduce((a, b) => a + b, 0) / tasks.length, objective: loss.item(), grads, taskLosses };
    });
  }

  /** The reference: one inner loop and one query loss per task. */
  metaLossLooped(tasks: readonly TaskData[], objective?: TaskObjective): { loss: Tensor; taskLosses: number[] } {
    let total: Tensor | null = null;
    const taskLosses: number[] = [];
    const each: Tensor[] = [];
    const theta = this.model.paramMap();
    for (const t of tasks) {
      const adapted = innerSGD(this.loop, theta, t.support, this.innerSteps, true);
      const q = this.loop.loss(this.model.call(t.query.x, adapted), t.query.y);
      taskLosses.push(q.item());
      if (objective) each.push(q);
      else total = total ? add(total, q) : q;
    }
    return { loss: objective ? applyObjective(stack(each), objective, 'MAML.metaGradient') : div(total!, tasks.length), taskLosses };
  }

  /**
   * All T tasks as one computation: adapted parameters get a leading task axis (θ broadcast to
   * [T, ...]), data is stacked to [T, K, ...], and every layer runs one batched GEMM. The inner
   * loss is the sum of per-task means, so its gradient with respect to the broadcast θ is each
   * task's own gradient, row by row; the outer backward sums the rows back onto θ.
   */
  metaLossBatched(tasks: readonly TaskData[], objective?: TaskObjective): { loss: Tensor; taskLosses: number[] } {
    const T = tasks.length;
    const support = { x: stack(tasks.map((t) => t.support.x)), y: stack(tasks.map((t) => t.support.y)) };
    const query = { x: stack(tasks.map((t) => t.query.x)), y: stack(tasks.map((t) => t.query.y)) };
    const adaptedSet = new Set(this.innerParameters);
    const theta = new Map([...this.model.paramMap()].map(([n, p]) => [n, adaptedSet.has(n) ? broadcastTo(p, [T, ...p.shape]) : p]));
    const loop: InnerLoop = { ...this.loop, loss: (pred, y) => sum(perTaskMse(pred, y)) };
    const adapted = innerSGD(loop, theta, support, this.innerSteps, true);
    const queryLosses = perTaskMse(this.model.call(query.x, adapted), query.y);
    const loss = objective ? applyObjective(queryLosses, objective, 'MAML.metaGradient') : mean(queryLosses);
    return { loss, taskLosses: Array.from(queryLosses.data) };
  }

  afterStep(): void {
    if (!this.innerLrHypergradient) return;
    const rate = this.rates.get('all')!;
    rate.data[0] = Math.max(0, rate.data[0] - this.innerLrHypergradient * this.lastRateGrad);
  }

  extraState(): Record<string, Tensor> {
    return Object.fromEntries([...this.rates].map(([k, t]) => [`innerLr.${k}`, t]));
  }
}

/**
 * Meta-SGD (Li et al. 2017): MAML with a learned inner rate per parameter entry.
 * @example metaSGD(new MLP([1, 40, 40, 1])).metaParameters().length // 6 weights + 6 learned rate tensors
 */
export function metaSGD(model: Module, options: Omit<MAMLOptions, 'learnInnerLr'> = {}): MAML {
  expectModel('metaSGD', model);
  options = expectOptions('metaSGD', options);
  return new MAML(model, { ...options, learnInnerLr: 'parameter', name: options.name ?? 'metasgd' });
}

/**
 * ANIL (Raghu et al. 2020): only the head adapts in the inner loop; the body is meta-learned.
 * head: the parameter-name prefix of the head (default: the last layer with parameters).
 * @example anil(new MLP([1, 40, 40, 1]), { innerLr: 0.01 }).innerParameters // ['layers.4.weight', 'layers.4.bias']
 */
export function anil(model: Module, options: MAMLOptions & { head?: string } = {}): MAML {
  expectModel('anil', model);
  options = expectOptions('anil', options);
  const names = model.namedParameters().map(([n]) => n);
  const head = options.head ?? layerOf(names[names.length - 1]);
  const innerParameters = names.filter((n) => layerOf(n) === head);
  if (innerParameters.length === 0) throw new MetagradError(`anil: no parameters under head '${head}'`);
  return new MAML(model, { ...options, innerParameters, name: options.name ?? 'anil' });
}
