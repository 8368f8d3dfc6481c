// MAML-TRPO on the point robot: the inner policy-gradient step differentiated through (second
// order against first order and finite differences), a short meta-training run whose
// post-adaptation return rises, the evaluation protocol by hand, and the oracle's view.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ArgumentError, GaussianPolicy, LinearBaseline, PointNav2D, Rng, VectorEnv, adaptPolicy, baselineAdvantages, collectEpisodes, discountedReturns,
  episodeReturns, evaluateRL, gae, grad, Tensor, metaTrainRL, normalizeAdvantages, policyGradientLoss, sliceEpisodes, trpoStep, withTaskInObservation, type Episodes,
} from '../src/index.ts';
import { assertThrowsTyped } from './helpers.ts';
import { hessianVectorProduct, policyKL } from '../src/rl/trpo.ts';
import { mamlFisherProduct } from '../src/rl/maml-trpo.ts';
import { add, div } from '../src/autograd/ops/elementwise.ts';
import { assertClose } from './helpers.ts';

const advantages = (ep: Episodes) => baselineAdvantages(ep);

test('baselineAdvantages is the baseline-fit-then-GAE recipe; sliceEpisodes cuts a batch into its tasks', () => {
  const env = new VectorEnv(new PointNav2D(), 4);
  env.setTasks([[0.2, 0.1], [0.2, 0.1], [-0.3, 0.4], [-0.3, 0.4]]);
  const ep = collectEpisodes(env, new GaussianPolicy(2, 2, { hidden: [8] }), new Rng(3), { seed: 0 });
  const baseline = new LinearBaseline(ep.obsSize);
  baseline.fit(ep.obs, discountedReturns(ep.rewards, ep.mask, ep.n, ep.t, 0.99), ep.mask, ep.n, ep.t);
  const byHand = normalizeAdvantages(gae(ep.rewards, baseline.predict(ep.obs, ep.mask, ep.n, ep.t), ep.mask, ep.n, ep.t, 0.99, 1), ep.mask);
  assert.equal(Array.from(baselineAdvantages(ep)), Array.from(byHand));
  const second = sliceEpisodes(ep, 2, 4);
  assert.is(second.n, 2);
  assert.equal(episodeReturns(second), episodeReturns(ep).slice(2));
  assert.equal(Array.from(second.obs), Array.from(ep.obs.subarray(2 * ep.t * 2)));
  assertThrowsTyped(() => sliceEpisodes(ep, 3, 3), ArgumentError, 'sliceEpisodes', '0 <= from < to <= 4');
});

test('the outer gradient through the inner step: finite differences of the post-adaptation loss', () => {
  const policy = new GaussianPolicy(2, 2, { hidden: [4], dtype: 'float64', rng: new Rng(0) });
  const env = new VectorEnv(new PointNav2D(), 3);
  env.setTasks([[0.2, 0.1], [0.2, 0.1], [0.2, 0.1]]);
  const train = collectEpisodes(env, policy, new Rng(1), { seed: 0 });
  const valid = collectEpisodes(env, policy, new Rng(2), { seed: 10 });
  const [ta, va] = [advantages(train), advantages(valid)];
  const outer = (second: boolean) => {
    const adapted = adaptPolicy(policy, train, ta, 0.5, { firstOrder: !second });
    return grad(policyGradientLoss(policy, valid, va, adapted), policy.parameters());
  };
  const g2 = outer(true);
  const g1 = outer(false);
  const w = policy.localParameter('logStd');
  const k = policy.parameters().indexOf(w);
  const value = () => policyGradientLoss(policy, valid, va, adaptPolicy(policy, train, ta, 0.5, { firstOrder: true })).item();
  for (const i of [0, 1]) {
    const old = w.data[i];
    w.data[i] = old + 1e-6;
    const up = value();
    w.data[i] = old - 1e-6;
    const down = value();
    w.data[i] = old;
    assertClose([g2[k].data[i]], [(up - down) / 2e-6], 1e-6, 1e-5, `d/d logStd[${i}]`);
  }
  assert.ok(Math.abs(g2[k].data[0] - g1[k].data[0]) > 1e-6, 'the second-order terms matter here');
});

