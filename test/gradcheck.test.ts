// Every differentiable op: first derivatives (gradcheck) and second derivatives (gradgradcheck)
// against central finite differences in float64, on random shapes including broadcasting edge
// cases (size-1 axes, 0-d scalars, batched matmul with broadcast batch axes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Rng, Tensor, abs, add, broadcastTo, concat, conv1d, conv2d, crossEntropy, div, exp, gather, gradcheck, gradgradcheck,
  indexSelect, log, logSoftmax, logSumExp, matmul, matmulT, max, maximum, mean, min, minimum, mseLoss, mul, neg, pad,
  pow, randn, relu, gate, addScaled, reshape, scatterAdd, sigmoid, slice, softmax, softplus, sqrt, square, stack, sub, sum, tanh, tensor,
  transpose, where,
} from '../src/index.ts';

type Case = {
  name: string;
  shapes: number[][];
  f: (...xs: Tensor[]) => Tensor;
  positive?: boolean; // inputs shifted into (0.5, ...) for log/sqrt/pow bases
  secondOrder?: boolean; // default true
};

const idx = (values: number[], shape: number[]) => tensor(values, { shape, dtype: 'float64' });

const cases: Case[] = [
  { name: 'add broadcast row', shapes: [[3, 4], [4]], f: add },
  { name: 'add size-1 both sides', shapes: [[3, 1, 2], [4, 1]], f: add },
  { name: 'add 0-d', shapes: [[2, 3], []], f: add },
  { name: 'sub column', shapes: [[3, 4], [3, 1]], f: sub },
  { name: 'mul broadcast', shapes: [[2, 3, 4], [3, 1]], f: mul },
  { name: 'mul self', shapes: [[5]], f: (x) => mul(x, x) },
  { name: 'div', shapes: [[3, 4], [4]], f: div, positive: true },
  { name: 'pow tensor exponent', shapes: [[3, 2], [2]], f: pow, positive: true },
  { name: 'pow cube of any sign', shapes: [[6]], f: (x) => pow(x, 3) },
  { name: 'maximum', shapes: [[4, 3], [3]], f: maximum },
  { name: 'minimum', shapes: [[4, 3], [4, 1]], f: minimum },
  { name: 'neg', shapes: [[3, 2]], f: neg },
  { name: 'exp', shapes: [[3, 2]], f: exp },
  { name: 'log', shapes: [[3, 2]], f: log, positive: true },
  { name: 'sqrt', shapes: [[3, 2]], f: sqrt, positive: true },
  { name: 'abs', shapes: [[7]], f: abs },
  { name: 'square', shapes: [[7]], f: square },
  { name: 'tanh', shapes: [[2, 5]], f: tanh },
  { name: 'sigmoid', shapes: [[2, 5]], f: sigmoid },
  { name: 'relu', shapes: [[2, 5]], f: (x) => mul(relu(x), x) },
  { name: 'gate', shapes: [[2, 5], [2, 5]], f: (g, x) => mul(gate(g, x), g) },
  { name: 'addScaled', shapes: [[3, 4], [3, 4]], f: (a, b) => mul(addScaled(a, b, -0.7), a) },
  { name: 'softplus', shapes: [[2, 5]], f: softplus },
  { name: 'sum all', shapes: [[3, 4]], f: (x) => sum(mul(x, x)) },
  { name: 'sum axes keepDims', shapes: [[2, 3, 4]], f: (x) => mul(sum(x, [0, 2], true), x) },
  { name: 'mean negative axis', shapes: [[2, 3, 4]], f: (x) => mean(mul(x, x), -1) },
  { name: 'max axis', shapes: [[4, 5]], f: (x) => mul(max(x, 1), max(x, 1)) },
  { name: 'min all', shapes: [[4, 5]], f: (x) => mul(min(x), sum(x)) },
  { name: 'logSumExp', shapes: [[3, 4]], f: (x) => logSumExp(x, 1) },
  { name: 'softmax last', shapes: [[3, 4]], f: (x) => softmax(x) },
  { name: 'softmax axis 0', shapes: [[3, 4]], f: (x) => softmax(x, 0) },
  { name: 'logSoftmax', shapes: [[3, 4]], f: (x) => logSoftmax(x) },
  { name: 'reshape', shapes: [[2, 6]], f: (x) => mul(reshape(x, [3, 4]), reshape(x, [3, 4])) },
  { name: 'transpose perm', shapes: [[2, 3, 4]], f: (x) => mul(transpose(x, [2, 0, 1]), 2).pow(2) },
  { name: 'broadcastTo', shapes: [[3, 1]], f: (x) => mul(broadcastTo(x, [2, 3, 4]), broadcastTo(x, [2, 3, 4])) },
  { name: 'broadcastTo leading axes', shapes: [[4]], f: (x) => square(broadcastTo(x, [2, 3, 4])) },
  { name: 'broadcastTo size-1 axes', shapes: [[2, 1, 4]], f: (x) => square(broadcastTo(x, [2, 3, 4])) },
  { name: 'sum leading axes', shapes: [[2, 3, 4]], f: (x) => square(sum(x, [0, 1])) },
  { name: 'matmul 2-D', shapes: [[3, 4], [4, 5]], f: matmul },
  { name: 'matmul vector-matrix', shapes: [[4], [4, 2]], f: matmul },
  { name: 'matmul batched broadcast', shapes: [[2, 1, 3, 4], [3, 4, 2]], f: matmul },
  { name: 'matmulT all transposes', shapes: [[4, 3], [5, 4]], f: (a, b) => matmulT(a, b, true, true) },
  { name: 'matmul then tanh', shapes: [[3, 4], [4, 2]], f: (a, b) => tanh(matmul(a, b)) },
  { name: 'slice', shapes: [[4, 5]], f: (x) => mul(slice(x, [1, -3], [3]), 3).pow(2) },
  { name: 'pad', shapes: [[2, 3]], f: (x) => pad(mul(x, x), [[1, 0], [2, 1]]) },
  { name: 'concat', shapes: [[2, 3], [2, 1]], f: (a, b) => mul(concat([a, b], 1), concat([b, a], 1)) },
  { name: 'stack', shapes: [[3], [3]], f: (a, b) => mul(stack([a, b], 1), stack([b, a], 1)) },
  { name: 'gather', shapes: [[3, 4]], f: (x) => mul(gather(x, 1, idx([0, 3, 3, 1, 2, 2], [3, 2])), 2).pow(2) },
  { name: 'indexSelect', shapes: [[3, 4]], f: (x) => square(indexSelect(x, 0, [2, 0, 2])) },
  { name: 'scatterAdd', shapes: [[2, 3]], f: (x) => square(scatterAdd(x, 1, idx([0, 0, 2, 1, 1, 1], [2, 3]), [2, 4])) },
  { name: 'where', shapes: [[4], [4]], f: (a, b) => mul(where(idx([1, 0, 0, 1], [4]), a, b), a) },
  { name: 'conv2d stride/pad + bias', shapes: [[2, 3, 5, 4], [4, 3, 3, 2], [4]], f: (x, w, b) => tanh(conv2d(x, w, b, { stride: [2, 1], padding: 1 })) },
  { name: 'conv1d', shapes: [[2, 2, 7], [3, 2, 3]], f: (x, w) => tanh(conv1d(x, w, null, { stride: 2, padding: 1 })) },
  { name: 'mseLoss', shapes: [[5], [5]], f: (a, b) => mseLoss(a, b) },
  { name: 'crossEntropy', shapes: [[4, 3]], f: (x) => crossEntropy(x, [0, 2, 1, 2]) },
];

