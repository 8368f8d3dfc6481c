// The RL environments: transitions and rewards checked by hand, energy sanity for the pendulum,
// determinism under a seed, N copies stepped together equal to one stepped alone, and bad
// actions and task ids refused by name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, CartPole, CheetahLite, KhazadDum, Pendulum, PointNav2D, Reach2D, Rng, VectorEnv, rescaleAction } from '../src/index.ts';
import { khazadDumCell } from '../src/envs/rl/khazad-dum.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

test('PointNav2D: the velocity is clipped, the reward is minus the distance after the move, the goal ends it', () => {
  const env = new PointNav2D().make();
  env.setTask([0.1, 0.1]);
  assert.equal(Array.from(env.reset()), [0, 0]);
  const first = env.step([0.05, 0.2]); // clipped to (0.05, 0.1)
  assertClose(first.obs, [0.05, 0.1], 1e-15);
  assertClose([first.reward], [-0.05], 1e-15);
  assert.is(first.terminated, false);
  const second = env.step([0.05, 0]);
  assert.ok(second.terminated && Math.abs(second.reward) < 1e-15, 'at the goal');
  env.setTask([0.5, 0.5]);
  env.reset();
  let r = env.step([0, 0]);
  for (let t = 1; t < 100; t++) {
    assert.is(r.truncated, false);
    r = env.step([0, 0]);
  }
  assert.ok(r.truncated && !r.terminated, 'truncated at 100 steps');
  assertClose([r.reward], [-Math.SQRT1_2], 1e-15);
  assertThrowsTyped(() => env.step([0.1]), ArgumentError, 'pointnav.step', 'action must be 2 numbers');
  assertThrowsTyped(() => env.step([0.1, NaN]), ArgumentError, 'pointnav.step', 'action[1]');
  assertThrowsTyped(() => env.setTask([0.1, Infinity]), ArgumentError, 'pointnav.setTask', 'goal x, goal y');
});

test('Reach2D: goals from the three modes in proportion to their weights', () => {
  const family = new Reach2D();
  const goals = family.sampleTasks(new Rng(0), 20000);
  const share = [0, 1, 2].map((k) => goals.filter((g) => family.modeOf(g) === k).length / goals.length);
  assertClose(share, [0.8, 0.1, 0.1], 0.01);
  assert.ok(goals.every((g) => g.every((v) => v >= -1 && v <= 1)), 'inside the id box');
  assertThrowsTyped(() => new Reach2D({ weights: [0, 0, 0] }), ArgumentError, 'Reach2D', 'weights');
});

test('Pendulum: one step by hand; energy kept without torque or damping, lost with damping', () => {
  const env = new Pendulum().make();
  env.setTask([1, 1, 0]);
  env.reset(0);
  env.setState(0.5, 0.2);
  const r = env.step([1]);
  const thdot = 0.2 + (15 * Math.sin(0.5) + 3 * 1) * 0.05;
  assertClose(r.obs, [Math.cos(0.5 + thdot * 0.05), Math.sin(0.5 + thdot * 0.05), thdot], 1e-14);
  assertClose([r.reward], [-(0.25 + 0.1 * 0.04 + 0.001)], 1e-15);
  env.setState(0.5, 0.2);
  const over = env.step([5]);
  env.setState(0.5, 0.2);
  assert.equal(Array.from(over.obs), Array.from(env.step([2]).obs), 'a torque of 5 is clipped to 2');
  // C = θ̇²/2 + (3g/2l) cos θ is conserved by the continuous motion; semi-implicit Euler keeps it close
  const energy = (th: number, w: number, l: number) => (w * w) / 2 + ((3 * 10) / (2 * l)) * Math.cos(th);
  for (const [damping, check] of [[0, (c0: number, cs: number[]) => cs.every((c) => Math.abs(c - c0) < 0.02 * Math.abs(c0))], [0.2, (c0: number, cs: number[]) => cs.at(-1)! < c0 - 0.5]] as const) {
    const e = new Pendulum().make();
    e.setTask([1, 1.2, damping]);
    e.reset(1);
    e.setState(Math.PI - 0.3, 0);
    const c0 = energy(e.th, e.thdot, 1.2);
    const cs: number[] = [];
    for (let t = 0; t < 200; t++) {
      e.step([0]);
      cs.push(energy(e.th, e.thdot, 1.2));
    }
    assert.ok(check(c0, cs), `damping ${damping}: C from ${c0} to ${cs.at(-1)}`);
  }
});

