// MSR's layers and families: the locally connected layer and its shared (convolution) form by
// hand, vec W = U·v, U untouched by the inner loop yet meta-learned, batched meta-steps equal
// to the per-task loop. The README's table: test/experiment-msr.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Flatten, LocalFilters, LocallyConnected1d, Linear, MAML, MSRConv2d, MSRLinear, Reptile, Rng, Sequential, conv1d, fromSafetensors, innerParameterNames, makeFamily, makeLearner,
  matmul, randn, reshape, runConfig, tensor, type TaskData,
} from '../src/index.ts';
import { saveRun, train } from '../src/cli/run.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { cli } from './command.ts';
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

test('MSR\'s U is the outer loop\'s by default: MAML and Reptile adapt v and every other layer\'s parameters', () => {
  assert.equal(innerParameterNames(new MSRLinear(4, 3)), ['v']);
  const net = new Sequential(new MSRConv2d(1, 2, 3, { latent: 2 }), new Flatten(), new Linear(8, 2));
  assert.equal(net.namedParameters().map(([n]) => n), ['0.U', '0.v', '2.weight', '2.bias']);
  assert.equal(innerParameterNames(net), ['0.v', '2.weight', '2.bias']);
  assert.equal(new MAML(net).innerParameters, ['0.v', '2.weight', '2.bias']);
  const msr = new MSRLinear(5, 4, { latent: 2, rng: new Rng(1) });
  const support = { x: randn([3, 5], { rng: new Rng(2) }), y: randn([3, 4], { rng: new Rng(3) }) };
  const adapted = new Reptile(msr, { innerLr: 0.1, innerSteps: 3 }).adapt(msr.paramMap(), support, 3);
  assert.equal(Array.from(adapted.get('U')!.data), Array.from(msr.localParameter('U').data), 'Reptile leaves U');
  assert.not.equal(Array.from(adapted.get('v')!.data), Array.from(msr.localParameter('v').data));
});

test('metagrad train --env msr-rank2 --model msr|fc|lc|conv: the network the run builds, trained as in the test\'s process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metagrad-msr-cli-'));
  const built = { msr: ['MSRLinear', 70 * 68 * 6 + 6], fc: ['Linear', 70 * 68], lc: ['LocallyConnected1d', 68 * 3], conv: ['LocallyConnected1d', 3] } as const;
  try {
    for (const [model, [type, size]] of Object.entries(built)) {
      const flags: Record<string, string | true> = { env: 'msr-rank2', model, 'meta-steps': '4', 'meta-batch': '4', shots: '1', 'query-size': '19', 'inner-lr': '0.1', reproducible: true };
      const r = cli(['train', ...Object.entries(flags).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v])), '--quiet', '--out', join(dir, model)]);
      assert.is(r.status, 0, r.stderr);
      const c = runConfig(flags);
      const fresh = makeLearner(c, makeFamily(c)) as MAML;
      assert.is((fresh.model.constructor as unknown as { typeName: string }).typeName, type, model);
      assert.is(fresh.model.parameters().reduce((n, p) => n + p.size, 0), size, `${model}: parameters`);
      assert.equal(fresh.innerParameters, model === 'msr' ? ['v'] : ['weight'], `${model}: what the inner loop adapts`);
      try {
        mkdirSync(join(dir, `${model}-here`));
        saveRun(join(dir, `${model}-here`), c, train(c, { quiet: true }));
      } finally {
        setReproducible(false);
      }
      const file = (d: string) => readFileSync(join(dir, d, 'model.safetensors'));
      assert.ok(Buffer.compare(file(model), file(`${model}-here`)) === 0, `${model}: the command's weights are the in-process run's`);
      const u = fromSafetensors(file(model)).tensors.U;
      if (model === 'msr') assert.not.equal(Array.from(u.data), Array.from(fresh.model.localParameter('U').data), 'U is meta-learned');
    }
    const ev = cli(['eval', '--run', join(dir, 'msr'), '--tasks', '3', '--shots', '1']);
    assert.is(ev.status, 0, ev.stderr);
    const hidden = cli(['train', '--env', 'msr-rank1', '--hidden', '8', '--out', join(dir, 'hidden')]);
    assert.is(hidden.status, 2);
    assert.is(hidden.stderr.trim(), 'metagrad train: --hidden sizes the MLP; --env msr-rank1 builds its own network (its options are listed under it in train --help)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
