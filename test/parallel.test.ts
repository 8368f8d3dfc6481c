// parallelTasks: a meta-batch split over worker threads gives one thread's meta-gradient up to
// the order of the additions (float64: to 1e-12), on even and uneven shards; the command
// line's worker (dist/task-worker.js) builds the same learner; failures arrive as typed errors.
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as lib from '../src/index.ts';
import { MAML, MLP, MetagradError, Rng, Sinusoid, parallelTasks, type Learner, type TaskData } from '../src/index.ts';
import { makeFamily, makeLearner, type RunConfig } from '../src/cli/run.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const config: RunConfig = {
  format: 'metagrad-run/1', env: 'sinusoid', algo: 'maml', metaSteps: 0, metaBatch: 25, shots: 10, querySize: 10,
  innerSteps: 1, innerLr: 0.01, outerLr: 1e-3, hidden: [40, 40], activation: 'relu', seed: 0,
};
const cliWorker = () => new Worker('./dist/task-worker.js');

// A worker that builds a float64 learner from a spec, and throws on demand, from dist/index.js.
const dist = pathToFileURL(resolve('dist/index.js')).href;
const f64Worker = () => new Worker(`
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', async (init) => {
    const m = await import(${JSON.stringify(dist)});
    m.startTaskWorker(init, (spec) => {
      const learner = ${f64Learner.toString()}(m, spec);
      if (spec.failInWorker) learner.metaGradient = () => { throw new m.ShapeError('no shard for me'); };
      return learner;
    });
  });`, { eval: true });

// Built the same way on both sides (the worker gets this function's source).
function f64Learner(m: typeof lib, spec: { algo: string; hidden: number }): Learner {
  const model = new m.MLP([1, spec.hidden, 1], { activation: 'tanh', rng: new m.Rng(4), dtype: 'float64' });
  return spec.algo === 'reptile' ? new m.Reptile(model, { innerLr: 0.02, innerSteps: 2 }) : new m.MAML(model, { innerLr: 0.05, innerSteps: 2 });
}

function tasksOf(n: number, seed: number, dtype: 'float32' | 'float64' = 'float32'): TaskData[] {
  const rng = new Rng(seed);
  return new Sinusoid({ dtype }).sample(rng, n).map((t) => ({ support: t.sample(rng, 10), query: t.sample(rng, 10) }));
}

function assertSameStep(a: ReturnType<Learner['metaGradient']>, b: ReturnType<Learner['metaGradient']>, tol: number, what: string): void {
  assert.ok(Math.abs(a.loss - b.loss) <= tol * (1 + Math.abs(b.loss)), `${what}: loss ${a.loss} vs ${b.loss}`);
  assertClose(a.taskLosses, b.taskLosses, tol, tol, `${what} task losses`);
  a.grads.forEach((g, i) => assertClose(g, b.grads[i], tol, tol, `${what} gradient ${i}`));
}

test('dist/task-worker.js: two threads give one thread\'s MAML meta-gradient, shard after shard', () => {
  const one = makeLearner(config, makeFamily(config));
  const two = parallelTasks(makeLearner(config, makeFamily(config)), { spawn: cliWorker, spec: config });
  try {
    assert.is(two.threads, 2);
    for (const [n, seed] of [[25, 1], [7, 2], [1, 3]]) {
      const tasks = tasksOf(n, seed);
      assertSameStep(two.metaGradient(tasks), one.metaGradient(tasks), 2e-6, `${n} tasks`);
    }
  } finally {
    two.dispose();
  }
  assertThrowsTyped(() => two.metaGradient(tasksOf(2, 1)), MetagradError, 'after dispose()');
});

test('float64 MAML and Reptile over three threads equal one thread to 1e-12, uneven shards included', () => {
  for (const algo of ['maml', 'reptile']) {
    const spec = { algo, hidden: 8 };
    const one = f64Learner(lib, spec);
    const three = parallelTasks(f64Learner(lib, spec), { spawn: f64Worker, spec, threads: 3 });
    try {
      for (const n of [10, 4, 2]) {
        const tasks = tasksOf(n, 5 + n, 'float64');
        assertSameStep(three.metaGradient(tasks), one.metaGradient(tasks), 1e-12, `${algo}, ${n} tasks`);
      }
    } finally {
      three.dispose();
    }
  }
});

