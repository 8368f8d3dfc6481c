// Policy gradients from the autodiff: returns and GAE by hand, the linear baseline recovering
// an exactly linear target, Gaussian and categorical log-probabilities against closed forms
// (and gradcheck), episodes collected deterministically, and a few REINFORCE steps that
// improve the point robot's return.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Adam, ArgumentError, CategoricalPolicy, GaussianPolicy, LinearBaseline, PointNav2D, Rng, Tensor, VectorEnv, collectEpisodes, discountedReturns,
  conjugateGradient, episodeReturns, gae, grad, gradcheck, normalizeAdvantages, policyGradientLoss, policyKL, tensor, trpoStep,
} from '../src/index.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

test('discounted returns and GAE by hand, masked steps zero', () => {
  // one episode of 3 steps then padding, rewards 1, 2, 3; γ 0.9
  const rewards = Float64Array.of(1, 2, 3, 0);
  const mask = Float64Array.of(1, 1, 1, 0);
  assertClose(discountedReturns(rewards, mask, 1, 4, 0.9), [1 + 0.9 * 2 + 0.81 * 3, 2 + 0.9 * 3, 3, 0], 1e-12);
  // values 0.5, 1, 1.5; λ 0.8: δ = [1 + 0.9 - 0.5, 2 + 1.35 - 1, 3 - 1.5] = [1.4, 2.35, 1.5]
  const a = gae(rewards, Float64Array.of(0.5, 1, 1.5, 7), mask, 1, 4, 0.9, 0.8);
  const a2 = 1.5;
  const a1 = 2.35 + 0.72 * a2;
  const a0 = 1.4 + 0.72 * a1;
  assertClose(a, [a0, a1, a2, 0], 1e-12);
  // λ = 1 with a zero baseline: the advantage is the discounted return
  assertClose(gae(rewards, new Float64Array(4), mask, 1, 4, 0.9, 1), discountedReturns(rewards, mask, 1, 4, 0.9), 1e-12);
  const z = normalizeAdvantages(Float64Array.of(1, 2, 3, 100), mask, 0);
  assertClose(z, [-Math.sqrt(1.5), 0, Math.sqrt(1.5), 0], 1e-12);
  assertThrowsTyped(() => gae(rewards, rewards, mask, 1, 3, 0.9, 0.8), ArgumentError, 'gae', '1 x 3');
});

test('the linear baseline fits a target that is linear in its features exactly', () => {
  const base = new LinearBaseline(2);
  const rng = new Rng(0);
  const n = 4;
  const t = 100;
  const obs = Float64Array.from({ length: n * t * 2 }, () => rng.normal());
  const w = [0.5, -1, 0.25, 0.1, 2, -3, 1, 0.7];
  const mask = new Float64Array(n * t).fill(1);
  const f = new Float64Array(8);
  const target = Float64Array.from({ length: n * t }, (_, i) => {
    base.features(obs, i * 2, i % t, f);
    return f.reduce((s, v, k) => s + v * w[k], 0);
  });
  base.fit(obs, target, mask, n, t);
  assertClose(base.predict(obs, mask, n, t), target, 1e-4);
});

