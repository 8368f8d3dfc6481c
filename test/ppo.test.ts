// PPO: the clipped surrogate by hand (value and which rows pass gradient), its optimiser improving
// the point robot's return, keeping near the policy that collected each batch, and bad options
// refused by name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, GaussianPolicy, PPO, PointNav2D, Rng, Tensor, VectorEnv, baselineAdvantages, collectEpisodes, episodeReturns, grad, mul, ppoClipLoss } from '../src/index.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

test('ppoClipLoss: rows whose ratio left the clip range in the advantage\'s favour count at the clip and pass no gradient', () => {
  const policy = new GaussianPolicy(2, 1, { hidden: [4], dtype: 'float64', rng: new Rng(3) });
  const obs = new Tensor(Float64Array.of(0.1, -0.2, 0.3, 0.4, -0.5, 0.6), [3, 2]);
  const act = new Tensor(Float64Array.of(0.2, -0.1, 0.7), [3, 1]);
  const lp = policy.logProb(obs, act).data;
  // ratios 1.5 (A +1: clipped to 1.2), 0.9 (A -2: inside), 0.5 (A -1: clipped to 0.8)
  const ratios = [1.5, 0.9, 0.5];
  const old = Array.from(lp, (v, i) => v - Math.log(ratios[i]));
  const A = [1, -2, -1];
  const loss = ppoClipLoss(policy, obs, act, old, A, 0.2);
  assertClose([loss.item()], [-(1.2 * 1 + 0.9 * -2 + 0.8 * -1) / 3], 1e-12);
  // only the middle row moves the policy: ∇ = -(1/3)·A·r·∇log π(row 1) = 0.6·∇log π(row 1)
  const params = policy.parameters();
  const got = grad(loss, params);
  const middle = policy.logProb(new Tensor(Float64Array.of(0.3, 0.4), [1, 2]), new Tensor(Float64Array.of(-0.1), [1, 1]));
  const want = grad(mul(middle, 0.6).sum(), params);
  got.forEach((g, i) => assertClose(g.data, want[i].data, 1e-12));
});

test('PPO: the point robot\'s return rises by more than 40 over 15 updates, each staying close to the policy that collected it', () => {
  const policy = new GaussianPolicy(2, 2, { hidden: [32, 32], rng: new Rng(0) });
  const ppo = new PPO(policy, { lr: 3e-3 });
  const env = new VectorEnv(new PointNav2D(), 20);
  env.setTasks(new Array(20).fill([0.3, -0.2]));
  const rng = new Rng(1);
  const returns: number[] = [];
  for (let u = 0; u < 15; u++) {
    const ep = collectEpisodes(env, policy, rng, { seed: u * 20 });
    returns.push(episodeReturns(ep).reduce((s, v) => s + v, 0) / 20);
    const r = ppo.update(ep, baselineAdvantages(ep), rng);
    assert.ok(r.kl < 0.05 && r.clipFraction < 0.35, `update ${u}: KL ${r.kl}, clipped ${r.clipFraction}`);
  }
  assert.ok(returns.at(-1)! > returns[0] + 40, `returns ${returns.map((v) => v.toFixed(1)).join(' ')}`);
});

test('PPO: bad options and batches are refused by name', () => {
  const policy = new GaussianPolicy(2, 2);
  assertThrowsTyped(() => new PPO(policy, { clip: 1.5 }), ArgumentError, 'PPO', 'clip');
  assertThrowsTyped(() => new PPO(policy, { epochs: 0 }), ArgumentError, 'PPO', 'epochs');
  const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 2), policy, new Rng(0));
  assertThrowsTyped(() => new PPO(policy).update(ep, new Float64Array(3), new Rng(0)), ArgumentError, 'PPO.update', 'advantages must hold 2 x 100 numbers');
});

test.run();