test('mamlFisherProduct, mean J F J through the inner step, is the Hessian of the KL through the inner step by double backward', () => {
  const policy = new GaussianPolicy(2, 2, { hidden: [6], dtype: 'float64', rng: new Rng(4) });
  const tasks = [[0.3, -0.2], [-0.1, 0.4]].map((goal, k) => {
    const env = new VectorEnv(new PointNav2D(), 4);
    env.setTasks(new Array(4).fill(goal));
    const train = collectEpisodes(env, policy, new Rng(k), { seed: k });
    const valid = collectEpisodes(env, policy, new Rng(k + 5), { seed: k + 10 });
    return { train, trainAdvantages: advantages(train), valid, validAdvantages: advantages(valid) };
  });
  const lr = 0.3;
  // K(θ) = mean_i KL(old_i ‖ π_θ'_i(θ)) on the tape through the inner step, and its Hessian by
  // a double backward through that graph (third order)
  const direct = (firstOrder: boolean) => {
    const olds = tasks.map((t) => new Map([...adaptPolicy(policy, t.train, t.trainAdvantages, lr, { firstOrder: true })].map(([n, q]) => [n, new Tensor(q.data.slice(), q.shape)])));
    const kls = tasks.map((t, i) => policyKL(policy, t.valid, olds[i], adaptPolicy(policy, t.train, t.trainAdvantages, lr, { firstOrder })));
    return hessianVectorProduct(div(add(kls[0], kls[1]), 2), policy.parameters());
  };
  const rng = new Rng(8);
  const vs = [0, 1, 2].map(() => Float64Array.from({ length: 34 }, () => rng.normal())); // 2·6 + 6 + 6·2 + 2 + 2 parameters
  for (const firstOrder of [false, true]) {
    const [ours, byHand] = [mamlFisherProduct(policy, tasks, { innerLr: lr, firstOrder }), direct(firstOrder)];
    for (const v of vs) assertClose(ours(v), byHand(v), 1e-13, 1e-11, firstOrder ? 'first order' : 'second order');
    assertThrowsTyped(() => ours(new Float64Array(33)), ArgumentError, 'hessianVectorProduct', 'Float64Array of 34 numbers');
  }
  const gap = (a: Float64Array, b: Float64Array) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(gap(direct(false)(vs[0]), direct(true)(vs[0])) > 1e-4, 'the inner step\'s Jacobian changes the product: the check above can fail');
});

test('a short MAML-TRPO run raises the point robot\'s return after one adaptation step', () => {
  const policy = new GaussianPolicy(2, 2, { hidden: [32, 32], initStd: 0.3, rng: new Rng(0) });
  const kls: number[] = [];
  const { before, after } = metaTrainRL({ family: new PointNav2D(), policy, metaSteps: 10, metaBatch: 5, episodes: 10, rng: new Rng(7), maxKL: 0.01, onStep: (_, r) => kls.push(r.kl) });
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  assert.ok(kls.every((kl) => kl <= 0.01), `every step within the KL bound: ${kls}`);
  assert.ok(mean(after.slice(-4)) > mean(after.slice(0, 4)) + 10, `after adaptation: ${after.map((v) => v.toFixed(1)).join(' ')}`);
  assert.ok(mean(after.slice(-4)) > mean(before.slice(-4)) + 5, `one step helps: ${after.slice(-4)} vs ${before.slice(-4)}`);
});

