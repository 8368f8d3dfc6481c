// Layers against hand-computed values, the functional call against the stateful one, BatchNorm
// modes, initializers, optimizers step by step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Adam, AdamW, BatchNorm1d, BatchNorm2d, Conv2d, Linear, MLP, Rng, SGD, Sequential, Activation, Flatten, Tensor, conv2d,
  grad, kaimingUniform, mean, mseLoss, sum, tensor, xavierUniform, ShapeError,
  convNet, convNetFeatures, randn, ArgumentError,
} from '../src/index.ts';
import { assertClose, assertShape, assertThrowsTyped } from './helpers.ts';

const f64 = { dtype: 'float64' } as const;

test('Linear computes x Wᵀ + b with PyTorch weight layout [out, in]', () => {
  const lin = new Linear(3, 2, { rng: new Rng(0), dtype: 'float64' });
  assertShape(lin.localParameter('weight'), [2, 3]);
  lin.localParameter('weight').data.set([1, 2, 3, -1, 0, 1]);
  lin.localParameter('bias').data.set([0.5, -0.5]);
  const y = lin.call(tensor([[1, 1, 1], [2, 0, -1]], f64));
  assertClose(y, [[6.5, -0.5], [-0.5, -3.5]], 1e-12);
});

test('default init is U(±1/sqrt(fanIn)) for weight and bias; same seed, same weights', () => {
  const a = new Linear(16, 8, { rng: new Rng(3) });
  const b = new Linear(16, 8, { rng: new Rng(3) });
  assertClose(a.localParameter('weight'), b.localParameter('weight'), 0, 0);
  for (const p of a.parameters()) for (const v of p.data) assert.ok(Math.abs(v) <= 0.25);
  const w = xavierUniform([30, 20], new Rng(1));
  const bound = Math.sqrt(6 / 50);
  assert.ok(Array.from(w.data).every((v) => Math.abs(v) <= bound) && Math.max(...Array.from(w.data, Math.abs)) > 0.9 * bound);
  const k = kaimingUniform([10, 24], new Rng(1));
  assert.ok(Array.from(k.data).every((v) => Math.abs(v) <= 0.5));
});

test('MLP names parameters like PyTorch and the functional call equals the stateful call', () => {
  const mlp = new MLP([1, 4, 3, 1], { activation: 'tanh', rng: new Rng(1), dtype: 'float64' });
  assert.equal(mlp.namedParameters().map(([n]) => n), [
    'layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias', 'layers.4.weight', 'layers.4.bias',
  ]);
  const x = tensor([[0.5], [-1], [2]], f64);
  const y1 = mlp.call(x);
  const y2 = mlp.call(x, mlp.paramMap());
  assertClose(y1, y2, 0, 0);
  // A changed map changes the output without touching the module's own parameters.
  const doubled = new Map([...mlp.paramMap()].map(([n, p]) => [n, p.mul(2)]));
  const y3 = mlp.call(x, doubled);
  const manual = (() => {
    const p = (n: string) => doubled.get(n)!;
    let h = x.matmul(p('layers.0.weight').transpose()).add(p('layers.0.bias')).tanh();
    h = h.matmul(p('layers.2.weight').transpose()).add(p('layers.2.bias')).tanh();
    return h.matmul(p('layers.4.weight').transpose()).add(p('layers.4.bias'));
  })();
  assertClose(y3, manual, 1e-12);
  assertClose(mlp.call(x), y1, 0, 0);
  assertThrowsTyped(() => mlp.call(x, new Map()), Error, 'layers.0.weight');
});

test('Conv2d layer equals conv2d with its parameters; Sequential + Flatten shapes', () => {
  const conv = new Conv2d(2, 3, 3, { padding: 1, rng: new Rng(2), dtype: 'float64' });
  const x = tensor(Array.from({ length: 2 * 2 * 4 * 4 }, (_, i) => Math.sin(i)), { shape: [2, 2, 4, 4], ...f64 });
  assertClose(conv.call(x), conv2d(x, conv.localParameter('weight'), conv.localParameter('bias'), { padding: 1 }), 0, 0);
  const net = new Sequential(conv, new Activation('relu'), new Flatten(), new Linear(48, 5, { rng: new Rng(3), dtype: 'float64' }));
  assertShape(net.call(x), [2, 5]);
  assert.equal(net.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '3.weight', '3.bias']);
});