test('CartPole: the first push by hand, +1 per step, the pole falls under a constant push', () => {
  const env = new CartPole().make();
  env.setTask([0.1, 0.5, 0]);
  env.reset(0);
  env.state.fill(0);
  const r = env.step(1);
  const temp = 10 / 1.1;
  const thacc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
  const xacc = temp - (0.05 * thacc) / 1.1;
  assertClose(r.obs, [0, 0.02 * xacc, 0, 0.02 * thacc], 1e-14);
  assert.is(r.reward, 1);
  let steps = 1;
  while (!env.step(1).terminated) steps++;
  assert.ok(steps > 5 && steps < 100, `fell after ${steps} steps`);
  assertThrowsTyped(() => env.step(2), ArgumentError, 'cartpole.step', 'integer from 0 to 1');
});

test('KhazadDum: the map, the narrow bridge to the goal, its noise penalty, falling and walls', () => {
  assert.equal([[2, 4], [5, 4], [8, 4], [6, 2], [0, 3], [3, 8]].map(([x, y]) => khazadDumCell(x, y)), [0, -1, 0, 0, 1, 1]);
  const env = new KhazadDum().make();
  env.setTask([0]);
  env.reset(0);
  env.setPosition(2, 2);
  const rewards = [0, 1, 2, 3, 4].map(() => env.step(3));
  assertClose(rewards.slice(0, 4).map((r) => r.reward * 32), [3, 2, 1, 0].map((d) => -(d + 1) / 5), 1e-12); // y 3..6: |y - 7| / 5
  assert.ok(rewards[4].terminated && Math.abs(rewards[4].reward - 5 / 32) < 1e-12, 'at the goal: +5');
  // noise on the bridge: the step costs 3σ more, and moves off the straight line
  env.setTask([0.5]);
  env.reset(1);
  env.setPosition(2, 3);
  const noisy = env.step(3);
  const [x, y] = [noisy.obs[0] * 10, noisy.obs[1] * 8];
  assert.ok(x !== 2 || y !== 4, 'the noise moved it');
  if (!noisy.info?.fell) assertClose([noisy.reward * 32], [Math.max(-(Math.abs(x - 2) + Math.abs(y - 7)) / 5, -1) - 1.5], 1e-12);
  // falling: -1 then and on every later step, the agent stays
  env.setTask([0]);
  env.reset(2);
  env.setPosition(3, 2);
  const fall = env.step(3);
  assert.is(fall.info?.fell, 1);
  const after = env.step(0);
  assert.equal([fall.reward, after.reward, after.obs[0], after.obs[1]], [-1 / 32, -1 / 32, fall.obs[0], fall.obs[1]]);
  // a wall stops it
  env.reset(3);
  env.setPosition(1, 1);
  assert.equal(Array.from(env.step(0).obs), [0.1, 0.125]);
  assertThrowsTyped(() => env.setTask([-0.1]), ArgumentError, 'khazaddum.setTask', '>= 0');
  const sigmas = new KhazadDum().sampleTasks(new Rng(0), 20000).map(([s]) => s);
  assertClose([sigmas.reduce((a, b) => a + b, 0) / sigmas.length], [0.1], 0.003);
});

