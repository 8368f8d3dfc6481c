// MAML-TRPO on the point robot: the inner policy-gradient step differentiated through (second
// order against first order and finite differences), and a short meta-training run whose
// post-adaptation return rises.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  GaussianPolicy, LinearBaseline, PointNav2D, Rng, Tensor, VectorEnv, adaptPolicy, collectEpisodes, discountedReturns, episodeReturns, gae,
  grad, mamlTrpoStep, normalizeAdvantages, policyGradientLoss, type Episodes, type MetaRLTask,
} from '../src/index.ts';
import { assertClose } from './helpers.ts';

function advantages(ep: Episodes): Float64Array {
  const baseline = new LinearBaseline(ep.obsSize);
  const returns = discountedReturns(ep.rewards, ep.mask, ep.n, ep.t, 0.99);
  baseline.fit(ep.obs, returns, ep.mask, ep.n, ep.t);
  return normalizeAdvantages(gae(ep.rewards, baseline.predict(ep.obs, ep.mask, ep.n, ep.t), ep.mask, ep.n, ep.t, 0.99, 1), ep.mask);
}

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

test('a short MAML-TRPO run raises the point robot\'s return after one adaptation step', () => {
  const family = new PointNav2D();
  const policy = new GaussianPolicy(2, 2, { hidden: [32, 32], initStd: 0.3, rng: new Rng(0) });
  const rng = new Rng(7);
  const perTask = 10;
  const env = new VectorEnv(family, perTask);
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const before: number[] = [];
  const after: number[] = [];
  for (let it = 0; it < 10; it++) {
    const tasks: MetaRLTask[] = family.sampleTasks(rng, 5).map((goal, j) => {
      env.setTasks(new Array(perTask).fill(goal));
      const train = collectEpisodes(env, policy, rng, { seed: it * 1000 + j * 10 });
      const trainAdvantages = advantages(train);
      const adapted = adaptPolicy(policy, train, trainAdvantages, 0.1, { firstOrder: true });
      const params = new Map([...adapted].map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape)]));
      const valid = collectEpisodes(env, policy, rng, { seed: it * 1000 + j * 10 + 5, params });
      return { train, trainAdvantages, valid, validAdvantages: advantages(valid) };
    });
    before.push(mean(tasks.flatMap((t) => episodeReturns(t.train))));
    after.push(mean(tasks.flatMap((t) => episodeReturns(t.valid))));
    const step = mamlTrpoStep(policy, tasks, { innerLr: 0.1, maxKL: 0.01 });
    assert.ok(!step.accepted || step.kl <= 0.01, JSON.stringify(step));
  }
  assert.ok(mean(after.slice(-4)) > mean(after.slice(0, 4)) + 10, `after adaptation: ${after.map((v) => v.toFixed(1)).join(' ')}`);
  assert.ok(mean(after.slice(-4)) > mean(before.slice(-4)) + 5, `one step helps: ${after.slice(-4)} vs ${before.slice(-4)}`);
});

test.run();