test('BatchNorm1d batch mode: per-channel mean 0, variance 1, running stats updated as PyTorch does', () => {
  const bn = new BatchNorm1d(2, { dtype: 'float64' });
  const x = tensor([[1, 10], [3, 20], [5, 60]], f64);
  const y = bn.call(x);
  const col = (j: number) => [0, 1, 2].map((i) => y.data[i * 2 + j]);
  for (const j of [0, 1]) {
    const c = col(j);
    const m = c.reduce((a, b) => a + b) / 3;
    const v = c.reduce((a, b) => a + (b - m) ** 2, 0) / 3;
    assert.ok(Math.abs(m) < 1e-12 && Math.abs(v - 1) < 1e-4, `channel ${j}: mean ${m} var ${v}`);
  }
  // running = 0.9 * init + 0.1 * batch (unbiased variance): mean [0.3, 3], var [0.9+0.1*4, 0.9+0.1*700]
  assertClose(bn.localBuffer('runningMean'), [0.3, 3], 1e-12);
  assertClose(bn.localBuffer('runningVar'), [0.9 + 0.4, 0.9 + 70], 1e-9);
});

test("BatchNorm modes: 'batch' ignores eval(), 'auto' uses running stats in eval, 'running' always", () => {
  const x = tensor([[1], [3]], f64);
  const batch = new BatchNorm1d(1, { dtype: 'float64' }).eval();
  assertClose(batch.call(x), [-1, 1], 1e-4);
  const auto = new BatchNorm1d(1, { dtype: 'float64', stats: 'auto' }).eval();
  assertClose(auto.call(x), [1 / Math.sqrt(1 + 1e-5), 3 / Math.sqrt(1 + 1e-5)], 1e-12);
  const running = new BatchNorm1d(1, { dtype: 'float64', stats: 'running' });
  assertClose(running.call(x), [1 / Math.sqrt(1 + 1e-5), 3 / Math.sqrt(1 + 1e-5)], 1e-12);
  const bn2 = new BatchNorm2d(3);
  assertThrowsTyped(() => bn2.call(tensor([[1, 2, 3]])), ShapeError, 'BatchNorm2d', '[1,3]');
});

test('BatchNorm in batch mode is differentiable to second order (gradgrad through the statistics)', () => {
  const bn = new BatchNorm1d(2, { dtype: 'float64' });
  const x = tensor([[1, 2], [0.5, -1], [2, 0]], { ...f64, requiresGrad: true });
  const loss = sum(bn.call(x).pow(3));
  const [g] = grad(loss, [x], { createGraph: true });
  const [gg] = grad(sum(g.mul(g)), [x]);
  assert.ok(Array.from(gg.data).every(Number.isFinite));
  // finite-difference check of d/dx sum(g²) at one entry
  const h = 1e-6;
  const gsq = (v: number) => {
    const xs = Array.from(x.data);
    xs[0] = v;
    const xt = tensor(xs, { shape: [3, 2], ...f64, requiresGrad: true });
    const [gt] = grad(sum(bn.call(xt).pow(3)), [xt]);
    return Array.from(gt.data).reduce((a, b) => a + b * b, 0);
  };
  const fd = (gsq(1 + h) - gsq(1 - h)) / (2 * h);
  assert.ok(Math.abs(fd - gg.data[0]) < 1e-5 * (1 + Math.abs(fd)), `${fd} vs ${gg.data[0]}`);
});

