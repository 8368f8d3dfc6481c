// Task samplers: their mechanics on a family whose hard region is known in advance (the loss of
// a task is its first identifier, so "hard" means a large id), the objectives' gradients
// against the mean-loss gradient of the tasks they keep, and metaTrain's default unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ArgumentError, CEMSampler, CVaRSampler, GroupDRO, MAML, MLP, Reptile, Rng, Sinusoid, TaskBuffer, Tensor, Adam, cvarObjective, grad,
  metaTrain, recordDraws, sum, tensor, taskWeights, uniformSampler, type Task, type TaskData, type TaskFamily,
} from '../src/index.ts';
import { pickByStrategy } from '../src/meta/samplers/buffer.ts';
import { betaLogPdf, betaVariate, logGamma, quantile } from '../src/meta/samplers/stats.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

/** Ids in [0, 1] x [0, 10]; a second, one-sided coordinate "scale" ~ Exp(mean 2) when oneSided. */
class Ramp implements TaskFamily {
  readonly name = 'ramp';
  readonly idNames: string[];
  readonly idLow: number[];
  readonly idHigh: number[];
  readonly idMean: (number | undefined)[];
  readonly inputSize = 1;
  readonly outputSize = 1;
  readonly loss = 'mse' as const;
  readonly groupCount = 2;
  constructor(oneSided = false) {
    this.idNames = oneSided ? ['hardness', 'scale'] : ['hardness', 'other'];
    this.idLow = [0, 0];
    this.idHigh = oneSided ? [1, Infinity] : [1, 10];
    this.idMean = oneSided ? [undefined, 2] : [];
  }
  groupOf(id: readonly number[]): number {
    return id[0] < 0.5 ? 0 : 1;
  }
  sample(rng: Rng, n: number): Task[] {
    return Array.from({ length: n }, () => this.task([rng.uniform(), this.idHigh[1] === Infinity ? -2 * Math.log(1 - rng.uniform()) : rng.uniform(0, 10)]));
  }
  task(id: readonly number[]): Task {
    return { id, sample: (_rng: Rng, n: number) => ({ x: tensor(new Array(n).fill(id[0]), { shape: [n, 1] }), y: tensor(new Array(n).fill(0), { shape: [n, 1] }) }) };
  }
}
const ctx = (family: TaskFamily = new Ramp(), metaBatch = 20, metaSteps = 100) => ({ family, metaBatch, metaSteps });

test('quantile: numpy linear interpolation, and RoML weighted rule (equal weights agree)', () => {
  assert.is(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assertClose([quantile([3, 1, 4, 1, 5, 9, 2, 6], 0.8)], [5.6]); // numpy.percentile(.., 80) = 5.6
  assertClose([quantile([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0.95)], [8.55]);
  assertClose([quantile([3, 1, 4, 1, 5, 9, 2, 6], 0.8, new Array(8).fill(2))], [5.6]);
  // weights [1, 3] at x = [0, 10]: centres 0.5 and 2.5, rescaled 0 and 1: the median is 5
  assertClose([quantile([10, 0], 0.5, [3, 1])], [5]);
  assertClose([quantile([0, 10, 20], 0.5, [1, 1, 2])], [10 + 10 / 6]); // centres .5, 1.5, 3 -> 0, 0.4, 1; 0.5 is 1/6 of the way
});

test('logGamma, Beta density and variates against closed forms', () => {
  for (const n of [1, 2, 5, 10]) assertClose([logGamma(n)], [Math.log([1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880][n - 1])], 1e-12, 1e-12);
  assertClose([logGamma(0.5)], [0.5 * Math.log(Math.PI)], 1e-12);
  // Γ(0.4) = 2.218159543757688, Γ(1.6) = 0.8935153492876903, Γ(2) = 1: the density by hand
  assertClose([Math.exp(betaLogPdf(0.3, 0.4, 1.6))], [0.3 ** -0.6 * 0.7 ** 0.6 / (2.218159543757688 * 0.8935153492876903)], 1e-12, 1e-12);
  for (const [a, b] of [[1, 1], [2, 3], [0.4, 1.6], [1.8, 0.2]]) {
    if (a >= 1 && b >= 1) {
      const n = 100000;
      let integral = 0;
      for (let i = 0; i < n; i++) integral += Math.exp(betaLogPdf((i + 0.5) / n, a, b)) / n;
      assertClose([integral], [1], 1e-6);
    }
    const rng = new Rng(1);
    const xs = Array.from({ length: 40000 }, () => betaVariate(rng, a, b));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    assertClose([mean, variance], [a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1))], 0.006);
  }
  // Kolmogorov-Smirnov against closed-form CDFs, one case for each of Cheng's algorithms:
  // Beta(2, 3) (BB): 6x² - 8x³ + 3x⁴; Beta(0.5, 0.5) (BC): (2/π) asin(√x); Beta(3, 0.7) (BC, swapped)
  const cdf23 = (x: number) => 6 * x * x - 8 * x ** 3 + 3 * x ** 4;
  const cdfArcsine = (x: number) => (2 / Math.PI) * Math.asin(Math.sqrt(x));
  const cdf307 = (x: number) => { // I_x(3, 0.7) = 1 - I_{1-x}(0.7, 3), the latter by its series
    let s = 0;
    for (let i = 0; i < 4000; i++) s += Math.exp(betaLogPdf(((i + 0.5) / 4000) * (1 - x), 0.7, 3)) * ((1 - x) / 4000);
    return 1 - s;
  };
  for (const [a, b, cdf] of [[2, 3, cdf23], [0.5, 0.5, cdfArcsine], [3, 0.7, cdf307]] as const) {
    const r = new Rng(7);
    const xs = Array.from({ length: 4000 }, () => betaVariate(r, a, b)).sort((p, q) => p - q);
    let d = 0;
    xs.forEach((x, i) => (d = Math.max(d, Math.abs(cdf(x) - i / xs.length), Math.abs(cdf(x) - (i + 1) / xs.length))));
    assert.ok(d < 1.63 / Math.sqrt(xs.length), `Beta(${a}, ${b}): KS distance ${d} (1% critical value ${1.63 / Math.sqrt(xs.length)})`);
  }
});