test('seeded resets repeat; N copies stepped together equal each stepped alone; ended copies stay ended', () => {
  const family = new Pendulum();
  const tasks = family.sampleTasks(new Rng(3), 3);
  const vec = new VectorEnv(family, 3);
  vec.setTasks(tasks);
  const obs0 = vec.reset(10);
  const rng = new Rng(4);
  const actions = Array.from({ length: 20 }, () => Float64Array.from({ length: 3 }, () => rng.uniform(-2, 2)));
  const steps = actions.map((a) => vec.step(a));
  for (let i = 0; i < 3; i++) {
    const one = family.make();
    one.setTask(tasks[i]);
    assert.equal(Array.from(one.reset(10 + i)), Array.from(obs0.subarray(3 * i, 3 * i + 3)));
    actions.forEach((a, t) => {
      const r = one.step([a[i]]);
      assert.equal(Array.from(r.obs), Array.from(steps[t].obs.subarray(3 * i, 3 * i + 3)));
      assert.is(r.reward, steps[t].reward[i]);
    });
  }
  // a point robot that reaches its goal stops: no reward, the same observation
  const nav = new VectorEnv(new PointNav2D(), 2);
  nav.setTasks([[0.05, 0], [0.5, 0.5]]);
  nav.reset();
  const a = nav.step([0.05, 0, 0.1, 0.1]);
  assert.equal(Array.from(a.done), [1, 0]);
  const b = nav.step([0.1, 0.1, 0.1, 0.1]);
  assert.equal([b.reward[0], ...Array.from(b.obs.subarray(0, 2))], [0, 0.05, 0]);
  assert.equal(Array.from(b.done), [1, 0]);
  assertThrowsTyped(() => nav.step([0, 0, 0]), ArgumentError, 'VectorEnv.step', '2 x 2');
});

test("rescaleAction: the policy's box [-s, s] mapped affinely onto the family's, clipped first", () => {
  const nav = rescaleAction(new PointNav2D(), 2).make();
  assert.equal(nav.actionSpace, { kind: 'box', low: [-2, -2], high: [2, 2] });
  nav.setTask([0.5, 0.5]);
  nav.reset();
  assertClose(nav.step([1, -2]).obs, [0.05, -0.1], 1e-15); // -0.1 + (1 + 2)·0.2/4, and the low end
  assertClose(nav.step([7, 0]).obs, [0.15, -0.1], 1e-15); // clipped to 2 first: +0.1
  // the cheetah at scale 10 steps as the plain one does at a tenth of the action
  const plain = new CheetahLite({ task: 'direction' }).make(), scaled = rescaleAction(new CheetahLite({ task: 'direction' }), 10).make();
  plain.setTask([-1]);
  scaled.setTask([-1]);
  assert.equal(Array.from(scaled.reset(3)), Array.from(plain.reset(3)));
  const rng = new Rng(1);
  for (let t = 0; t < 20; t++) {
    const a = Array.from({ length: 6 }, () => rng.normal(0, 6));
    const p = plain.step(a.map((v) => Math.min(1, Math.max(-1, v / 10)))), s = scaled.step(a);
    assertClose(s.obs, p.obs, 1e-10); // -1 + (a + 10)·2/20 rounds apart from a/10
    assertClose([s.reward], [p.reward], 1e-10);
  }
  assertThrowsTyped(() => scaled.step([0, 0, 0, 0, 0, NaN]), ArgumentError, 'cheetah-dir.step', 'action[5]');
  assertThrowsTyped(() => scaled.step([0]), ArgumentError, 'cheetah-dir.step', '6 numbers');
  assertThrowsTyped(() => rescaleAction(new PointNav2D(), 0), ArgumentError, 'rescaleAction', 'scale');
  assertThrowsTyped(() => rescaleAction(new PointNav2D(), Infinity), ArgumentError, 'rescaleAction', 'scale');
  assertThrowsTyped(() => rescaleAction(new CartPole(), 2), ArgumentError, 'rescaleAction', 'bounded box');
  assertThrowsTyped(() => rescaleAction({} as never, 2), ArgumentError, 'rescaleAction', 'EnvFamily');
});

test.run();
