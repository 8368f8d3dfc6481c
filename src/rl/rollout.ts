// Episodes of a policy in N copies of an environment, stepped together, into flat arrays
// [N, T, ...] with a mask of the steps that happened; and the policy-gradient surrogate over
// them, whose gradient is REINFORCE's (Williams 1992) with the given advantages; and a batch
// cut into its tasks' shares (sliceEpisodes).
import { ArgumentError, describe } from '../errors.ts';
import { div, mul, neg } from '../autograd/ops/elementwise.ts';
import { sum } from '../autograd/ops/reduce.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { ParamMap } from '../nn/module.ts';
import { expectRng, type Rng } from '../rng.ts';
import type { VectorEnv } from '../envs/rl/env.ts';
import type { Policy } from './policy.ts';

export interface Episodes {
  /** Episodes and steps: arrays below are [n, t, ...] row-major. */
  n: number;
  t: number;
  obsSize: number;
  actSize: number;
  /** The observation each action was taken in. */
  obs: Float64Array;
  actions: Float64Array;
  rewards: Float64Array;
  /** 1 where the step happened, 0 after the episode ended. */
  mask: Float64Array;
}

/** ep itself when it is an Episodes record (collectEpisodes'), else an ArgumentError naming op. */
export function expectEpisodes(op: string, ep: unknown): Episodes {
  const e = ep as Episodes;
  if (ep === null || typeof ep !== 'object' || !Number.isInteger(e.n) || !Number.isInteger(e.t) || !(e.rewards instanceof Float64Array) || !(e.mask instanceof Float64Array) ||
    e.rewards.length !== e.n * e.t || e.mask.length !== e.n * e.t || !(e.obs instanceof Float64Array) || !(e.actions instanceof Float64Array)) {
    throw new ArgumentError(`${op}: expected the episodes collectEpisodes returns, got ${describe(ep)}`);
  }
  return e;
}

/**
 * One episode per copy of `env` (its tasks already set), the policy acting with `params` (its
 * own weights when absent), up to the environment's horizon; resets with `seed` (copy i: seed + i).
 * @example collectEpisodes(new VectorEnv(new PointNav2D(), 2), new GaussianPolicy(2, 2), new Rng(0)).n // 2
 */
export function collectEpisodes(env: VectorEnv, policy: Policy, rng: Rng, options: { params?: ParamMap; seed?: number } = {}): Episodes {
  if (env === null || typeof env !== 'object' || typeof env.step !== 'function') throw new ArgumentError(`collectEpisodes: env must be a VectorEnv, got ${describe(env)}`);
  if (policy === null || typeof policy !== 'object' || typeof policy.sample !== 'function') throw new ArgumentError(`collectEpisodes: policy must be a Policy (GaussianPolicy, CategoricalPolicy), got ${describe(policy)}`);
  expectRng('collectEpisodes', rng);
  const n = env.count;
  const t = env.envs[0].horizon;
  const o = env.obsSize;
  const a = env.actSize;
  const ep: Episodes = {
    n, t, obsSize: o, actSize: a,
    obs: new Float64Array(n * t * o), actions: new Float64Array(n * t * a), rewards: new Float64Array(n * t), mask: new Float64Array(n * t),
  };
  const f32 = policy.parameters()[0].dtype === 'float32';
  let obs = env.reset(options.seed);
  let live = new Uint8Array(n).fill(1);
  for (let s = 0; s < t && live.some((v) => v); s++) {
    const actions = policy.sample(new Tensor(f32 ? Float32Array.from(obs) : obs.slice(), [n, o]), rng, options.params);
    const r = env.step(actions);
    for (let e = 0; e < n; e++) {
      if (!live[e]) continue;
      const i = e * t + s;
      ep.obs.set(obs.subarray(e * o, (e + 1) * o), i * o);
      ep.actions.set(actions.subarray(e * a, (e + 1) * a), i * a);
      ep.rewards[i] = r.reward[e];
      ep.mask[i] = 1;
    }
    live = Uint8Array.from(r.done, (d) => 1 - d);
    obs = r.obs;
  }
  return ep;
}