test('buffer: medium takes the middle by loss, easy the lowest, hard the highest; L ramps from 0', () => {
  assert.equal(pickByStrategy('medium', 10, 4), [3, 4, 5, 6]);
  assert.equal(pickByStrategy('easy', 10, 4), [0, 1, 2, 3]);
  assert.equal(pickByStrategy('hard', 10, 4), [6, 7, 8, 9]);
  const family = new Ramp();
  const ids = (tasks: readonly Task[]) => tasks.map((t) => t.id[0]);
  for (const [strategy, expected] of [['medium', [0.3, 0.4, 0.5, 0.6]], ['easy', [0, 0.1, 0.2, 0.3]], ['hard', [0.6, 0.7, 0.8, 0.9]]] as const) {
    const buffer = new TaskBuffer(ctx(family, 10, 8), { strategy, maxFromBuffer: 4, rampSteps: 4 });
    assert.equal([0, 1, 2, 3, 4, 9].map((s) => buffer.fromBuffer(s)), [0, 1, 2, 3, 4, 4]);
    const rng = new Rng(0);
    assert.is(buffer.sample(rng, 10, 0).length, 10);
    const previous = [0.5, 0.1, 0.9, 0.3, 0.7, 0, 0.2, 0.8, 0.4, 0.6].map((h) => family.task([h, 0]));
    buffer.observe(previous, previous.map((t) => t.id[0]));
    const batch = buffer.sample(rng, 10, 4);
    assert.equal(ids(batch.slice(0, 4)).sort(), [...expected]);
    assert.ok(batch.slice(4).every((t) => !previous.includes(t)), 'the rest is fresh');
    assert.is(buffer.sample(rng, 10, 5).filter((t) => previous.includes(t)).length, 0, 'the buffer was emptied by the draw');
  }
});

test('CVaR-ML keeps the tasks at or above the (1-alpha) quantile; its gradient is the kept mask / T', () => {
  const losses = tensor([5, 0, 9, 1, 8, 2, 7, 3, 6, 4], { dtype: 'float64', requiresGrad: true });
  const kept: number[] = [];
  const value = cvarObjective(0.2, (_q, k) => kept.push(k))(losses);
  assertClose([value.item()], [(9 + 8) / 10], 1e-12); // q = 7.2 keeps 9 and 8
  assert.equal(kept, [2]);
  assert.equal(Array.from(grad(value, [losses])[0].data), [0, 0, 0.1, 0, 0.1, 0, 0, 0, 0, 0]);
  assert.equal(taskWeights(cvarObjective(1), [3, 1, 2]).map((w) => +w.toFixed(12)), [1 / 3, 1 / 3, 1 / 3].map((w) => +w.toFixed(12)));
  assertThrowsTyped(() => cvarObjective(0), ArgumentError, 'cvarObjective', 'alpha');
  assertThrowsTyped(() => new CVaRSampler(ctx(), { alpha: 1.5 }), ArgumentError, 'CVaRSampler', 'alpha', '1.5');
});

