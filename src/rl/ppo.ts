// PPO (Schulman et al. 2017, the clipped objective): with r = π(a|s) / π_old(a|s) over the steps
// of a batch of episodes, minimise −mean(min(r·A, clip(r, 1 − ε, 1 + ε)·A)) for a few epochs of
// shuffled minibatches with Adam. The clip removes the incentive to move r past 1 ± ε in the
// direction the advantage favours, so many steps on one batch stay near the policy that
// collected it. Reported per update: the surrogate, the mean KL(π_old ‖ π) estimated on the
// batch, and the fraction of steps whose ratio left the clip range.
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { exp, maximum, minimum, mul, neg, sub } from '../autograd/ops/elementwise.ts';
import { mean } from '../autograd/ops/reduce.ts';
import { grad } from '../autograd/grad.ts';
import { noGrad } from '../autograd/tape.ts';
import { tidy } from '../autograd/tidy.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { ParamMap } from '../nn/module.ts';
import { Adam } from '../nn/optim.ts';
import { expectRng, type Rng } from '../rng.ts';
import type { Policy } from './policy.ts';
import { expectEpisodes, type Episodes } from './rollout.ts';

export interface PPOOptions {
  /** ε of the clip (default 0.2). */
  clip?: number;
  /** Passes over each batch (default 10) and minibatches per pass (default 4). */
  epochs?: number;
  minibatches?: number;
  /** Adam's learning rate (default 3e-4). */
  lr?: number;
}

/**
 * The clipped surrogate −mean(min(r·A, clip(r, 1 − ε, 1 + ε)·A)), r = exp(log π − oldLogProb),
 * over rows obs [B, obs] and actions [B, act]; on the tape.
 * @example
 * const p = new GaussianPolicy(2, 1);
 * ppoClipLoss(p, new Tensor(new Float32Array(2), [1, 2]), new Tensor(new Float32Array(1), [1, 1]), [0], [1], 0.2).shape // []
 */
export function ppoClipLoss(policy: Policy, obs: Tensor, actions: Tensor, oldLogProb: ArrayLike<number>, advantages: ArrayLike<number>, clip: number, params?: ParamMap): Tensor {
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`ppoClipLoss: policy must be a Policy, got ${describe(policy)}`);
  if (!(obs instanceof Tensor) || !(actions instanceof Tensor) || obs.shape.length !== 2) throw new ArgumentError(`ppoClipLoss: obs and actions must be [B, n] Tensors, got ${describe(obs)} and ${describe(actions)}`);
  const B = obs.shape[0];
  for (const [name, v] of [['oldLogProb', oldLogProb], ['advantages', advantages]] as const) {
    if (v === null || typeof v !== 'object' || v.length !== B) throw new ArgumentError(`ppoClipLoss: ${name} must hold ${B} numbers (one per row), got ${describe(v)}`);
  }
  expectNumber('ppoClipLoss', 'clip', clip, { min: 0, above: true, max: 1, below: true });
  const dtype = obs.dtype;
  const row = (v: ArrayLike<number>) => new Tensor(dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v), [B]);
  const A = row(advantages);
  const ratio = exp(sub(policy.logProb(obs, actions, params), row(oldLogProb)));
  const clipped = maximum(minimum(ratio, 1 + clip), 1 - clip);
  return neg(mean(minimum(mul(ratio, A), mul(clipped, A))));
}

/**
 * PPO's optimiser for one policy: update(episodes, advantages, rng) runs the epochs of
 * minibatches on one batch; Adam's moments carry over between updates.
 * @example new PPO(new GaussianPolicy(2, 2)).clip // 0.2
 */
export class PPO {
  static readonly typeName: string = 'PPO';
  readonly clip: number;
  readonly epochs: number;
  readonly minibatches: number;
  readonly optimizer: Adam;
  private readonly params: Tensor[];

  constructor(readonly policy: Policy, options: PPOOptions = {}) {
    if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`PPO: policy must be a Policy, got ${describe(policy)}`);
    options = expectOptions('PPO', options);
    this.clip = expectNumber('PPO', 'clip', options.clip ?? 0.2, { min: 0, above: true, max: 1, below: true });
    this.epochs = expectNumber('PPO', 'epochs', options.epochs ?? 10, { integer: true, min: 1 });
    this.minibatches = expectNumber('PPO', 'minibatches', options.minibatches ?? 4, { integer: true, min: 1 });
    this.params = policy.parameters();
    this.optimizer = new Adam(this.params, { lr: expectNumber('PPO', 'lr', options.lr ?? 3e-4, { min: 0, above: true }) });
  }

  /** One batch: its steps shuffled into minibatches `epochs` times, a step of Adam on each. */
  update(ep: Episodes, advantages: ArrayLike<number>, rng: Rng): { loss: number; kl: number; clipFraction: number } {
    expectEpisodes('PPO.update', ep);
    if (advantages === null || typeof advantages !== 'object' || advantages.length !== ep.n * ep.t) throw new ArgumentError(`PPO.update: advantages must hold ${ep.n} x ${ep.t} numbers, got ${describe(advantages)}`);
    expectRng('PPO.update', rng);
    const steps: number[] = [];
    for (let i = 0; i < ep.n * ep.t; i++) if (ep.mask[i]) steps.push(i);
    if (steps.length < this.minibatches) throw new ArgumentError(`PPO.update: ${steps.length} steps cannot make ${this.minibatches} minibatches`);
    const rows = (idx: readonly number[]) => this.rows(ep, idx);
    const all = rows(steps);
    const old = noGrad(() => this.policy.logProb(all.obs, all.act)).data.slice();
    const oldOf = new Map(steps.map((s, k) => [s, old[k]]));
    let loss = 0;
    for (let e = 0; e < this.epochs; e++) {
      const order = rng.shuffle(steps.slice());
      for (let m = 0; m < this.minibatches; m++) {
        const idx = order.slice(Math.floor((m * order.length) / this.minibatches), Math.floor(((m + 1) * order.length) / this.minibatches));
        const r = rows(idx);
        tidy(() => {
          const l = ppoClipLoss(this.policy, r.obs, r.act, idx.map((s) => oldOf.get(s)!), idx.map((s) => advantages[s]), this.clip);
          loss = l.item();
          this.optimizer.step(grad(l, this.params));
        });
      }
    }
    // after the update: KL(old ‖ new) ≈ mean(log π_old − log π) on the batch, and the clipped share
    const now = noGrad(() => this.policy.logProb(all.obs, all.act)).data;
    let kl = 0, out = 0;
    for (let k = 0; k < steps.length; k++) {
      kl += old[k] - now[k];
      if (Math.abs(Math.exp(now[k] - old[k]) - 1) > this.clip) out++;
    }
    return { loss, kl: kl / steps.length, clipFraction: out / steps.length };
  }

  private rows(ep: Episodes, idx: readonly number[]): { obs: Tensor; act: Tensor } {
    const f32 = this.params[0].dtype === 'float32';
    const obs = f32 ? new Float32Array(idx.length * ep.obsSize) : new Float64Array(idx.length * ep.obsSize);
    const act = f32 ? new Float32Array(idx.length * ep.actSize) : new Float64Array(idx.length * ep.actSize);
    idx.forEach((s, k) => {
      obs.set(ep.obs.subarray(s * ep.obsSize, (s + 1) * ep.obsSize), k * ep.obsSize);
      act.set(ep.actions.subarray(s * ep.actSize, (s + 1) * ep.actSize), k * ep.actSize);
    });
    return { obs: new Tensor(obs, [idx.length, ep.obsSize]), act: new Tensor(act, [idx.length, ep.actSize]) };
  }
}
