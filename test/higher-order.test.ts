// Derivatives of order 2 and 3 against closed forms, Hessian-vector and Jacobian-vector
// products against explicit matrices, and a second-order MAML meta-gradient against finite
// differences of the whole inner-step-then-query-loss function.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Rng, Tensor, exp, getBackend, grad, hvp, jvp, log, matmul, mseLoss, mul, pow, randn, relu, setBackend, sigmoid,
  softplus, sub, sum, tanh, tensor, vjp,
} from '../src/index.ts';
import { assertClose } from './helpers.ts';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });

/** [f', f'', f'''] of an elementwise f at the points x, by three nested grad calls. */
function derivatives(f: (x: Tensor) => Tensor, points: number[]): Tensor[] {
  const x = f64(points);
  const [d1] = grad(sum(f(x)), [x], { createGraph: true });
  const [d2] = grad(sum(d1), [x], { createGraph: true });
  const [d3] = grad(sum(d2), [x]);
  return [d1, d2, d3];
}

const pts = [-1.7, -0.3, 0.4, 2.1];

test('third derivatives of tanh, sigmoid, exp, x^3, log, softplus match closed forms', () => {
  const closed: [string, (x: Tensor) => Tensor, (x: number) => [number, number, number], number[]][] = [
    ['tanh', tanh, (x) => {
      const t = Math.tanh(x);
      return [1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2)];
    }, pts],
    ['sigmoid', sigmoid, (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)];
    }, pts],
    ['exp', exp, (x) => [Math.exp(x), Math.exp(x), Math.exp(x)], pts],
    ['x^3', (x) => pow(x, 3), (x) => [3 * x * x, 6 * x, 6], pts],
    ['log', log, (x) => [1 / x, -1 / (x * x), 2 / (x * x * x)], [0.3, 1, 2.5]],
    ['softplus', softplus, (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)];
    }, pts],
  ];
  for (const [name, f, df, at] of closed) {
    const got = derivatives(f, at);
    for (let order = 0; order < 3; order++) {
      assertClose(got[order], at.map((x) => df(x)[order]), 1e-12, 1e-10, `${name} order ${order + 1}`);
    }
  }
});

test('Hessian-vector product of sum(x^3) + x0*x1 equals H v', () => {
  const x = tensor([1.5, -2, 0.5], { dtype: 'float64' });
  const v = tensor([1, 2, -1], { dtype: 'float64' });
  const f = (x: Tensor) => sum(pow(x, 3)).add(mul(x.slice([0], [1]), x.slice([1], [2])).sum());
  const [value, [hv]] = hvp(f, [x], [v]);
  assertClose(value, [1.5 ** 3 + (-2) ** 3 + 0.5 ** 3 + 1.5 * -2], 1e-12);
  // H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]]
  assertClose(hv, [6 * 1.5 * 1 + 2, 6 * -2 * 2 + 1, 6 * 0.5 * -1], 1e-12);
});

test('jvp and vjp of tanh(W x) equal J v and uᵀ J with J = diag(1 - y²) W', () => {
  const rng = new Rng(1);
  const W = randn([3, 4], { dtype: 'float64', rng });
  const x = randn([4], { dtype: 'float64', rng });
  const v = randn([4], { dtype: 'float64', rng });
  const u = randn([3], { dtype: 'float64', rng });
  const f = (x: Tensor) => tanh(matmul(W, x));
  const [y, jv] = jvp(f, [x], [v]);
  const J = (W.toArray() as number[][]).map((row, i) => row.map((w) => w * (1 - y.data[i] ** 2)));
  assertClose(jv, J.map((row) => row.reduce((s, w, j) => s + w * v.data[j], 0)), 1e-12);
  const [, [uj]] = vjp(f, [x], u);
  assertClose(uj, [0, 1, 2, 3].map((j) => J.reduce((s, row, i) => s + u.data[i] * row[j], 0)), 1e-12);
});

// ---- MAML: one inner step on a tiny MLP, meta-gradient vs finite differences ----

interface Net { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor }

function mlp(p: Net, x: Tensor, act: (t: Tensor) => Tensor): Tensor {
  return act(x.matmul(p.w1).add(p.b1)).matmul(p.w2).add(p.b2);
}

function makeTask(rng: Rng, n: number, dtype: 'float32' | 'float64') {
  const amp = rng.uniform(0.5, 2);
  const phase = rng.uniform(0, Math.PI);
  const xs = Array.from({ length: n }, () => rng.uniform(-5, 5));
  return {
    x: tensor(xs, { shape: [n, 1], dtype }),
    y: tensor(xs.map((v) => amp * Math.sin(v - phase)), { shape: [n, 1], dtype }),
  };
}

