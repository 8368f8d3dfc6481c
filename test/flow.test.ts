// The flow adversary's normalizing flow: exact inverse and log-density (it integrates to one on
// the box), a score function at fixed points equal to finite differences of log p, gradcheck of
// the log-density; and the adversary's mechanics on a family whose hard end is known.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, FlowAdversary, Rng, Sinusoid, Tensor, grad, gradcheck, noGrad, type Task } from '../src/index.ts';
import { BoxFlow, type FlowKind } from '../src/meta/samplers/flow.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

const LOW = [0.1, 0];
const HIGH = [5, Math.PI];

/** A flow of this kind whose weights are moved off their initial values by N(0, spread). */
function perturbed(kind: FlowKind, spread = 0.15): BoxFlow {
  const rng = new Rng(3);
  const flow = new BoxFlow(LOW, HIGH, rng, { kind, layers: 4 });
  for (const p of flow.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += rng.normal(0, spread);
  return flow;
}

const rows = (t: Tensor, d: number) => Array.from({ length: t.size / d }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d)));

for (const kind of ['planar', 'coupling'] as const) {
  test(`${kind}: inverse undoes forward, and log p at given points is the forward's`, () => {
    const flow = perturbed(kind);
    const base = flow.sampleBase(new Rng(1), 6);
    const { x, logp } = noGrad(() => flow.forward(new Tensor(Float64Array.from(base.flat()), [6, 2])));
    const xs = rows(x, 2);
    assert.ok(xs.every((p) => p[0] > LOW[0] && p[0] < HIGH[0] && p[1] > LOW[1] && p[1] < HIGH[1]), 'samples are in the box');
    assertClose(flow.inverse(xs).flat(), base.flat(), 1e-9);
    assertClose(flow.logDensity(xs), Array.from(logp.data), 1e-9);
  });

  test(`${kind}: the density integrates to one over the box`, () => {
    const flow = perturbed(kind);
    const n = 200;
    const points: number[][] = [];
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) points.push([LOW[0] + ((a + 0.5) / n) * (HIGH[0] - LOW[0]), LOW[1] + ((b + 0.5) / n) * (HIGH[1] - LOW[1])]);
    const cell = ((HIGH[0] - LOW[0]) / n) * ((HIGH[1] - LOW[1]) / n);
    const integral = flow.logDensity(points).reduce((s, l) => s + Math.exp(l) * cell, 0);
    assertClose([integral], [1], 3e-3); // (the midpoint rule on a 200x200 grid)
  });

  test(`${kind}: the score at fixed points equals finite differences of log p; log p passes gradcheck`, () => {
    const flow = perturbed(kind);
    const base = flow.sampleBase(new Rng(2), 5);
    const coefficients = [0.3, -1, 0.5, 2, 0.7];
    const { surrogate, x } = flow.scoreSurrogate(base, coefficients);
    const xs = rows(x, 2);
    const params = flow.parameters();
    const analytical = grad(surrogate, params);
    params.forEach((p, k) => {
      for (let i = 0; i < p.size; i++) {
        const old = p.data[i];
        p.data[i] = old + 1e-6;
        const up = flow.logDensity(xs);
        p.data[i] = old - 1e-6;
        const down = flow.logDensity(xs);
        p.data[i] = old;
        const numerical = coefficients.reduce((s, c, j) => s + (c * (up[j] - down[j])) / 2e-6, 0);
        assertClose([analytical[k].data[i]], [numerical], 1e-5, 1e-4, `parameter ${k}[${i}]`);
      }
    });
    const u = new Tensor(Float64Array.from(base.flat()), [5, 2]);
    const own = flow.parameters();
    const result = gradcheck((...ps: Tensor[]) => {
      flow.useParameters(ps);
      return flow.forward(u).logp;
    }, own);
    flow.useParameters(own);
    assert.ok(result.ok, JSON.stringify(result));
  });
}

test('at its initial weights the coupling flow is the identity: uniform on the box', () => {
  const flow = new BoxFlow(LOW, HIGH, new Rng(0), { kind: 'coupling' });
  const volume = (HIGH[0] - LOW[0]) * (HIGH[1] - LOW[1]);
  assertClose(flow.logDensity([[0.2, 0.1], [2.5, 1.5], [4.9, 3]]), new Array(3).fill(-Math.log(volume)), 1e-9);
  assertThrowsTyped(() => new BoxFlow([0], [Infinity], new Rng(0)), ArgumentError, 'BoxFlow', 'finite box');
});

/** Feeds the adversary its own tasks with loss = amplitude (the hard end is large amplitudes). */
function drive(adv: FlowAdversary, steps: number): void {
  const rng = new Rng(0);
  for (let s = 0; s < steps; s++) {
    const tasks: Task[] = adv.sample(rng, 20);
    adv.observe(tasks, tasks.map((t) => t.id[0]), s);
  }
}

test('the adversary moves its mass toward the hard end; a large KL weight keeps it near p0', () => {
  const family = new Sinusoid();
  const ctx = { family, metaBatch: 20, metaSteps: 300 };
  for (const kind of ['planar', 'coupling'] as const) {
    const free = new FlowAdversary(ctx, { flow: kind, lr: 0.03, interval: 5, lambda: 0.2 });
    drive(free, 300);
    const [step, kl, , meanAmplitude] = free.history().update.rows.at(-1)!;
    assert.is(step, 299);
    assert.ok(meanAmplitude > 4, `${kind}: mean amplitude ${meanAmplitude} (uniform: 2.55)`);
    assert.ok(kl > 1, `${kind}: KL ${kl}`);
    const marginal = free.marginals(60)[0];
    assert.ok(marginal.density.slice(-10).reduce((a, b) => a + b, 0) > 3 * marginal.density.slice(0, 10).reduce((a, b) => a + b, 0), 'density higher at the hard end');
    const held = new FlowAdversary(ctx, { flow: kind, lr: 0.03, interval: 5, lambda: 50 });
    drive(held, 300);
    const [, klHeld, , amplitudeHeld] = held.history().update.rows.at(-1)!;
    assert.ok(klHeld < 0.05 && Math.abs(amplitudeHeld - 2.55) < 0.3, `${kind}: KL ${klHeld}, mean amplitude ${amplitudeHeld}`);
  }
});

test('an adversary state round trip continues with the same numbers', () => {
  const ctx = { family: new Sinusoid(), metaBatch: 20, metaSteps: 100 };
  const a = new FlowAdversary(ctx, { lr: 0.01, interval: 3 });
  drive(a, 7);
  const b = new FlowAdversary(ctx, { lr: 0.01, interval: 3 });
  b.loadState(a.state());
  const rng1 = new Rng(5);
  const rng2 = new Rng(5);
  for (let s = 7; s < 20; s++) {
    const ta = a.sample(rng1, 20);
    const tb = b.sample(rng2, 20);
    assert.equal(tb.map((t) => t.id), ta.map((t) => t.id));
    a.observe(ta, ta.map((t) => t.id[0]), s);
    b.observe(tb, tb.map((t) => t.id[0]), s);
  }
  assertThrowsTyped(() => new FlowAdversary(ctx, { lambda: -1 }), ArgumentError, 'FlowAdversary', 'lambda');
});

test.run();