test('pretrain is one TRPO step on the batch with a baseline and normalised advantages per task', () => {
  const make = () => new GaussianPolicy(2, 2, { hidden: [8], rng: new Rng(4) });
  const trained = make();
  metaTrainRL({ family: new PointNav2D(), policy: trained, metaSteps: 1, metaBatch: 3, episodes: 4, rng: new Rng(9), mode: 'pretrain' });
  // the same batch by hand: the tasks, then their episodes stepped together from seed 0
  const rng = new Rng(9);
  const goals = new PointNav2D().sampleTasks(rng, 3);
  const env = new VectorEnv(new PointNav2D(), 12);
  env.setTasks(goals.flatMap((g) => [g, g, g, g]));
  const byHand = make();
  const batch = collectEpisodes(env, byHand, rng, { seed: 0 });
  const perTask = new Float64Array(12 * batch.t);
  for (let i = 0; i < 3; i++) perTask.set(advantages(sliceEpisodes(batch, 4 * i, 4 * i + 4)), 4 * i * batch.t);
  trpoStep(byHand, batch, perTask);
  for (const [name, p] of trained.paramMap()) assert.equal(Array.from(p.data), Array.from(byHand.paramMap().get(name)!.data), name);
  // and not the batch-wide baseline (the tasks' returns differ more than the actions' effects)
  const wide = make();
  trpoStep(wide, batch, advantages(batch));
  assert.not.equal(Array.from(wide.paramMap().get('logStd')!.data), Array.from(trained.paramMap().get('logStd')!.data));
});

test('evaluateRL: step 0 is the policy\'s own episodes, step 1 those of the policy adapted on them; the tail is the low end', () => {
  const family = new PointNav2D();
  const policy = new GaussianPolicy(2, 2, { hidden: [8], rng: new Rng(2) });
  const goals = [[0.3, -0.2], [-0.4, 0.1], [0.1, 0.45]];
  const weights = policy.parameters().map((p) => Array.from(p.data));
  const r = evaluateRL(policy, family, { tasks: goals, steps: 1, episodes: 3, innerLr: 0.1, alpha: 0.34, rng: new Rng(9), seed: 100 });
  assert.equal(policy.parameters().map((p) => Array.from(p.data)), weights, 'the policy itself is unchanged');
  // by hand, in the same order of draws: per task, episodes of θ, one step, episodes of θ'
  const rng = new Rng(9);
  const env = new VectorEnv(family, 3);
  const byHand: number[][] = [[], []];
  goals.forEach((goal, i) => {
    env.setTasks([goal, goal, goal]);
    const ep0 = collectEpisodes(env, policy, rng, { seed: 100 + i * 2 * 3 });
    byHand[0].push(episodeReturns(ep0).reduce((a, b) => a + b, 0) / 3);
    const adapted = adaptPolicy(policy, ep0, baselineAdvantages(ep0), 0.1, { firstOrder: true });
    const ep1 = collectEpisodes(env, policy, rng, { seed: 100 + (i * 2 + 1) * 3, params: adapted });
    byHand[1].push(episodeReturns(ep1).reduce((a, b) => a + b, 0) / 3);
  });
  assertClose(r.perTask.flat(), byHand.flat(), 1e-9, 1e-6);
  for (const s of [0, 1]) {
    const sorted = [...byHand[s]].sort((a, b) => a - b);
    // CVaR at 0.34 of 3 tasks: the mean of the ⌈1.02⌉ = 2 lowest returns
    assertClose([r.mean[s], r.cvar[s], r.worst[s]], [(sorted[0] + sorted[1] + sorted[2]) / 3, (sorted[0] + sorted[1]) / 2, sorted[0]], 1e-12, 1e-9);
  }
});

test('the oracle sees the goal: observations gain the task id, rewards are the environment\'s', () => {
  const base = new PointNav2D().make();
  const oracle = withTaskInObservation(new PointNav2D());
  const env = oracle.make();
  assert.equal(oracle.observationSpace.low, [-Infinity, -Infinity, -0.5, -0.5]);
  base.setTask([0.2, -0.1]);
  env.setTask([0.2, -0.1]);
  assert.equal(Array.from(env.reset()), [0, 0, 0.2, -0.1]);
  base.reset();
  const a = base.step([0.05, -0.03]);
  const b = env.step([0.05, -0.03]);
  assert.equal(Array.from(b.obs), [...Array.from(a.obs), 0.2, -0.1]);
  assert.is(b.reward, a.reward);
  assertThrowsTyped(() => withTaskInObservation({} as never), ArgumentError, 'withTaskInObservation');
});

test.run();
