// MAML-TRPO (Finn et al. 2017, as pytorch-maml-rl implements it): per task, one (or more)
// policy-gradient steps on episodes of the current policy adapt it, θ'_i = θ - α ∇L_train(θ);
// the outer step is TRPO on θ for the surrogate of the adapted policies on fresh episodes,
// −mean_i mean(A · π_θ'_i/π_θ'_i,old), with the KL of each adapted policy to the one that
// collected its episodes, both differentiated through the inner step (second order; `firstOrder`
// detaches the inner gradient).
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { addScaled, div, mul } from '../autograd/ops/elementwise.ts';
import { noGrad } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { ParamMap } from '../nn/module.ts';
import type { Policy } from './policy.ts';
import { episodeRows, expectEpisodes, policyGradientLoss, type Episodes } from './rollout.ts';
import { headEpisodes, hessianVectorProduct, policyKL, ratioSurrogate, trustRegionStep, type TRPOOptions, type TRPOStep } from './trpo.ts';

export interface MetaRLTask {
  /** Episodes of the current policy and their advantages: the inner step's data. */
  train: Episodes;
  trainAdvantages: ArrayLike<number>;
  /** Episodes of the adapted policy and their advantages: the outer step's data. */
  valid: Episodes;
  validAdvantages: ArrayLike<number>;
}

export interface MAMLTRPOOptions extends TRPOOptions {
  /** The inner policy-gradient step size (default 0.1, pytorch-maml-rl's). */
  innerLr?: number;
  firstOrder?: boolean;
  /**
   * Each task's weight in the surrogate (default 1/T each): a sampler's objective's ∂J/∂L_i
   * (CVaR-ML's 1/k on the k worst tasks). The KL of the trust region stays the tasks' mean.
   */
  taskWeights?: readonly number[];
}

/**
 * The policy's parameters after one policy-gradient step on episodes with advantages, on the
 * tape through the current parameters (createGraph for second order).
 * @example
 * const policy = new GaussianPolicy(2, 2, { hidden: [8] });
 * const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 2), policy, new Rng(0));
 * adaptPolicy(policy, ep, normalizeAdvantages(ep.rewards, ep.mask), 0.1).size // 6 weights and biases + logStd
 */
export function adaptPolicy(policy: Policy, ep: Episodes, advantages: ArrayLike<number>, lr: number, options: { params?: ParamMap; firstOrder?: boolean } = {}): ParamMap {
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`adaptPolicy: policy must be a Policy, got ${describe(policy)}`);
  expectEpisodes('adaptPolicy', ep);
  expectNumber('adaptPolicy', 'lr', lr, { min: 0 });
  const theta = options.params ?? policy.paramMap();
  const names = [...theta.keys()];
  const loss = policyGradientLoss(policy, ep, advantages, theta);
  const gs = grad(loss, names.map((n) => theta.get(n)!), { createGraph: !options.firstOrder, allowUnused: true });
  return new Map(names.map((n, i) => [n, addScaled(theta.get(n)!, options.firstOrder ? gs[i].detach() : gs[i], -lr)]));
}

/**
 * One MAML-TRPO outer step on a meta-batch of tasks (their episodes collected as above);
 * `fisherSubsample` takes the inner loss's Hessian, as well as the KL's, on 1/k of the episodes.
 * @example
 * const policy = new GaussianPolicy(2, 2, { hidden: [8] });
 * const train = collectEpisodes(new VectorEnv(new PointNav2D(), 2), policy, new Rng(0));
 * const adv = normalizeAdvantages(train.rewards, train.mask);
 * mamlTrpoStep(policy, [{ train, trainAdvantages: adv, valid: train, validAdvantages: adv }]).kl <= 0.01 // true
 */
export function mamlTrpoStep(policy: Policy, tasks: readonly MetaRLTask[], options: MAMLTRPOOptions = {}): TRPOStep {
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`mamlTrpoStep: policy must be a Policy, got ${describe(policy)}`);
  if (!Array.isArray(tasks) || tasks.length === 0) throw new ArgumentError(`mamlTrpoStep: tasks must be a non-empty array of { train, trainAdvantages, valid, validAdvantages }, got ${describe(tasks)}`);
  options = expectOptions('mamlTrpoStep', options);
  const lr = expectNumber('mamlTrpoStep', 'innerLr', options.innerLr ?? 0.1, { min: 0 });
  const firstOrder = options.firstOrder ?? false;
  const weights = options.taskWeights;
  if (weights !== undefined && (!Array.isArray(weights) || weights.length !== tasks.length || weights.some((w) => typeof w !== 'number' || !Number.isFinite(w)))) {
    throw new ArgumentError(`mamlTrpoStep: taskWeights must be ${tasks.length} finite numbers, one per task, got ${describe(weights)}`);
  }
  const subsample = expectNumber('mamlTrpoStep', 'fisherSubsample', options.fisherSubsample ?? 1, { integer: true, min: 1 }); // here on the inner Hessian too
  const params = policy.parameters();
  // what collected each task's valid episodes: the adapted policy at the current θ, detached
  const olds = tasks.map((t) => {
    const adapted = adaptPolicy(policy, t.train, t.trainAdvantages, lr, { firstOrder: true });
    return new Map([...adapted].map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape)])) as ParamMap;
  });
  const data = tasks.map((t, i) => {
    const rows = episodeRows(policy, t.valid, t.validAdvantages);
    return { rows, oldLogp: noGrad(() => policy.logProb(rows.obs, rows.act, olds[i])) };
  });
  const adaptAll = (first: boolean) => tasks.map((t) => adaptPolicy(policy, t.train, t.trainAdvantages, lr, { firstOrder: first }));
  const surrogate = (adapted: ParamMap[]) => {
    const terms = data.map((d, i) => ratioSurrogate(policy, d.rows, d.oldLogp, adapted[i]));
    // the mean as it always was (the same numbers as before weights existed), or the weighted sum
    return weights ? terms.map((t, i) => mul(t, weights[i])).reduce((a, b) => addScaled(a, b, 1)) : div(terms.reduce((a, b) => addScaled(a, b, 1)), tasks.length);
  };
  const meanKL = (adapted: ParamMap[]) => div(tasks.map((t, i) => policyKL(policy, t.valid, olds[i], adapted[i])).reduce((a, b) => addScaled(a, b, 1)), tasks.length);
  // the line search needs values only: θ'(θ) is the same number whichever order it is taken
  // in, and one inner step serves the surrogate and the KL
  const values = (): [number, number] => {
    const adapted = adaptAll(true);
    return [surrogate(adapted).item(), meanKL(adapted).item()];
  };
  const fisher = () => mamlFisherProduct(policy, tasks, { innerLr: lr, firstOrder, subsample, olds });
  return trustRegionStep('mamlTrpoStep', params, () => surrogate(adaptAll(firstOrder)), () => meanKL(adaptAll(true)), options, { fisher, values });
}

