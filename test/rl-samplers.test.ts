// Task samplers over meta-RL: a family's ids as a TaskFamily, a sampler's draws trained on and
// its losses (minus each task's return after adapting) observed, and an objective's task
// weights in MAML-TRPO's surrogate (a task weighed 0 is a task whose advantages are all 0).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ArgumentError, CheetahLite, GaussianPolicy, KhazadDum, PointNav2D, Rng, VectorEnv, baselineAdvantages, collectEpisodes,
  mamlTrpoStep, metaTrainRL, type Task, type TaskSampler,
} from '../src/index.ts';
import { rlTaskFamily } from '../src/rl/task-view.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

test('rlTaskFamily: the env family\'s box, its own draw, tasks by id without batches', () => {
  const view = rlTaskFamily(new CheetahLite({ task: 'body' }));
  assert.equal([view.idNames, view.idLow, view.idHigh], [['mass scale', 'damping scale'], [0.5, 0.5], [2, 2]]);
  assert.equal(view.sample(new Rng(4), 3).map((t) => t.id), new CheetahLite({ task: 'body' }).sampleTasks(new Rng(4), 3));
  assert.equal(view.task([1, 1.5]).id, [1, 1.5]);
  assert.equal(rlTaskFamily(new KhazadDum()).idMean, [0.1]);
  assertThrowsTyped(() => view.task([1, 1]).sample(new Rng(0), 2), ArgumentError, 'cheetah-body', 'no supervised batches');
  assertThrowsTyped(() => rlTaskFamily({} as never), ArgumentError, 'rlTaskFamily', 'EnvFamily');
});

test('metaTrainRL with a sampler: its tasks are the ones trained on, it observes minus each task\'s return after adapting', () => {
  const family = new PointNav2D();
  const view = rlTaskFamily(family);
  const calls: { count: number; step: number }[] = [];
  const observed: number[][] = [];
  const goals = [[0.4, 0.4], [-0.4, 0.1], [0.1, -0.45]];
  const sampler: TaskSampler = {
    name: 'fixed',
    sample: (_rng, count, step) => {
      calls.push({ count, step });
      return goals.map((g) => view.task(g));
    },
    observe: (tasks: readonly Task[], losses: readonly number[]) => {
      assert.equal(tasks.map((t) => t.id), goals);
      observed.push([...losses]);
    },
  };
  const policy = new GaussianPolicy(2, 2, { hidden: [8], rng: new Rng(0) });
  const curve = metaTrainRL({ family, policy, metaSteps: 2, metaBatch: 3, episodes: 2, rng: new Rng(1), sampler });
  assert.equal(calls, [{ count: 3, step: 0 }, { count: 3, step: 1 }]);
  observed.forEach((losses, s) => assertClose([-losses.reduce((a, b) => a + b, 0) / 3], [curve.after[s]], 1e-9));
  // the same run drawing those goals from the family's own sampler would have other returns:
  // the goals really came from the sampler (a goal's return is its distance walked)
  const own = metaTrainRL({ family, policy: new GaussianPolicy(2, 2, { hidden: [8], rng: new Rng(0) }), metaSteps: 1, metaBatch: 3, episodes: 2, rng: new Rng(1) });
  assert.not.equal(own.before[0], curve.before[0]);
  assertThrowsTyped(() => metaTrainRL({ family, policy, metaSteps: 1, rng: new Rng(0), sampler: {} as never }), ArgumentError, 'metaTrainRL', 'sampler must be a TaskSampler');
});

test('mamlTrpoStep: a task weighed 0 counts as a task whose advantages are 0; weights scale-free like the mean', () => {
  const make = () => new GaussianPolicy(2, 2, { hidden: [8], dtype: 'float64', rng: new Rng(5) });
  const episodes = (policy: GaussianPolicy, goal: number[], seed: number) => {
    const env = new VectorEnv(new PointNav2D(), 3);
    env.setTasks([goal, goal, goal]);
    const train = collectEpisodes(env, policy, new Rng(seed), { seed });
    const valid = collectEpisodes(env, policy, new Rng(seed + 1), { seed: seed + 10 });
    return { train, trainAdvantages: baselineAdvantages(train), valid, validAdvantages: baselineAdvantages(valid) };
  };
  const p0 = make();
  const a = episodes(p0, [0.3, 0.2], 1);
  const b = episodes(p0, [-0.2, -0.4], 2);
  const after = (tasks: Parameters<typeof mamlTrpoStep>[1], w?: number[]) => {
    const p = make();
    mamlTrpoStep(p, tasks, { innerLr: 0.1, ...(w ? { taskWeights: w } : {}) });
    return p.parameters().flatMap((t) => Array.from(t.data));
  };
  const weighed = after([a, b], [1, 0]);
  const zeroed = after([a, { ...b, validAdvantages: new Float64Array(b.validAdvantages.length) }]);
  assertClose(weighed, zeroed, 1e-10);
  assertClose(after([a, b], [0.5, 0.5]), after([a, b]), 1e-10);
  assert.ok(Math.max(...weighed.map((v, i) => Math.abs(v - after([a, b])[i]))) > 1e-4, 'weights change the step');
  assertThrowsTyped(() => mamlTrpoStep(make(), [a, b], { taskWeights: [1] }), ArgumentError, 'mamlTrpoStep', 'taskWeights must be 2 finite numbers');
});

test('mamlTrpoStep with fisherSubsample: the Fisher products on a share of the episodes, the whole KL still bounded', () => {
  const make = () => new GaussianPolicy(2, 2, { hidden: [8], dtype: 'float64', rng: new Rng(5) });
  const p0 = make();
  const tasks = [[0.3, 0.2], [-0.2, -0.4]].map((goal, k) => {
    const env = new VectorEnv(new PointNav2D(), 6);
    env.setTasks(new Array(6).fill(goal));
    const train = collectEpisodes(env, p0, new Rng(k), { seed: k });
    const valid = collectEpisodes(env, p0, new Rng(k + 9), { seed: k + 20 });
    return { train, trainAdvantages: baselineAdvantages(train), valid, validAdvantages: baselineAdvantages(valid) };
  });
  const step = (fisherSubsample?: number) => {
    const p = make();
    const r = mamlTrpoStep(p, tasks, { innerLr: 0.1, maxKL: 0.01, ...(fisherSubsample ? { fisherSubsample } : {}) });
    return { r, params: p.parameters().flatMap((t) => Array.from(t.data)) };
  };
  assert.equal(step(1).params, step().params, 'a subsample of 1 is the whole batch');
  const sub = step(3);
  assert.ok(sub.r.accepted && sub.r.kl <= 0.01 && sub.r.lossAfter < sub.r.lossBefore, `KL ${sub.r.kl}, surrogate ${sub.r.lossBefore} -> ${sub.r.lossAfter}`);
  assert.ok(Math.max(...sub.params.map((v, i) => Math.abs(v - step().params[i]))) > 1e-6, 'another Fisher, another step');
  assertThrowsTyped(() => mamlTrpoStep(make(), tasks, { fisherSubsample: 0 }), ArgumentError, 'mamlTrpoStep', 'fisherSubsample');
});

test.run();