function inputsFor(c: Case, seed: number): Tensor[] {
  const rng = new Rng(seed);
  return c.shapes.map((s) => {
    const t = randn(s, { dtype: 'float64', rng });
    if (c.positive) for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + Math.abs(t.data[i]);
    return t;
  });
}

for (const [k, c] of cases.entries()) {
  test(`gradcheck ${c.name}`, () => {
    const r = gradcheck(c.f, inputsFor(c, 100 + k));
    assert.ok(r.ok, `${c.name}: input ${r.input}[${r.index}] analytical ${r.analytical} vs numerical ${r.numerical}`);
  });
  if (c.secondOrder !== false) {
    test(`gradgradcheck ${c.name}`, () => {
      const r = gradgradcheck(c.f, inputsFor(c, 200 + k));
      assert.ok(r.ok, `${c.name}: input ${r.input}[${r.index}] analytical ${r.analytical} vs numerical ${r.numerical}`);
    });
  }
}

test('gradcheck catches a wrong VJP (it can fail)', () => {
  // d/dx of x*x through a wrong "gradient": detach one factor, so the analytical result is x not 2x.
  const x = randn([4], { dtype: 'float64', rng: new Rng(5) });
  const r = gradcheck((v) => mul(v, v.detach()), [x]);
  assert.not.ok(r.ok);
  assert.ok(Math.abs(r.analytical * 2 - r.numerical) < 1e-6, `${r.analytical} vs ${r.numerical}`);
});

test.run();