export interface MAMLFisherOptions {
  /** The inner step size (default 0.1) and whether the inner step is first order (J = I). */
  innerLr?: number;
  firstOrder?: boolean;
  /**
   * The KL's Hessian on the first 1/k of each task's valid episodes and the inner loss's on the
   * first 1/k of its train episodes (default 1: all): a cheaper metric for the conjugate
   * gradient, as OpenAI's TRPO takes every 5th step; the line search still checks the KL.
   */
  subsample?: number;
  /** Each task's adapted parameters at the current θ, when already computed. */
  olds?: readonly ParamMap[];
}

/**
 * The Fisher-vector product of MAML-TRPO's trust region at the current θ: v ↦ ∇²K v, K(θ) =
 * mean_i KL(π_θ'_i,old ‖ π_θ'_i(θ)) over each task's valid episodes, without damping. At θ the
 * adapted θ'_i(θ) is θ'_i,old, where the KL's gradient in θ' is zero, so the terms with θ'_i's
 * second derivatives vanish and ∇²K = mean_i J_iᵀ F_i J_i: F_i the KL's Hessian in θ' (the
 * adapted policy's Fisher), J_i = I − α ∇²L_i the inner step's Jacobian (symmetric; I when first
 * order). A product is two Hessian-vector products of the inner loss and one of the KL per task,
 * each a backward through a graph of second order, instead of a backward through the KL's
 * gradient through the inner step's gradient (third order): 1.23x faster on cheetah-dir
 * (`npm run bench -- --suite metarl`).
 * @example
 * const policy = new GaussianPolicy(2, 2, { hidden: [8] });
 * const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 2), policy, new Rng(0));
 * const adv = normalizeAdvantages(ep.rewards, ep.mask);
 * mamlFisherProduct(policy, [{ train: ep, trainAdvantages: adv, valid: ep, validAdvantages: adv }])(new Float64Array(44)).length // 44: 2·8 + 8 + 8·2 + 2 weights and biases, 2 log-stds
 */
export function mamlFisherProduct(policy: Policy, tasks: readonly MetaRLTask[], options: MAMLFisherOptions = {}): (v: Float64Array) => Float64Array {
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`mamlFisherProduct: policy must be a Policy, got ${describe(policy)}`);
  if (!Array.isArray(tasks) || tasks.length === 0) throw new ArgumentError(`mamlFisherProduct: tasks must be a non-empty array of { train, trainAdvantages, valid, validAdvantages }, got ${describe(tasks)}`);
  options = expectOptions('mamlFisherProduct', options);
  const lr = expectNumber('mamlFisherProduct', 'innerLr', options.innerLr ?? 0.1, { min: 0 });
  const head = (ep: Episodes) => headEpisodes('mamlFisherProduct', ep, options.subsample);
  const params = policy.parameters();
  const names = [...policy.paramMap().keys()];
  const perTask = tasks.map((t, i) => {
    const old = options.olds?.[i] ?? adaptPolicy(policy, t.train, t.trainAdvantages, lr, { firstOrder: true });
    const at = names.map((n) => new Tensor(old.get(n)!.data.slice(), old.get(n)!.shape).requiresGrad_());
    const frozen: ParamMap = new Map(names.map((n, k) => [n, new Tensor(at[k].data, at[k].shape)]));
    const klHv = hessianVectorProduct(policyKL(policy, head(t.valid), frozen, new Map(names.map((n, k) => [n, at[k]]))), at);
    const train = head(t.train);
    const advantages = train === t.train ? t.trainAdvantages : Float64Array.from({ length: train.n * train.t }, (_, k) => t.trainAdvantages[k]);
    const innerHv = options.firstOrder ? null : hessianVectorProduct(policyGradientLoss(policy, train, advantages, policy.paramMap()), params);
    return { klHv, innerHv };
  });
  const jacobian = (hv: ((v: Float64Array) => Float64Array) | null, v: Float64Array) => {
    if (!hv) return v;
    const h = hv(v);
    for (let k = 0; k < h.length; k++) h[k] = v[k] - lr * h[k];
    return h;
  };
  return (v) => {
    const out = new Float64Array(v.length);
    for (const { klHv, innerHv } of perTask) {
      const w = jacobian(innerHv, klHv(jacobian(innerHv, v)));
      for (let k = 0; k < out.length; k++) out[k] += w[k] / tasks.length;
    }
    return out;
  };
}