/** A meta-batch of sinusoid tasks for the gradient checks. */
function sineTasks(n: number, seed: number): TaskData[] {
  const rng = new Rng(seed);
  return new Sinusoid().sample(rng, n).map((t) => ({ support: t.sample(rng, 5), query: t.sample(rng, 5) }));
}

test('MAML (batched and looped) and Reptile under CVaR-ML: the mean-loss gradient of the kept tasks, times k/T', () => {
  const tasks = sineTasks(10, 3);
  for (const make of [(m: MLP) => new MAML(m, { innerLr: 0.01 }), (m: MLP) => new MAML(m, { innerLr: 0.01, batchTasks: false }), (m: MLP) => new Reptile(m, { innerSteps: 2, innerLr: 0.02 })]) {
    const learner = make(new MLP([1, 16, 1], { rng: new Rng(5) }));
    const r = learner.metaGradient(tasks, cvarObjective(0.3));
    const q = quantile(r.taskLosses, 0.7);
    const keptIdx = r.taskLosses.map((l, i) => (l >= q ? i : -1)).filter((i) => i >= 0);
    assert.is(keptIdx.length, 3);
    const sub = learner.metaGradient(keptIdx.map((i) => tasks[i]));
    r.grads.forEach((g, i) => assertClose(g, Array.from(sub.grads[i].data).map((v) => (v * keptIdx.length) / tasks.length), 1e-6, 1e-4, learner.name));
    assertClose([r.objective!], [keptIdx.reduce((s, i) => s + r.taskLosses[i], 0) / tasks.length], 1e-5, 1e-5);
    assertClose([r.loss], [r.taskLosses.reduce((a, b) => a + b, 0) / tasks.length], 1e-6, 1e-6);
  }
});

test('group DRO: one exponentiated-gradient step by hand; the worse group is weighed up', () => {
  const family = new Ramp();
  const dro = new GroupDRO(ctx(family), { eta: 0.5 });
  const tasks = [0.1, 0.2, 0.7, 0.9].map((h) => family.task([h, 0]));
  const losses = tensor([1, 3, 4, 6], { dtype: 'float64', requiresGrad: true });
  const value = dro.objective(tasks)(losses);
  const q0 = 0.5 * Math.exp(0.5 * 2);
  const q1 = 0.5 * Math.exp(0.5 * 5);
  const w = [q0 / (q0 + q1), q1 / (q0 + q1)];
  assertClose([value.item()], [w[0] * 2 + w[1] * 5], 1e-12);
  assertClose(grad(value, [losses])[0], [w[0] / 2, w[0] / 2, w[1] / 2, w[1] / 2], 1e-12);
  dro.observe(tasks, [1, 3, 4, 6], 0);
  assertClose(dro.weights, w, 1e-12);
  assert.ok(dro.weights[1] > 0.8);
  // by bins of an identifier, for a family without groups
  const byBins = new GroupDRO(ctx(new Sinusoid()), { groupBy: 'amplitude', bins: 3 });
  assert.equal([0.1, 1.8, 3.5, 5].map((a) => byBins.groups.of([a, 0])), [0, 1, 2, 2]);
  assertThrowsTyped(() => new GroupDRO(ctx(new Sinusoid())), ArgumentError, 'GroupDRO', 'has no groups', 'groupBy');
  assertThrowsTyped(() => new GroupDRO(ctx(new Sinusoid()), { groupBy: 'colour' }), ArgumentError, 'GroupDRO', "'colour'", 'amplitude, phase');
  assertThrowsTyped(() => new GroupDRO(ctx(), { eta: -1 }), ArgumentError, 'GroupDRO', 'eta');
});

/** Feeds a sampler its own tasks with loss = hardness, for `steps` meta-steps. */
function drive(sampler: CEMSampler, steps: number, batch = 20, rng = new Rng(0)): void {
  for (let s = 0; s < steps; s++) {
    const tasks = sampler.sample(rng, batch);
    sampler.observe(tasks, tasks.map((t) => t.id[0]), s);
  }
}

