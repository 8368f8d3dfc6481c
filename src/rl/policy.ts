// Policies as Modules, so the inner loop of MAML adapts them like any model (a functional call
// with a map of adapted weights): a Gaussian policy for Box actions (an MLP for the mean and a
// learned log standard deviation per action dimension, as the MAML-RL papers use) and a
// categorical policy for Discrete actions (an MLP for the logits). logProb is on the tape;
// sampling is not.
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { Rng, expectRng } from '../rng.ts';
import { add, div, exp, mul, square, sub } from '../autograd/ops/elementwise.ts';
import { logSoftmax } from '../autograd/ops/nn.ts';
import { sum } from '../autograd/ops/reduce.ts';
import { noGrad } from '../autograd/tape.ts';
import { Tensor, full, type DType } from '../autograd/tensor.ts';
import { MLP, type ActivationName } from '../nn/layers.ts';
import { Module, Scope, type ParamMap } from '../nn/module.ts';

export interface PolicyOptions {
  /** Hidden layer sizes (default [64, 64], pytorch-maml-rl's for navigation). */
  hidden?: number[];
  activation?: ActivationName;
  /** The initial standard deviation of a Gaussian policy (default 1). */
  initStd?: number;
  rng?: Rng;
  dtype?: DType;
}

export interface Policy extends Module {
  /** log π(a | s) of each row: obs [B, obs], actions [B, act] (a discrete action: [B, 1]) → [B]. */
  logProb(obs: Tensor, actions: Tensor, params?: ParamMap): Tensor;
  /** Actions for obs [B, obs], drawn with rng ([B, act] row-major). */
  sample(obs: Tensor, rng: Rng, params?: ParamMap): Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** The options checked and the MLP a policy computes its outputs with (errors name `op`). */
function policyNet(op: string, obsSize: number, outputs: number, outputsName: string, options: PolicyOptions): { net: MLP; options: PolicyOptions; dtype: DType } {
  options = expectOptions(op, options);
  expectNumber(op, 'obsSize', obsSize, { integer: true, min: 1 });
  expectNumber(op, outputsName, outputs, { integer: true, min: 1 });
  const rng = options.rng === undefined ? new Rng(0) : expectRng(op, options.rng, 'options.rng');
  const dtype = options.dtype ?? 'float32';
  return { net: new MLP([obsSize, ...(options.hidden ?? [64, 64]), outputs], { activation: options.activation ?? 'tanh', rng, dtype }), options, dtype };
}

/** @example new GaussianPolicy(2, 2).namedParameters().length // 6 weights and biases + logStd */
export class GaussianPolicy extends Module implements Policy {
  static override readonly typeName: string = 'GaussianPolicy';

  constructor(readonly obsSize: number, readonly actSize: number, options: PolicyOptions = {}) {
    super();
    const { net, options: o, dtype } = policyNet('GaussianPolicy', obsSize, actSize, 'actSize', options);
    const initStd = o.initStd ?? 1;
    if (!(initStd > 0) || !Number.isFinite(initStd)) throw new ArgumentError(`GaussianPolicy: initStd must be a finite number > 0, got ${describe(initStd)}`);
    this.registerModule('mean', net);
    this.registerParameter('logStd', full([actSize], Math.log(initStd), { dtype, requiresGrad: true }));
  }

  forward(obs: Tensor, s: Scope = this.ownScope()): Tensor {
    return s.run('mean', obs);
  }

  logProb(obs: Tensor, actions: Tensor, params?: ParamMap): Tensor {
    const s = this.scope(params);
    const mean = s.run('mean', obs);
    const logStd = s.param('logStd');
    const z = div(sub(actions, mean), exp(logStd));
    // -½ Σ z² - Σ log σ - ½ d log 2π
    return sub(mul(sum(square(z), 1), -0.5), add(sum(logStd), 0.5 * this.actSize * LOG_2PI));
  }

  sample(obs: Tensor, rng: Rng, params?: ParamMap): Float64Array {
    return noGrad(() => {
      const s = this.scope(params);
      const mean = s.run('mean', obs).data;
      const std = Array.from(s.param('logStd').data, Math.exp);
      return Float64Array.from(mean, (m, i) => m + std[i % this.actSize] * rng.normal());
    });
  }

  private scope(params?: ParamMap): Scope {
    return new Scope(this, params ?? null, '');
  }
}

/** @example new CategoricalPolicy(4, 2).sample(tensor([[0, 0, 0, 0]]), new Rng(0)).length // 1 */
export class CategoricalPolicy extends Module implements Policy {
  static override readonly typeName: string = 'CategoricalPolicy';

  constructor(readonly obsSize: number, readonly actions: number, options: PolicyOptions = {}) {
    super();
    this.registerModule('logits', policyNet('CategoricalPolicy', obsSize, actions, 'actions', options).net);
  }

  forward(obs: Tensor, s: Scope = this.ownScope()): Tensor {
    return s.run('logits', obs);
  }

  logProb(obs: Tensor, actions: Tensor, params?: ParamMap): Tensor {
    const logp = logSoftmax(this.call(obs, params), 1);
    const b = obs.shape[0];
    const onehot = new Float64Array(b * this.actions);
    for (let i = 0; i < b; i++) {
      const a = actions.data[i];
      if (!Number.isInteger(a) || a < 0 || a >= this.actions) throw new ArgumentError(`CategoricalPolicy.logProb: action ${i} is ${a}; actions are integers from 0 to ${this.actions - 1}`);
      onehot[i * this.actions + a] = 1;
    }
    const pick = new Tensor(logp.dtype === 'float64' ? onehot : Float32Array.from(onehot), [b, this.actions]);
    return sum(mul(logp, pick), 1);
  }

  sample(obs: Tensor, rng: Rng, params?: ParamMap): Float64Array {
    return noGrad(() => {
      const logits = this.call(obs, params).data;
      const out = new Float64Array(obs.shape[0]);
      for (let i = 0; i < out.length; i++) {
        let max = -Infinity;
        for (let k = 0; k < this.actions; k++) max = Math.max(max, logits[i * this.actions + k]);
        let total = 0;
        for (let k = 0; k < this.actions; k++) total += Math.exp(logits[i * this.actions + k] - max);
        let u = rng.uniform(0, total);
        let k = 0;
        while (k < this.actions - 1 && (u -= Math.exp(logits[i * this.actions + k] - max)) > 0) k++;
        out[i] = k;
      }
      return out;
    });
  }
}