/**
 * Each episode's undiscounted return (the sum of its rewards).
 * @example episodeReturns(collectEpisodes(new VectorEnv(new PointNav2D(), 3), new GaussianPolicy(2, 2), new Rng(0))).length // 3
 */
export function episodeReturns(ep: Episodes): number[] {
  expectEpisodes('episodeReturns', ep);
  return Array.from({ length: ep.n }, (_, e) => {
    let s = 0;
    for (let k = 0; k < ep.t; k++) s += ep.rewards[e * ep.t + k];
    return s;
  });
}

/**
 * The policy-gradient surrogate −Σ mask·A·log π(a|s) / Σ mask, on the tape: its gradient is the
 * policy gradient with advantages A [n, t]; differentiable again through `params` (MAML).
 * @example
 * const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 2), new GaussianPolicy(2, 2), new Rng(0));
 * policyGradientLoss(new GaussianPolicy(2, 2), ep, new Float64Array(ep.n * ep.t)).shape // []
 */
export function policyGradientLoss(policy: Policy, ep: Episodes, advantages: ArrayLike<number>, params?: ParamMap): Tensor {
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`policyGradientLoss: policy must be a Policy, got ${describe(policy)}`);
  expectEpisodes('policyGradientLoss', ep);
  if (advantages === null || typeof advantages !== 'object' || advantages.length !== ep.n * ep.t) throw new ArgumentError(`policyGradientLoss: advantages must hold ${ep.n} x ${ep.t} numbers, got ${describe(advantages)}`);
  const r = episodeRows(policy, ep, advantages);
  return neg(div(sum(mul(policy.logProb(r.obs, r.act, params), r.weights!)), r.count));
}

/** The episodes' steps as rows of tensors in the policy's dtype, for the losses over them. */
export interface EpisodeRows {
  /** [n·t, obs] and [n·t, act]. */
  obs: Tensor;
  act: Tensor;
  /** [n·t]: 1 where the step happened. */
  mask: Tensor;
  /** The steps that happened (at least 1, a divisor). */
  count: number;
  /** [n·t]: mask · advantage, when advantages were given. */
  weights?: Tensor;
}

export function episodeRows(policy: Policy, ep: Episodes, advantages?: ArrayLike<number>): EpisodeRows {
  const f32 = policy.parameters()[0].dtype === 'float32';
  const of = (d: Float64Array, shape: number[]) => new Tensor(f32 ? Float32Array.from(d) : d, shape);
  const rows = ep.n * ep.t;
  let count = 0;
  for (let i = 0; i < rows; i++) count += ep.mask[i];
  return {
    obs: of(ep.obs, [rows, ep.obsSize]), act: of(ep.actions, [rows, ep.actSize]), mask: of(ep.mask, [rows]), count: Math.max(1, count),
    ...(advantages ? { weights: of(Float64Array.from(advantages, (a, i) => a * ep.mask[i]), [rows]) } : {}),
  };
}

/**
 * Episodes from..to-1 of a batch, as their own record (a task's share of a vectorised batch).
 * @example sliceEpisodes(collectEpisodes(new VectorEnv(new PointNav2D(), 4), new GaussianPolicy(2, 2), new Rng(0)), 2, 4).n // 2
 */
export function sliceEpisodes(ep: Episodes, from: number, to: number): Episodes {
  expectEpisodes('sliceEpisodes', ep);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > ep.n || from >= to) throw new ArgumentError(`sliceEpisodes: need 0 <= from < to <= ${ep.n}, got ${from}, ${to}`);
  const { t, obsSize: o, actSize: a } = ep;
  return {
    n: to - from, t, obsSize: o, actSize: a,
    obs: ep.obs.slice(from * t * o, to * t * o), actions: ep.actions.slice(from * t * a, to * t * a),
    rewards: ep.rewards.slice(from * t, to * t), mask: ep.mask.slice(from * t, to * t),
  };
}