test('CEM: the mass moves toward the hard end; the untouched coordinate stays near uniform', () => {
  const cem = new CEMSampler(ctx());
  assert.equal(cem.phi, [0.5, 0.5]);
  drive(cem, 100);
  const rows = cem.history().phi.rows;
  assert.is(rows.length, 10, 'one update per 200 tasks');
  assert.ok(cem.phi[0] > 0.9, `phi ${cem.phi}`);
  assert.ok(Math.abs(cem.phi[1] - 0.5) < 0.15, `phi ${cem.phi}`);
  const drawn = cem.sample(new Rng(9), 400).map((t) => t.id[0]);
  assert.ok(drawn.reduce((a, b) => a + b, 0) / drawn.length > 0.85, 'samples follow phi');
  // one-sided coordinate: exponential with the family's mean, and the mass moves where loss is
  const one = new CEMSampler(ctx(new Ramp(true)));
  assert.equal(one.phi, [0.5, 2]);
  const rng = new Rng(1);
  for (let s = 0; s < 100; s++) {
    const tasks = one.sample(rng, 20);
    one.observe(tasks, tasks.map((t) => t.id[1]), s);
  }
  assert.ok(one.phi[1] > 4, `the exponential's mean grows toward large scales: ${one.phi}`);
  assertThrowsTyped(() => new CEMSampler(ctx(), { beta: 0 }), ArgumentError, 'CEMSampler', 'beta');
});

test('CEM: the update by hand on a small batch (weights 1 at phi0)', () => {
  const cem = new CEMSampler(ctx(), { batchSize: 5, alpha: 0.4, beta: 0.4 });
  const family = new Ramp();
  const tasks = cem.sample(new Rng(0), 5);
  // at phi0 every weight is 1: the (1-0.4) quantile of the losses 0..4 is 2.4; keeps 3 and 4
  const losses = [0, 1, 2, 3, 4];
  cem.observe(tasks, losses, 0);
  const u = (i: number) => (tasks[i].id[0] - family.idLow[0]) / (family.idHigh[0] - family.idLow[0]);
  const v = (i: number) => tasks[i].id[1] / 10;
  assertClose(cem.phi, [0.5 * 0.5 + 0.5 * ((u(3) + u(4)) / 2), 0.5 * 0.5 + 0.5 * ((v(3) + v(4)) / 2)], 1e-12);
  assert.equal(cem.history().threshold.rows[0].slice(1), [2.4, 2]);
  // the next tasks carry importance weights p0/p_phi = 1 / Π_j Beta(u_j; 2 phi_j, 2 - 2 phi_j)
  const next = cem.sample(new Rng(1), 3);
  cem.observe(next, [0, 0, 0], 1);
  const pending = cem.state().pending;
  assert.equal(pending.shape, [3, 4]);
  next.forEach((t, i) => {
    const density = Math.exp(betaLogPdf(t.id[0], 2 * cem.phi[0], 2 - 2 * cem.phi[0]) + betaLogPdf(t.id[1] / 10, 2 * cem.phi[1], 2 - 2 * cem.phi[1]));
    assertClose([pending.data[i * 4 + 2]], [1 / density], 1e-9, 1e-9, `weight of task ${i}`);
  });
});

test('a sampler state round trip continues with the same numbers (resume)', () => {
  const a = new CEMSampler(ctx());
  drive(a, 15);
  const b = new CEMSampler(ctx());
  b.loadState(a.state());
  assert.equal(b.phi, a.phi);
  const ra = new Rng(4);
  const rb = new Rng(4);
  drive(a, 15, 20, ra);
  drive(b, 15, 20, rb);
  assert.equal(b.phi, a.phi);
  assert.equal(b.history().phi.rows, a.history().phi.rows);
  const buf = new TaskBuffer(ctx());
  const tasks = buf.sample(new Rng(0), 20, 50);
  buf.observe(tasks, tasks.map((t) => t.id[0]));
  const copy = new TaskBuffer(ctx());
  copy.loadState(buf.state());
  assert.equal(copy.sample(new Rng(1), 20, 60).map((t) => t.id), buf.sample(new Rng(1), 20, 60).map((t) => t.id));
});