test('Gaussian and categorical log-probabilities: closed forms and gradcheck', () => {
  const g = new GaussianPolicy(2, 2, { hidden: [3], dtype: 'float64', initStd: 0.5, rng: new Rng(1) });
  const obs = tensor([[0.1, -0.2], [0.3, 0.4]], { dtype: 'float64' });
  const act = tensor([[0.5, 0], [-1, 2]], { dtype: 'float64' });
  const mean = g.call(obs).data;
  const expected = [0, 1].map((r) => [0, 1].reduce((s, j) => s - 0.5 * ((act.data[2 * r + j] - mean[2 * r + j]) / 0.5) ** 2 - Math.log(0.5) - 0.5 * Math.log(2 * Math.PI), 0));
  assertClose(g.logProb(obs, act), expected, 1e-12);
  const params = g.parameters();
  const result = gradcheck((...ps: Tensor[]) => g.logProb(obs, act, new Map(g.namedParameters().map(([n], i) => [n, ps[i]]))), params);
  assert.ok(result.ok, JSON.stringify(result));
  const c = new CategoricalPolicy(2, 3, { hidden: [4], dtype: 'float64', rng: new Rng(2) });
  const logits = c.call(obs).data;
  const lp = c.logProb(obs, tensor([[2], [0]], { dtype: 'float64' })).data;
  [[0, 2], [1, 0]].forEach(([r, k], i) => {
    const row = [0, 1, 2].map((j) => logits[3 * r + j]);
    assertClose([lp[i]], [row[k] - Math.log(row.reduce((s, v) => s + Math.exp(v), 0))], 1e-12);
  });
  // sampling follows the probabilities
  const one = tensor([[0.1, -0.2]], { dtype: 'float64' });
  const rng = new Rng(3);
  const counts = [0, 0, 0];
  for (let i = 0; i < 6000; i++) counts[c.sample(one, rng)[0]]++;
  const p = [0, 1, 2].map((k) => Math.exp(c.logProb(one, tensor([[k]], { dtype: 'float64' })).item()));
  assertClose(counts.map((v) => v / 6000), p, 0.025);
  assertThrowsTyped(() => c.logProb(obs, tensor([[3], [0]], { dtype: 'float64' })), ArgumentError, 'CategoricalPolicy.logProb', 'from 0 to 2');
});

test('episodes: masked after the goal, rewards as the environment gives them, the same under a seed', () => {
  const family = new PointNav2D();
  const env = new VectorEnv(family, 3);
  env.setTasks([[0.05, 0], [0.3, 0.3], [-0.4, 0.2]]);
  const policy = new GaussianPolicy(2, 2, { hidden: [8], initStd: 0.05, rng: new Rng(0) });
  const a = collectEpisodes(env, policy, new Rng(1), { seed: 0 });
  const b = collectEpisodes(env, policy, new Rng(1), { seed: 0 });
  assert.equal(Array.from(a.rewards), Array.from(b.rewards));
  assert.equal([a.n, a.t, a.obsSize, a.actSize], [3, 100, 2, 2]);
  // replay episode 1 by hand in a single environment
  const one = family.make();
  one.setTask([0.3, 0.3]);
  one.reset();
  for (let s = 0; s < 100 && a.mask[100 + s]; s++) {
    const r = one.step(a.actions.subarray((100 + s) * 2, (100 + s) * 2 + 2));
    assert.is(r.reward, a.rewards[100 + s]);
  }
  const lengths = [0, 1, 2].map((e) => a.mask.subarray(e * 100, (e + 1) * 100).reduce((x, y) => x + y, 0));
  assert.ok(lengths.every((l) => l >= 1 && l <= 100));
});

test('REINFORCE with the linear baseline improves the point robot\'s return toward one goal', () => {
  const family = new PointNav2D();
  const env = new VectorEnv(family, 20);
  env.setTasks(new Array(20).fill([0.3, -0.2]));
  const policy = new GaussianPolicy(2, 2, { hidden: [32, 32], initStd: 0.1, rng: new Rng(0) });
  const opt = new Adam(policy.parameters(), { lr: 0.01 });
  const baseline = new LinearBaseline(2);
  const rng = new Rng(1);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const history: number[] = [];
  for (let it = 0; it < 25; it++) {
    const ep = collectEpisodes(env, policy, rng, { seed: it * 100 });
    history.push(mean(episodeReturns(ep)));
    const returns = discountedReturns(ep.rewards, ep.mask, ep.n, ep.t, 0.99);
    baseline.fit(ep.obs, returns, ep.mask, ep.n, ep.t);
    const adv = normalizeAdvantages(gae(ep.rewards, baseline.predict(ep.obs, ep.mask, ep.n, ep.t), ep.mask, ep.n, ep.t, 0.99, 1), ep.mask);
    const loss = policyGradientLoss(policy, ep, adv);
    opt.step(grad(loss, policy.parameters()));
  }
  assert.ok(mean(history.slice(-5)) > mean(history.slice(0, 5)) + 3, `returns ${history.map((v) => v.toFixed(1)).join(' ')}`);
});

