// Meta-reinforcement learning end to end, as pytorch-maml-rl runs it: per meta-step a batch of
// tasks, `episodes` episodes of the current policy on each (all tasks stepped as one vectorised
// batch), advantages from the linear feature baseline fitted per task and GAE, the inner
// policy-gradient step, episodes of each adapted policy, and the outer TRPO step through the
// inner one (mamlTrpoStep). `pretrain` is the multi-task baseline: TRPO on the unadapted policy
// over the same tasks, with the same baseline and normalised advantages per task. evaluateRL
// reports held-out tasks' returns after 0..k adaptation steps by their mean, standard error,
// CVaR (the mean of the lowest alpha fraction) and worst.
import { ArgumentError, describe, expectFunction, expectNumber, expectOptions } from '../errors.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { ParamMap } from '../nn/module.ts';
import { expectRng, type Rng } from '../rng.ts';
import { VectorEnv, type EnvFamily } from '../envs/rl/env.ts';
import { summarize, type Summary } from '../meta/metrics.ts';
import { LinearBaseline } from './baseline.ts';
import { adaptPolicy, mamlTrpoStep, type MetaRLTask } from './maml-trpo.ts';
import type { Policy } from './policy.ts';
import { discountedReturns, gae, normalizeAdvantages } from './returns.ts';
import { collectEpisodes, episodeReturns, expectEpisodes, sliceEpisodes, type Episodes } from './rollout.ts';
import { trpoStep, type TRPOOptions } from './trpo.ts';
import { taskWeights } from '../meta/learner.ts';
import type { TaskSampler } from '../meta/samplers/sampler.ts';

export interface AdvantageOptions {
  /** Discount (default 0.99) and GAE's lambda (default 1: returns minus the baseline). */
  gamma?: number;
  lambda?: number;
}

/**
 * Normalised GAE advantages of episodes, from a linear feature baseline fitted to their
 * discounted returns (pytorch-maml-rl's recipe, one fit per task and batch).
 * @example
 * const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 2), new GaussianPolicy(2, 2), new Rng(0));
 * baselineAdvantages(ep).length // 200
 */
export function baselineAdvantages(ep: Episodes, options: AdvantageOptions = {}): Float64Array {
  expectEpisodes('baselineAdvantages', ep);
  options = expectOptions('baselineAdvantages', options);
  const gamma = expectNumber('baselineAdvantages', 'gamma', options.gamma ?? 0.99, { min: 0, max: 1 });
  const lambda = expectNumber('baselineAdvantages', 'lambda', options.lambda ?? 1, { min: 0, max: 1 });
  const baseline = new LinearBaseline(ep.obsSize);
  baseline.fit(ep.obs, discountedReturns(ep.rewards, ep.mask, ep.n, ep.t, gamma), ep.mask, ep.n, ep.t);
  return normalizeAdvantages(gae(ep.rewards, baseline.predict(ep.obs, ep.mask, ep.n, ep.t), ep.mask, ep.n, ep.t, gamma, lambda), ep.mask);
}

/** A copy of a map of parameters off the tape (what collected a batch; a leaf to adapt from). */
const frozen = (params: ParamMap): ParamMap => new Map([...params].map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape).requiresGrad_()]));

const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

export interface RLStepSeconds {
  collect: number;
  adapt: number;
  outer: number;
}

export interface MetaTrainRLOptions extends AdvantageOptions, TRPOOptions {
  family: EnvFamily;
  policy: Policy;
  metaSteps: number;
  rng: Rng;
  /** 'maml' (default): MAML-TRPO; 'pretrain': TRPO on the unadapted policy over the tasks. */
  mode?: 'maml' | 'pretrain';
  /** Tasks per meta-step (default 20) and episodes per task and batch (default 20). */
  metaBatch?: number;
  episodes?: number;
  /** The inner step size (default 0.1) and whether it is first order (default false). */
  innerLr?: number;
  firstOrder?: boolean;
  /**
   * Which tasks each meta-batch trains on and how they weigh: a TaskSampler built on
   * rlTaskFamily(family) (default: the family's own draw). It observes each task's loss, minus
   * its mean return after adaptation (before, for pretrain); an objective's weights ∂J/∂L_i
   * weigh the tasks' surrogates (pretrain: their advantages).
   */
  sampler?: TaskSampler;
  /** The meta-step to start at (default 0): a resumed run continues with the rng and policy it saved. */
  startStep?: number;
  /**
   * After each meta-step: mean return before and after adaptation (equal for pretrain), the
   * step's KL and line-search backtracks, and where its time went in seconds: collecting the
   * tasks' episodes, adapting (baselines, inner steps, the adapted policies' episodes), the
   * outer TRPO step.
   */
  onStep?: (step: number, stats: { before: number; after: number; kl: number; backtracks: number; seconds: RLStepSeconds }) => void;
}