test('an objective that weighs tasks (CVaR-ML, a weighted sum) over three threads equals one thread to 1e-12', () => {
  for (const algo of ['maml', 'reptile']) {
    const spec = { algo, hidden: 8 };
    const one = f64Learner(lib, spec);
    const three = parallelTasks(f64Learner(lib, spec), { spawn: f64Worker, spec, threads: 3 });
    try {
      const weights = lib.tensor([3, 0, 1, 0.5, 0, 2, 1], { dtype: 'float64' });
      for (const [what, objective] of [['CVaR 0.3', lib.cvarObjective(0.3)], ['weighted sum', (l: lib.Tensor) => lib.sum(lib.mul(l, weights))]] as const) {
        const tasks = tasksOf(7, 11, 'float64');
        const a = three.metaGradient(tasks, objective);
        const b = one.metaGradient(tasks, objective);
        assertSameStep(a, b, 1e-12, `${algo}, ${what}`);
        assert.ok(Math.abs(a.objective! - b.objective!) <= 1e-12 * (1 + Math.abs(b.objective!)), `${algo}, ${what}: objective ${a.objective} vs ${b.objective}`);
      }
    } finally {
      three.dispose();
    }
  }
});

test('a shard larger than the shared buffer grows it (2,000 points a task), still equal to one thread', () => {
  const spec = { algo: 'maml', hidden: 8 };
  const one = f64Learner(lib, spec);
  const two = parallelTasks(f64Learner(lib, spec), { spawn: f64Worker, spec });
  try {
    const rng = new Rng(9);
    const big: TaskData[] = new Sinusoid({ dtype: 'float64' }).sample(rng, 4).map((t) => ({ support: t.sample(rng, 2000), query: t.sample(rng, 2000) }));
    assertSameStep(two.metaGradient(big), one.metaGradient(big), 1e-12, 'big shards');
    assertSameStep(two.metaGradient(tasksOf(4, 3, 'float64')), one.metaGradient(tasksOf(4, 3, 'float64')), 1e-12, 'small again');
  } finally {
    two.dispose();
  }
});

test('a worker that fails is reported by name and message, and the next step still works', () => {
  const spec = { algo: 'maml', hidden: 8, failInWorker: true };
  const p = parallelTasks(f64Learner(lib, spec), { spawn: f64Worker, spec });
  try {
    assertThrowsTyped(() => p.metaGradient(tasksOf(4, 1, 'float64')), MetagradError, 'worker 1 failed', 'ShapeError: no shard for me');
    assert.is(p.metaGradient(tasksOf(1, 1, 'float64')).taskLosses.length, 1, 'one task: the caller alone');
  } finally {
    p.dispose();
  }
});

test('a worker that never starts its loop is reported after startTimeoutMs, naming it', () => {
  const idle = () => new Worker('setTimeout(() => {}, 5000);', { eval: true });
  assertThrowsTyped(() => parallelTasks(f64Learner(lib, { algo: 'maml', hidden: 8 }), { spawn: idle, startTimeoutMs: 300 }),
    MetagradError, 'worker 1 did not start in 300 ms', 'startTaskWorker');
});

test('a worker whose learner differs, bad thread counts and RMAML are refused with the reason', () => {
  const spec = { algo: 'maml', hidden: 8 };
  assertThrowsTyped(() => parallelTasks(f64Learner(lib, { ...spec, hidden: 9 }), { spawn: f64Worker, spec }),
    MetagradError, 'could not build its learner', 'sizes');
  assertThrowsTyped(() => parallelTasks(f64Learner(lib, spec), { spawn: f64Worker, threads: 0 }), MetagradError, 'threads', 'got 0');
  const rmaml = new MAML(new MLP([1, 4, 1], { rng: new Rng(0) }), { innerLr: 0.01, innerLrHypergradient: 1e-3 });
  assertThrowsTyped(() => parallelTasks(rmaml, { spawn: f64Worker }), MetagradError, 'RMAML', 'threads = 1');
});

test.run();