test('conjugate gradient solves an SPD system as a direct solve does', () => {
  const rng = new Rng(5);
  const n = 6;
  const m = Array.from({ length: n * n }, () => rng.normal());
  const a = Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    let s = i === j ? n : 0;
    for (let p = 0; p < n; p++) s += m[i * n + p] * m[j * n + p];
    return s;
  });
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const x = conjugateGradient((v) => Float64Array.from({ length: n }, (_, i) => a.slice(i * n, (i + 1) * n).reduce((s, aij, j) => s + aij * v[j], 0)), b, 50);
  const ax = Array.from({ length: n }, (_, i) => a.slice(i * n, (i + 1) * n).reduce((s, aij, j) => s + aij * x[j], 0));
  assertClose(ax, b, 1e-9);
});

test('policy KL: zero at the old policy, the Gaussian closed form when the log-std moves', () => {
  const policy = new GaussianPolicy(2, 2, { hidden: [4], dtype: 'float64', rng: new Rng(0) });
  const env = new VectorEnv(new PointNav2D(), 2);
  const ep = collectEpisodes(env, policy, new Rng(1), { seed: 0 });
  const old = new Map([...policy.paramMap()].map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape)]));
  assert.is(policyKL(policy, ep, old).item(), 0);
  policy.localParameter('logStd').data.set([Math.log(2), 0]); // σ 1 → 2 on the first axis, mean unchanged
  assertClose([policyKL(policy, ep, old).item()], [Math.log(2) + 1 / 8 - 0.5], 1e-12);
});

test('TRPO: each accepted step keeps the KL bound and lowers the surrogate; the point robot improves', () => {
  const env = new VectorEnv(new PointNav2D(), 20);
  env.setTasks(new Array(20).fill([-0.3, 0.25]));
  const policy = new GaussianPolicy(2, 2, { hidden: [32, 32], initStd: 0.1, rng: new Rng(0) });
  const baseline = new LinearBaseline(2);
  const rng = new Rng(2);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const history: number[] = [];
  for (let it = 0; it < 12; it++) {
    const ep = collectEpisodes(env, policy, rng, { seed: 1000 + it * 100 });
    history.push(mean(episodeReturns(ep)));
    const returns = discountedReturns(ep.rewards, ep.mask, ep.n, ep.t, 0.99);
    baseline.fit(ep.obs, returns, ep.mask, ep.n, ep.t);
    const adv = normalizeAdvantages(gae(ep.rewards, baseline.predict(ep.obs, ep.mask, ep.n, ep.t), ep.mask, ep.n, ep.t, 0.99, 1), ep.mask);
    const step = trpoStep(policy, ep, adv, { maxKL: 0.01 });
    assert.ok(step.accepted && step.kl <= 0.01 && step.lossAfter < step.lossBefore, JSON.stringify(step));
  }
  assert.ok(mean(history.slice(-3)) > mean(history.slice(0, 3)) + 3, `returns ${history.map((v) => v.toFixed(1)).join(' ')}`);
});

test('trpoStep with fisherSubsample: the Fisher products on the first 1/k of the episodes (1: all), the whole KL still bounded', () => {
  const env = new VectorEnv(new PointNav2D(), 6);
  env.setTasks(new Array(6).fill([0.2, -0.3]));
  const make = () => new GaussianPolicy(2, 2, { hidden: [8], dtype: 'float64', rng: new Rng(3) });
  const ep = collectEpisodes(env, make(), new Rng(4), { seed: 0 });
  const adv = normalizeAdvantages(ep.rewards, ep.mask);
  const step = (fisherSubsample?: number) => {
    const p = make();
    const r = trpoStep(p, ep, adv, { maxKL: 0.01, ...(fisherSubsample ? { fisherSubsample } : {}) });
    return { r, params: p.parameters().flatMap((t) => Array.from(t.data)) };
  };
  const all = step();
  assert.equal(step(1).params, all.params, 'a subsample of 1 is the whole batch');
  const sub = step(3);
  assert.ok(sub.r.accepted && sub.r.kl <= 0.01 && sub.r.lossAfter < sub.r.lossBefore, JSON.stringify(sub.r));
  assert.ok(Math.max(...sub.params.map((v, i) => Math.abs(v - all.params[i]))) > 1e-6, 'another Fisher, another step');
  assertThrowsTyped(() => trpoStep(make(), ep, adv, { fisherSubsample: 0 }), ArgumentError, 'trpoStep', 'fisherSubsample');
});

test.run();