/**
 * Meta-trains the policy in place; returns the mean return before and after adaptation of each
 * meta-step it ran (from startStep).
 * @example metaTrainRL({ family: new PointNav2D(), policy: new GaussianPolicy(2, 2, { hidden: [8] }), metaSteps: 1, metaBatch: 2, episodes: 2, rng: new Rng(0) }).after.length // 1
 */
export function metaTrainRL(o: MetaTrainRLOptions): { before: number[]; after: number[] } {
  o = expectOptions('metaTrainRL', o);
  const { family, policy } = o;
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function' || typeof family.sampleTasks !== 'function') throw new ArgumentError(`metaTrainRL: family must be an EnvFamily (PointNav2D, ...), got ${describe(family)}`);
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`metaTrainRL: policy must be a Policy, got ${describe(policy)}`);
  expectNumber('metaTrainRL', 'metaSteps', o.metaSteps, { integer: true, min: 0 });
  expectRng('metaTrainRL', o.rng);
  const mode = o.mode ?? 'maml';
  if (mode !== 'maml' && mode !== 'pretrain') throw new ArgumentError(`metaTrainRL: mode must be 'maml' or 'pretrain', got ${describe(mode)}`);
  const metaBatch = expectNumber('metaTrainRL', 'metaBatch', o.metaBatch ?? 20, { integer: true, min: 1 });
  const episodes = expectNumber('metaTrainRL', 'episodes', o.episodes ?? 20, { integer: true, min: 1 });
  const innerLr = expectNumber('metaTrainRL', 'innerLr', o.innerLr ?? 0.1, { min: 0 });
  if (o.onStep !== undefined) expectFunction('metaTrainRL', o.onStep, 'onStep');
  const sampler = o.sampler;
  if (sampler !== undefined && (sampler === null || typeof sampler !== 'object' || typeof sampler.sample !== 'function')) throw new ArgumentError(`metaTrainRL: sampler must be a TaskSampler, got ${describe(sampler)}`);
  const adv = { gamma: o.gamma, lambda: o.lambda };
  const trpo: TRPOOptions = { maxKL: o.maxKL, cgIters: o.cgIters, damping: o.damping, ratio: o.ratio, lineSearchSteps: o.lineSearchSteps, fisherSubsample: o.fisherSubsample };
  const all = new VectorEnv(family, metaBatch * episodes);
  const one = new VectorEnv(family, episodes);
  const before: number[] = [];
  const after: number[] = [];
  const startStep = expectNumber('metaTrainRL', 'startStep', o.startStep ?? 0, { integer: true, min: 0, max: o.metaSteps });
  for (let step = startStep; step < o.metaSteps; step++) {
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      const dt = (now - t) / 1000;
      t = now;
      return dt;
    };
    const drawn = sampler?.sample(o.rng, metaBatch, step);
    const goals = drawn ? drawn.map((t) => [...t.id]) : family.sampleTasks(o.rng, metaBatch);
    all.setTasks(goals.flatMap((g) => new Array(episodes).fill(g)));
    const seed = step * 2 * metaBatch * episodes; // every batch of episodes resets from its own seeds
    const batch = collectEpisodes(all, policy, o.rng, { seed });
    const collect = lap();
    if (mode === 'pretrain') {
      // a baseline per task, as the inner steps have: tasks' returns differ by more than any action's effect
      const perTask = goals.map((_, i) => sliceEpisodes(batch, i * episodes, (i + 1) * episodes));
      const advantages = new Float64Array(batch.n * batch.t);
      perTask.forEach((ep, i) => advantages.set(baselineAdvantages(ep, adv), i * episodes * batch.t));
      const losses = perTask.map((ep) => -mean(episodeReturns(ep)));
      const w = drawn && sampler?.objective ? taskWeights(sampler.objective(drawn), losses) : null;
      // a task weighed w_i in the mean surrogate: its advantages scaled by w_i·T
      if (w) for (let i = 0; i < advantages.length; i++) advantages[i] *= w[Math.floor(i / (episodes * batch.t))] * metaBatch;
      const adapt = lap();
      const r = trpoStep(policy, batch, advantages, trpo);
      if (drawn) sampler!.observe?.(drawn, losses, step);
      const ret = mean(episodeReturns(batch));
      before.push(ret);
      after.push(ret);
      o.onStep?.(step, { before: ret, after: ret, kl: r.kl, backtracks: r.backtracks, seconds: { collect, adapt, outer: lap() } });
      continue;
    }
    const tasks: MetaRLTask[] = goals.map((goal, i) => {
      const train = sliceEpisodes(batch, i * episodes, (i + 1) * episodes);
      const trainAdvantages = baselineAdvantages(train, adv);
      const params = frozen(adaptPolicy(policy, train, trainAdvantages, innerLr, { firstOrder: true }));
      one.setTasks(new Array(episodes).fill(goal));
      const valid = collectEpisodes(one, policy, o.rng, { seed: seed + (metaBatch + i) * episodes, params });
      return { train, trainAdvantages, valid, validAdvantages: baselineAdvantages(valid, adv) };
    });
    const adapt = lap();
    const losses = tasks.map((t) => -mean(episodeReturns(t.valid)));
    const w = drawn && sampler?.objective ? taskWeights(sampler.objective(drawn), losses) : undefined;
    const r = mamlTrpoStep(policy, tasks, { ...trpo, innerLr, firstOrder: o.firstOrder, ...(w ? { taskWeights: w } : {}) });
    if (drawn) sampler!.observe?.(drawn, losses, step);
    before.push(mean(episodeReturns(batch)));
    after.push(mean(tasks.flatMap((t) => episodeReturns(t.valid))));
    o.onStep?.(step, { before: before[step - startStep], after: after[step - startStep], kl: r.kl, backtracks: r.backtracks, seconds: { collect, adapt, outer: lap() } });
  }
  return { before, after };
}