/** Query loss after one inner SGD step, and its meta-gradient (second order unless firstOrder). */
function mamlMetaGrad(params: Tensor[], support: { x: Tensor; y: Tensor }, query: { x: Tensor; y: Tensor },
  alpha: number, act: (t: Tensor) => Tensor, firstOrder = false): [number, Tensor[]] {
  const net = (ps: Tensor[]): Net => ({ w1: ps[0], b1: ps[1], w2: ps[2], b2: ps[3] });
  const inner = mseLoss(mlp(net(params), support.x, act), support.y);
  const g = grad(inner, params, { createGraph: !firstOrder });
  const adapted = params.map((p, i) => sub(p, mul(g[i], alpha)));
  const outer = mseLoss(mlp(net(adapted), query.x, act), query.y);
  return [outer.item(), grad(outer, params)];
}

function initParams(rng: Rng, hidden: number, dtype: 'float32' | 'float64'): Tensor[] {
  return [
    randn([1, hidden], { dtype, rng }).mul(0.8),
    randn([hidden], { dtype, rng }).mul(0.1),
    randn([hidden, 1], { dtype, rng }).mul(1 / Math.sqrt(hidden)),
    randn([1], { dtype, rng }).mul(0.1),
  ].map((t) => t.detach().requiresGrad_());
}

test('MAML second-order meta-gradient equals finite differences and differs from first order', () => {
  const rng = new Rng(2024);
  const params = initParams(rng, 8, 'float64');
  const support = makeTask(rng, 10, 'float64');
  const query = makeTask(rng, 10, 'float64');
  const alpha = 0.1;
  const [, metaGrad] = mamlMetaGrad(params, support, query, alpha, tanh);
  const [, foGrad] = mamlMetaGrad(params, support, query, alpha, tanh, true);

  const eps = 1e-6;
  let maxErr = 0;
  let maxDiffFO = 0;
  params.forEach((p, i) => {
    for (let j = 0; j < p.size; j++) {
      const orig = p.data[j];
      p.data[j] = orig + eps;
      const plus = mamlMetaGrad(params, support, query, alpha, tanh, true)[0];
      p.data[j] = orig - eps;
      const minus = mamlMetaGrad(params, support, query, alpha, tanh, true)[0];
      p.data[j] = orig;
      const numerical = (plus - minus) / (2 * eps);
      maxErr = Math.max(maxErr, Math.abs(metaGrad[i].data[j] - numerical));
      maxDiffFO = Math.max(maxDiffFO, Math.abs(foGrad[i].data[j] - numerical));
    }
  });
  assert.ok(maxErr < 1e-7, `second-order meta-gradient off by ${maxErr}`);
  assert.ok(maxDiffFO > 1e-3, `first-order should differ from the true meta-gradient, max diff ${maxDiffFO}`);
});

test('MAML meta-gradient in float32 on wasm-simd matches float64 on js (1-40-40-1 ReLU)', () => {
  const build = (dtype: 'float32' | 'float64') => {
    const rng = new Rng(7);
    const p = [
      randn([1, 40], { dtype, rng }).mul(0.5), randn([40], { dtype, rng }).mul(0.1),
      randn([40, 40], { dtype, rng }).mul(0.15), randn([40], { dtype, rng }).mul(0.1),
      randn([40, 1], { dtype, rng }).mul(0.15), randn([1], { dtype, rng }).mul(0.1),
    ].map((t) => t.detach().requiresGrad_());
    const trng = new Rng(8);
    return { p, s: makeTask(trng, 10, dtype), q: makeTask(trng, 10, dtype) };
  };
  const metaGrad = (dtype: 'float32' | 'float64') => {
    const { p, s, q } = build(dtype);
    const f = (ps: Tensor[], x: Tensor) => relu(relu(x.matmul(ps[0]).add(ps[1])).matmul(ps[2]).add(ps[3])).matmul(ps[4]).add(ps[5]);
    const g = grad(mseLoss(f(p, s.x), s.y), p, { createGraph: true });
    const adapted = p.map((t, i) => t.sub(g[i].mul(0.01)));
    return grad(mseLoss(f(adapted, q.x), q.y), p);
  };
  assert.is(getBackend(), 'wasm-simd');
  const g32 = metaGrad('float32');
  setBackend('js');
  const g64 = metaGrad('float64');
  setBackend('wasm-simd');
  g32.forEach((g, i) => {
    const scale = Math.max(...Array.from(g64[i].data, Math.abs));
    assertClose(g, g64[i], 1e-4 * (1 + scale), 1e-3, `param ${i}`);
  });
});

test.run();