test('recordDraws counts each drawn id in its cell: per stretch of the run for one id, over the box for two', () => {
  const line: TaskFamily = { ...new Ramp(), name: 'line', idNames: ['hardness'], idLow: [0], idHigh: [1], task: (id) => new Ramp().task(id), sample: (rng, n) => new Ramp().sample(rng, n) };
  // steps 0 and 2 draw 0.15 three times, steps 1 and 3 draw 0.95: 10 cells, 4 steps in 2 stretches
  const fixed = { name: 'fixed', sample: (_rng: Rng, n: number, step: number) => Array.from({ length: n }, () => line.task([step % 2 ? 0.95 : 0.15])) };
  const one = recordDraws(fixed, ctx(line, 3, 4), 10, 2);
  for (let step = 0; step < 4; step++) one.sample(new Rng(0), 3, step);
  const expected = new Array(20).fill(0);
  expected[1] = expected[9] = expected[11] = expected[19] = 3;
  assert.equal(Array.from(one.state!().draws.data), expected);
  assert.ok(one.plots!().draws.startsWith('<svg'));
  // two ids: [0.05, 9.99] lands in column 0, row 9 of a 10 x 10 grid; ids outside the box in the edge cells
  const two = recordDraws({ name: 'fixed', sample: (_r: Rng, n: number) => Array.from({ length: n }, () => new Ramp().task([0.05, 9.99])) }, ctx(new Ramp(), 2, 5), 10);
  two.sample(new Rng(0), 2, 0);
  assert.is(two.state!().draws.data[90], 2);
  assert.is(Array.from(two.state!().draws.data).reduce((a, b) => a + b, 0), 2);
  // the wrapped sampler's state rides along: a CEM run restored with its draws continues alike
  const a = recordDraws(new CEMSampler(ctx()), ctx(), 8);
  const rng = new Rng(3);
  for (let s = 0; s < 15; s++) a.observe!(a.sample(rng, 20, s), new Array(20).fill(1).map((_, i) => i), s);
  const b = recordDraws(new CEMSampler(ctx()), ctx(), 8);
  b.loadState!(a.state!());
  assert.equal(Object.keys(b.state!()).sort(), Object.keys(a.state!()).sort());
  for (const [k, t] of Object.entries(a.state!())) assert.equal(Array.from(b.state!()[k].data), Array.from(t.data), k);
  assert.equal(b.sample(new Rng(9), 20, 15).map((t) => t.id), a.sample(new Rng(9), 20, 15).map((t) => t.id));
  assertThrowsTyped(() => recordDraws(fixed, ctx(new Ramp(true))), ArgumentError, 'recordDraws', 'unbounded');
});

test('Sinusoid\'s shifted held-out set: amplitudes in the top third of the range, phases over all of theirs', () => {
  const tasks = new Sinusoid().shifted(new Rng(0), 400);
  const amp = tasks.map((t) => t.id[0]);
  const phase = tasks.map((t) => t.id[1]);
  assert.ok(Math.min(...amp) >= 0.1 + (2 / 3) * 4.9 && Math.max(...amp) <= 5);
  assert.ok(Math.min(...phase) < 0.1 && Math.max(...phase) > Math.PI - 0.1);
});

test('metaTrain: an explicit uniform sampler gives the same numbers as none', () => {
  const run = (withSampler: boolean) => {
    const learner = new MAML(new MLP([1, 16, 1], { rng: new Rng(0) }));
    const family = new Sinusoid();
    return metaTrain({
      learner, family, optimizer: new Adam(learner.metaParameters(), { lr: 1e-3 }), metaSteps: 5, metaBatch: 4, shots: 5, rng: new Rng(1),
      ...(withSampler ? { sampler: uniformSampler(family) } : {}),
    });
  };
  assert.equal(run(true), run(false));
  assertThrowsTyped(() => metaTrain({ learner: new MAML(new MLP([1, 4, 1])), family: new Sinusoid(), optimizer: { step() {} }, metaSteps: 1, metaBatch: 2, shots: 2, rng: new Rng(0), sampler: {} as never }),
    ArgumentError, 'metaTrain', 'sampler');
});

test('metaTrain with CVaR-ML trains on the objective and feeds the sampler the losses', () => {
  const learner = new MAML(new MLP([1, 16, 1], { rng: new Rng(0) }));
  const family = new Sinusoid();
  const sampler = new CVaRSampler(ctx(family, 10, 5), { alpha: 0.2 });
  metaTrain({ learner, family, optimizer: new Adam(learner.metaParameters(), { lr: 1e-3 }), metaSteps: 5, metaBatch: 10, shots: 5, rng: new Rng(1), sampler });
  const rows = sampler.history().threshold.rows;
  assert.equal(rows.map((r) => [r[0], r[2]]), [[0, 2], [1, 2], [2, 2], [3, 2], [4, 2]]);
  void sum;
  void Tensor;
});

test.run();