export interface EvaluateRLOptions extends AdvantageOptions {
  /** Held-out task ids. */
  tasks: readonly (readonly number[])[];
  /** Adaptation steps: returns are reported after 0..steps (default 3). */
  steps?: number;
  /** Episodes per task and step (default 20), the inner step size (default 0.1), the CVaR level (default 0.1). */
  episodes?: number;
  innerLr?: number;
  alpha?: number;
  rng: Rng;
  /** Reset seeds start here (default 1e9, apart from training's). */
  seed?: number;
}

export interface RLEvalResult {
  steps: number[];
  /** Per step: the tasks' mean return, its standard error, CVaR (the lowest alpha fraction) and worst. */
  mean: number[];
  stderr: number[];
  cvar: number[];
  worst: number[];
  /** perTask[s][i]: task i's mean return after s steps. */
  perTask: number[][];
}

/**
 * Returns on held-out tasks after 0..steps policy-gradient steps, each on fresh episodes of the
 * policy adapted so far (pytorch-maml-rl's test protocol); the policy itself is left unchanged.
 * @example evaluateRL(new GaussianPolicy(2, 2, { hidden: [8] }), new PointNav2D(), { tasks: [[0.1, 0.2]], steps: 1, episodes: 2, rng: new Rng(0) }).mean.length // 2
 */
export function evaluateRL(policy: Policy, family: EnvFamily, options: EvaluateRLOptions): RLEvalResult {
  if (policy === null || typeof policy !== 'object' || typeof policy.logProb !== 'function') throw new ArgumentError(`evaluateRL: policy must be a Policy, got ${describe(policy)}`);
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function') throw new ArgumentError(`evaluateRL: family must be an EnvFamily, got ${describe(family)}`);
  options = expectOptions('evaluateRL', options);
  const { tasks } = options;
  if (!Array.isArray(tasks) || tasks.length === 0) throw new ArgumentError(`evaluateRL: tasks must be a non-empty array of task ids, got ${describe(tasks)}`);
  const steps = expectNumber('evaluateRL', 'steps', options.steps ?? 3, { integer: true, min: 0 });
  const episodes = expectNumber('evaluateRL', 'episodes', options.episodes ?? 20, { integer: true, min: 1 });
  const innerLr = expectNumber('evaluateRL', 'innerLr', options.innerLr ?? 0.1, { min: 0 });
  const alpha = expectNumber('evaluateRL', 'alpha', options.alpha ?? 0.1, { min: 0, above: true, max: 1 });
  const seed0 = expectNumber('evaluateRL', 'seed', options.seed ?? 1e9, { integer: true, min: 0 });
  const rng = expectRng('evaluateRL', options.rng);
  const adv = { gamma: options.gamma, lambda: options.lambda };
  const env = new VectorEnv(family, episodes);
  const perTask: number[][] = Array.from({ length: steps + 1 }, () => []);
  tasks.forEach((goal, i) => {
    env.setTasks(new Array(episodes).fill(goal));
    let params = frozen(policy.paramMap());
    for (let s = 0; s <= steps; s++) {
      const ep = collectEpisodes(env, policy, rng, { seed: seed0 + (i * (steps + 1) + s) * episodes, params });
      perTask[s].push(mean(episodeReturns(ep)));
      if (s < steps) params = frozen(adaptPolicy(policy, ep, baselineAdvantages(ep, adv), innerLr, { params, firstOrder: true }));
    }
  });
  // the tail of returns is the low end: summarize ranks high values as worst, so negate
  const sums: Summary[] = perTask.map((r) => summarize(r.map((v) => -v), alpha));
  return {
    steps: perTask.map((_, s) => s), mean: sums.map((s) => -s.mean), stderr: sums.map((s) => s.stderr), cvar: sums.map((s) => -s.cvar), worst: sums.map((s) => -s.worst), perTask,
  };
}
