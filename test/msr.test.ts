// MSR's layers and families: the locally connected layer and its shared (convolution) form by
// hand, vec W = U·v, U untouched by the inner loop yet meta-learned, batched meta-steps equal
// to the per-task loop. The README's table: test/experiment-msr.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalFilters, LocallyConnected1d, MAML, MSRLinear, Rng, conv1d, matmul, reshape, tensor, type TaskData } from '../src/index.ts';
import { assertClose } from './helpers.ts';

test('LocallyConnected1d: each position its own filter; shared, it is conv1d', () => {
  const lc = new LocallyConnected1d(5, 2, { dtype: 'float64' });
  const w = lc.localParameter('weight');
  assert.equal(w.shape, [4, 2]);
  const x = tensor([[1, 2, 3, 4, 5], [0, -1, 2, 0.5, 1]], { dtype: 'float64' });
  const y = lc.call(x);
  const expected = [0, 1].flatMap((r) => [0, 1, 2, 3].map((p) => w.data[2 * p] * x.data[5 * r + p] + w.data[2 * p + 1] * x.data[5 * r + p + 1]));
  assertClose(y, expected, 1e-15);
  const conv = new LocallyConnected1d(5, 2, { shared: true, dtype: 'float64', rng: new Rng(3) });
  const f = conv.localParameter('weight');
  assertClose(conv.call(x), conv1d(reshape(x, [2, 1, 5]), reshape(f, [1, 1, 2]), null), 1e-15);
});

test('MSRLinear: W = reshape(U v); the inner loop adapts v only, and U gets the outer gradient', () => {
  const msr = new MSRLinear(4, 3, { latent: 2, dtype: 'float64', rng: new Rng(1) });
  const [u, v] = [msr.localParameter('U'), msr.localParameter('v')];
  assertClose(msr.weight(), reshape(matmul(u, reshape(v, [2, 1])), [3, 4]), 1e-15);
  const family = new LocalFilters({ rank: 1, dtype: 'float64' });
  const net = new MSRLinear(70, 68, { latent: 3, dtype: 'float64', rng: new Rng(0) });
  const learner = new MAML(net, { innerLr: 0.1, learnInnerLr: 'layer', innerParameters: ['v'] });
  const rng = new Rng(2);
  const tasks: TaskData[] = family.sample(rng, 4).map((t) => ({ support: t.sample(rng, 1), query: t.sample(rng, 19) }));
  const theta = net.paramMap();
  const adapted = learner.adapt(theta, tasks[0].support, 1);
  assert.equal(Array.from(adapted.get('U')!.data), Array.from(theta.get('U')!.data), 'U is not adapted');
  assert.not.equal(Array.from(adapted.get('v')!.data), Array.from(theta.get('v')!.data));
  const batched = learner.metaGradient(tasks);
  const looped = new MAML(net, { innerLr: 0.1, learnInnerLr: 'layer', innerParameters: ['v'], batchTasks: false }).metaGradient(tasks);
  assert.ok(batched.grads[0].data.some((g) => Math.abs(g) > 1e-8), 'U receives an outer gradient');
  batched.grads.forEach((g, i) => assertClose(g, looped.grads[i], 1e-10, 1e-8, `parameter ${i}`));
});

test('LocalFilters: rank 1 is one filter everywhere; rank k mixes k filters by rows that sum to 1', () => {
  const one = new LocalFilters({ rank: 1 });
  const f = one.filters([1, -2, 0.5]);
  for (let p = 0; p < 68; p++) assert.equal(Array.from(f.subarray(3 * p, 3 * p + 3)), [1, -2, 0.5]);
  const five = new LocalFilters({ rank: 5 });
  for (let p = 0; p < 68; p += 17) assertClose([Array.from(five.connectivity.subarray(5 * p, 5 * p + 5)).reduce((a, b) => a + b, 0)], [1], 1e-12);
  const task = five.sample(new Rng(0), 1)[0];
  const { x, y } = task.sample(new Rng(1), 2);
  const lc = new LocallyConnected1d(70, 3, { dtype: 'float32' });
  lc.localParameter('weight').data.set(five.filters(task.id));
  assertClose(lc.call(x), y, 1e-5, 1e-5);
  // batched LC equals per-task calls
  const learner = new MAML(new LocallyConnected1d(70, 3, { rng: new Rng(4) }), { innerLr: 0.1 });
  const rng = new Rng(5);
  const tasks: TaskData[] = five.sample(rng, 3).map((t) => ({ support: t.sample(rng, 1), query: t.sample(rng, 5) }));
  const a = learner.metaGradient(tasks);
  const b = new MAML(learner.model, { innerLr: 0.1, batchTasks: false }).metaGradient(tasks);
  assertClose(a.grads[0], b.grads[0], 1e-5, 1e-4);
});

test.run();