test('SGD, SGD with momentum and weight decay, Adam and AdamW against hand-computed steps', () => {
  const p = () => tensor([1, -2], { ...f64, requiresGrad: true });
  const g = tensor([0.5, 1], f64);
  const sgd = new SGD([p()], { lr: 0.1 });
  sgd.step([g]);
  assertClose(sgd.params[0], [0.95, -2.1], 1e-12);
  const mom = new SGD([p()], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  mom.step([g]); // d = g + 0.01 p = [0.51, 0.98]; v = d
  mom.step([g]); // p1 = [0.949, -2.098]; d = [0.50949, 0.97902]; v = 0.9 v + d
  const d1 = [0.51, 0.98];
  const p1 = [1 - 0.051, -2 - 0.098];
  const d2 = [0.5 + 0.01 * p1[0], 1 + 0.01 * p1[1]];
  const v2 = [0.9 * d1[0] + d2[0], 0.9 * d1[1] + d2[1]];
  assertClose(mom.params[0], [p1[0] - 0.1 * v2[0], p1[1] - 0.1 * v2[1]], 1e-12);
  const adam = new Adam([p()], { lr: 0.1 });
  adam.step([g]); // first step moves each coordinate by lr * sign(g) (up to eps)
  assertClose(adam.params[0], [0.9, -2.1], 1e-6);
  adam.step([tensor([-0.5, 1], f64)]);
  // m = [0.9*0.05 - 0.05, 0.19], v = [0.999*0.00025 + 0.00025, 0.001999]; corrected by 1-0.9², 1-0.999²
  const m = [0.9 * 0.05 + 0.1 * -0.5, 0.9 * 0.1 + 0.1 * 1];
  const v = [0.999 * 0.00025 + 0.001 * 0.25, 0.999 * 0.001 + 0.001 * 1];
  const upd = m.map((mi, i) => (0.1 * (mi / (1 - 0.81))) / (Math.sqrt(v[i] / (1 - 0.999 ** 2)) + 1e-8));
  assertClose(adam.params[0], [0.9 - upd[0], -2.1 - upd[1]], 1e-9);
  const adamw = new AdamW([p()], { lr: 0.1, weightDecay: 0.1 });
  adamw.step([g]); // p *= 1 - lr*wd, then the Adam step
  assertClose(adamw.params[0], [1 * 0.99 - 0.1, -2 * 0.99 - 0.1], 1e-6);
});

test('optimizer state dicts round-trip: a restored Adam continues exactly', () => {
  const make = () => tensor([1, -2, 3], { ...f64, requiresGrad: true });
  const grads = [tensor([0.1, 0.2, -0.3], f64), tensor([0.3, -0.1, 0.2], f64), tensor([-0.2, 0.1, 0.1], f64)];
  const a = new Adam([make()], { lr: 0.01 });
  a.step([grads[0]]);
  const saved = Object.fromEntries(Object.entries(a.stateDict()).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape)]));
  const pSaved = a.params[0].data.slice();
  a.step([grads[1]]);
  a.step([grads[2]]);
  const b = new Adam([tensor(Array.from(pSaved), { ...f64, requiresGrad: true })], { lr: 0.01 });
  b.loadStateDict(saved);
  b.step([grads[1]]);
  b.step([grads[2]]);
  assertClose(b.params[0], a.params[0], 0, 0);
});

test('a training loop with backward() and zeroGrad() fits a line', () => {
  const lin = new Linear(1, 1, { rng: new Rng(0), dtype: 'float64' });
  const opt = new SGD(lin.parameters(), { lr: 0.1 });
  const x = tensor([[0], [1], [2], [3]], f64);
  const y = tensor([[1], [3], [5], [7]], f64);
  for (let i = 0; i < 500; i++) {
    opt.zeroGrad();
    mseLoss(lin.call(x), y).backward();
    opt.step();
  }
  assertClose(lin.localParameter('weight'), [2], 1e-6);
  assertClose(lin.localParameter('bias'), [1], 1e-6);
  assert.ok(mean(lin.call(x)).item() > 0);
});

test('convNet: each block halves the side (rounding up), the flatten is convNetFeatures wide, the head maps it to the classes', () => {
  for (const [blocks, filters, size] of [[1, 3, 5], [3, 2, 28], [4, 1, 9], [2, 5, 1]]) {
    const side = Array.from({ length: blocks }).reduce<number>((s) => Math.ceil(s / 2), size);
    assert.is(convNetFeatures(blocks, filters, size), filters * side * side, `${blocks} blocks of ${filters} on ${size}`);
    const x = randn([2, 1, size, size], { rng: new Rng(1) });
    assert.equal(convNet({ blocks, filters, size, rng: new Rng(0) }).call(x).shape, [2, convNetFeatures(blocks, filters, size)]);
    assert.equal(convNet({ blocks, filters, size, outputs: 7, rng: new Rng(0) }).call(x).shape, [2, 7]);
  }
  assert.is(convNet().childModules().length, 4 * 3 + 1, "Finn et al.'s four blocks by default");
  assertThrowsTyped(() => convNet({ blocks: 0 }), ArgumentError, 'convNet: blocks must be');
});

test.run();
