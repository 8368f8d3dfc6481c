// Optimizers update parameter tensors in place (their .data), from explicit gradients or from
// .grad. State dicts hold plain tensors so they can go into a safetensors checkpoint.
import { ArgumentError, MetagradError, ShapeError, describe, expectNumber, expectOptions, fmtShape, className } from '../errors.ts';
import { Tensor, allocatePersistent, expectTensor, expectTensors } from '../autograd/tensor.ts';

abstract class Optimizer {
  static readonly typeName: string = 'Optimizer';
  stepCount = 0;
  constructor(readonly params: Tensor[]) {
    if (!Array.isArray(params)) throw new ArgumentError(`${className(this)}: params must be an array of Tensors, got ${describe(params)}`);
    params.forEach((p, i) => expectTensor(className(this), p, `params[${i}]`));
    if (params.length === 0) throw new MetagradError(`${className(this)}: no parameters to optimize`);
  }

  /** One update from `grads` (one per parameter, same order), or from each parameter's .grad. */
  step(grads?: readonly Tensor[]): void {
    if (grads !== undefined) expectTensors(`${className(this)}.step`, grads, 'grads');
    const gs = grads ?? this.params.map((p, i) => {
      if (!p.grad) throw new MetagradError(`${className(this)}.step: parameter ${i} ${fmtShape(p.shape)} has no .grad; call backward() or pass gradients`);
      return p.grad;
    });
    if (gs.length !== this.params.length) throw new MetagradError(`${className(this)}.step: ${gs.length} gradients for ${this.params.length} parameters`);
    gs.forEach((g, i) => {
      const p = this.params[i];
      if (g.size !== p.size) throw new ShapeError(`${className(this)}.step: gradient ${i} is ${fmtShape(g.shape)}, parameter is ${fmtShape(p.shape)}`);
    });
    this.stepCount++;
    this.params.forEach((p, i) => this.update(i, p.data, gs[i].data));
  }

  /** Clears .grad on every parameter. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  protected abstract update(i: number, p: Tensor['data'], g: Tensor['data']): void;

  /** One zeroed buffer per parameter (momentum, moments). */
  protected slots(): Tensor['data'][] {
    return this.params.map((p) => allocatePersistent(p.dtype, p.size));
  }

  /** Step count and per-parameter buffers as named tensors. */
  abstract stateDict(): Record<string, Tensor>;

  loadStateDict(state: Record<string, Tensor>): void {
    if (state === null || typeof state !== 'object') throw new ArgumentError(`${className(this)}.loadStateDict: state must be a record of Tensors, got ${describe(state)}`);
    const own = this.stateDict();
    for (const [name, t] of Object.entries(own)) {
      const src = state[name];
      if (!src || src.size !== t.size) throw new ShapeError(`${className(this)}.loadStateDict: '${name}' missing or of the wrong size`);
      t.data.set(src.data);
    }
    this.stepCount = state.step ? state.step.data[0] : 0;
  }
}

const stepTensor = (n: number) => new Tensor(Float64Array.of(n), []);
const named = (prefix: string, bufs: Tensor['data'][], params: Tensor[]) =>
  Object.fromEntries(bufs.map((b, i) => [`${prefix}.${i}`, new Tensor(b, params[i].shape)]));

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** SGD with optional momentum (PyTorch's form: v = μv + g; p -= lr·v) and weight decay. */
export class SGD extends Optimizer {
  static override readonly typeName: string = 'SGD';
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly velocity: Tensor['data'][];

  constructor(params: Tensor[], options: SGDOptions) {
    super(params);
    if (options === undefined || options === null || typeof options !== 'object') {
      throw new ArgumentError(`SGD: options with lr are required (new SGD(params, { lr: 0.01 })), got ${describe(options)}`);
    }
    this.lr = checkRate('SGD', 'lr', options.lr);
    this.momentum = checkRate('SGD', 'momentum', options.momentum ?? 0);
    this.weightDecay = checkRate('SGD', 'weightDecay', options.weightDecay ?? 0);
    this.nesterov = options.nesterov ?? false;
    this.velocity = this.momentum > 0 ? this.slots() : [];
  }

  protected update(i: number, p: Tensor['data'], g: Tensor['data']): void {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    const v = this.velocity[i];
    const first = this.stepCount === 1;
    for (let j = 0; j < p.length; j++) {
      let d = g[j] + wd * p[j];
      if (mu > 0) {
        v[j] = first ? d : mu * v[j] + d;
        d = nesterov ? d + mu * v[j] : v[j];
      }
      p[j] -= lr * d;
    }
  }

  stateDict(): Record<string, Tensor> {
    return { step: stepTensor(this.stepCount), ...named('velocity', this.velocity, this.params) };
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Adam (Kingma & Ba) with bias correction; weightDecay adds λp to the gradient (L2). */
export class Adam extends Optimizer {
  static override readonly typeName: string = 'Adam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly m: Tensor['data'][];
  private readonly v: Tensor['data'][];
  protected decoupled = false;

  constructor(params: Tensor[], options: AdamOptions = {}) {
    super(params);
    options = expectOptions(className(this), options);
    if (options.betas !== undefined && (!Array.isArray(options.betas) || options.betas.length !== 2)) {
      throw new ArgumentError(`${className(this)}: betas must be a pair [beta1, beta2], got ${describe(options.betas)}`);
    }
    this.lr = checkRate(className(this), 'lr', options.lr ?? 1e-3);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    checkRate(className(this), 'betas[0]', this.beta1, 1);
    checkRate(className(this), 'betas[1]', this.beta2, 1);
    // eps > 0: eps 0 divides by zero where a gradient stays 0, NaN poisons every step
    this.eps = expectNumber(className(this), 'eps', options.eps ?? 1e-8, { min: 0, above: true });
    this.weightDecay = checkRate(className(this), 'weightDecay', options.weightDecay ?? 0);
    this.m = this.slots();
    this.v = this.slots();
  }

  protected update(i: number, p: Tensor['data'], g: Tensor['data']): void {
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, decoupled } = this;
    const m = this.m[i];
    const v = this.v[i];
    const c1 = 1 - b1 ** this.stepCount;
    const c2 = 1 - b2 ** this.stepCount;
    for (let j = 0; j < p.length; j++) {
      if (decoupled) p[j] -= lr * wd * p[j];
      const gj = decoupled ? g[j] : g[j] + wd * p[j];
      m[j] = b1 * m[j] + (1 - b1) * gj;
      v[j] = b2 * v[j] + (1 - b2) * gj * gj;
      p[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
    }
  }

  stateDict(): Record<string, Tensor> {
    return { step: stepTensor(this.stepCount), ...named('m', this.m, this.params), ...named('v', this.v, this.params) };
  }
}

/** AdamW (Loshchilov & Hutter): weight decay applied to the weights, not through the gradient. */
export class AdamW extends Adam {
  static override readonly typeName: string = 'AdamW';
  constructor(params: Tensor[], options: AdamOptions = {}) {
    super(params, { weightDecay: 1e-2, ...options });
    this.decoupled = true;
  }
}

function checkRate(op: string, name: string, v: number, below = Infinity): number {
  return expectNumber(op, name, v, below < Infinity ? { min: 0, max: below, below: true } : { min: 0 });
}
