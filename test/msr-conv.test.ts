// MSR's convolutional variant: the filters are reshape(U v); in MAML's inner loop only v moves,
// and U receives the outer gradient through it (a 2-way task on random 8x8 images).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, Flatten, Linear, MAML, MSRConv2d, Rng, Sequential, conv2d, matmul, randn, reshape, tensor, type TaskData } from '../src/index.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

test('MSRConv2d: the filters are reshape(U v) and the layer is their convolution', () => {
  const layer = new MSRConv2d(2, 3, 3, { latent: 4, padding: 1, stride: 2, dtype: 'float64', rng: new Rng(1) });
  const [u, v] = [layer.localParameter('U'), layer.localParameter('v')];
  const w = reshape(matmul(u, reshape(v, [4, 1])), [3, 2, 3, 3]);
  assertClose(layer.weight(), w, 1e-15);
  const x = randn([2, 2, 7, 7], { rng: new Rng(2), dtype: 'float64' });
  assertClose(layer.call(x), conv2d(x, w, null, { stride: 2, padding: 1 }), 1e-12);
  assert.equal(layer.call(x).shape, [2, 3, 4, 4]);
  assertThrowsTyped(() => new MSRConv2d(1, 2, 0), ArgumentError, 'MSRConv2d', 'kernel');
});

test('MSRConv2d under MAML: the inner loop adapts v only, U gets the outer gradient', () => {
  const rng = new Rng(3);
  const net = new Sequential(new MSRConv2d(1, 4, 3, { latent: 6, padding: 1, stride: 2, dtype: 'float64', rng }), new Flatten(), new Linear(64, 2, { rng, dtype: 'float64' }));
  const learner = new MAML(net, { innerLr: 0.5, loss: 'crossEntropy', innerParameters: ['0.v'], batchTasks: false });
  const episode = () => ({ x: randn([4, 1, 8, 8], { rng, dtype: 'float64' }), y: tensor([0, 1, 0, 1], { dtype: 'float64' }) });
  const tasks: TaskData[] = [{ support: episode(), query: episode() }, { support: episode(), query: episode() }];
  const theta = net.paramMap();
  const adapted = learner.adapt(theta, tasks[0].support, 1);
  assert.equal(Array.from(adapted.get('0.U')!.data), Array.from(theta.get('0.U')!.data), 'U is not adapted');
  assert.not.equal(Array.from(adapted.get('0.v')!.data), Array.from(theta.get('0.v')!.data), 'v is');
  assert.equal(Array.from(adapted.get('2.weight')!.data), Array.from(theta.get('2.weight')!.data), 'the head is not in innerParameters');
  const at = learner.metaParameters().indexOf(theta.get('0.U')!);
  assert.ok(at >= 0);
  const g = learner.metaGradient(tasks).grads[at];
  assert.ok(g.data.some((x) => Math.abs(x) > 1e-8), 'U receives an outer gradient');
});

test.run();
