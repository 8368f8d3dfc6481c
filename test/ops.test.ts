// Forward values of every op against hand-computed results.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  abs, add, arange, broadcastTo, concat, conv1d, conv2d, crossEntropy, div, eq, exp, gather, gt, indexSelect, log,
  logSoftmax, logSumExp, matmul, max, maximum, mean, min, minimum, mseLoss, mul, neg, ones, pad, pow, relu, reshape,
  scatterAdd, sigmoid, slice, softmax, softplus, sqrt, square, stack, sub, sum, tanh, tensor, transpose, where, zeros,
} from '../src/index.ts';
import { assertClose, assertShape } from './helpers.ts';

const f64 = { dtype: 'float64' } as const;

test('elementwise binary ops broadcast NumPy-style', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const row = tensor([10, 20, 30]);
  const col = tensor([[1], [2]]);
  assert.equal(add(a, row).toArray(), [[11, 22, 33], [14, 25, 36]]);
  assert.equal(sub(a, col).toArray(), [[0, 1, 2], [2, 3, 4]]);
  assert.equal(mul(col, row).toArray(), [[10, 20, 30], [20, 40, 60]]);
  assert.equal(div(a, 2).toArray(), [[0.5, 1, 1.5], [2, 2.5, 3]]);
  assert.equal(pow(a, 2).toArray(), [[1, 4, 9], [16, 25, 36]]);
  assert.equal(add(1, tensor([1, 2])).toArray(), [2, 3]);
  assert.equal(maximum(tensor([1, 5]), tensor([3, 2])).toArray(), [3, 5]);
  assert.equal(minimum(tensor([1, 5]), 2).toArray(), [1, 2]);
  assert.equal(gt(tensor([1, 5]), 2).toArray(), [0, 1]);
  assert.equal(eq(tensor([1, 2]), tensor([1, 3])).toArray(), [1, 0]);
  // size-1 axes on both sides and a 0-d operand
  assertShape(add(zeros([3, 1, 2]), zeros([4, 1])), [3, 4, 2]);
  assertShape(mul(zeros([2, 3]), tensor(2)), [2, 3]);
});

test('elementwise unary ops', () => {
  const x = tensor([-2, 0, 0.5, 3], f64);
  assertClose(neg(x), [2, -0, -0.5, -3]);
  assertClose(exp(x), [Math.exp(-2), 1, Math.exp(0.5), Math.exp(3)], 1e-12);
  assertClose(log(tensor([1, Math.E, 10], f64)), [0, 1, Math.log(10)], 1e-12);
  assertClose(sqrt(tensor([4, 2], f64)), [2, Math.SQRT2], 1e-12);
  assertClose(abs(x), [2, 0, 0.5, 3]);
  assertClose(square(x), [4, 0, 0.25, 9]);
  assertClose(tanh(x), [Math.tanh(-2), 0, Math.tanh(0.5), Math.tanh(3)], 1e-12);
  assertClose(sigmoid(x), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-3))], 1e-12);
  assertClose(relu(x), [0, 0, 0.5, 3]);
  assertClose(softplus(x), [Math.log1p(Math.exp(-2)), Math.log(2), Math.log1p(Math.exp(0.5)), Math.log1p(Math.exp(3))], 1e-12);
  // stable at extremes: no overflow to Infinity or NaN
  assertClose(sigmoid(tensor([-1000, 1000])), [0, 1]);
  assertClose(softplus(tensor([-1000, 1000], f64)), [0, 1000]);
});

test('sum / mean / max / min over all, one axis, several axes, negative axes, keepDims', () => {
  const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]); // [2,2,2]
  assert.is(sum(x).item(), 36);
  assert.equal(sum(x, 0).toArray(), [[6, 8], [10, 12]]);
  assert.equal(sum(x, -1).toArray(), [[3, 7], [11, 15]]);
  assert.equal(sum(x, [0, 2]).toArray(), [14, 22]);
  assertShape(sum(x, [0, 2], true), [1, 2, 1]);
  assert.equal(mean(x, 1).toArray(), [[2, 3], [6, 7]]);
  assert.equal(max(x, 2).toArray(), [[2, 4], [6, 8]]);
  assert.is(max(x).item(), 8);
  assert.equal(min(x, [1, 2]).toArray(), [1, 5]);
  assertShape(sum(tensor(3)), []);
});

test('logSumExp, softmax and logSoftmax are exact and stable at +-1000', () => {
  const x = tensor([[1, 2, 3], [1000, 1000, 1000], [-1000, 0, -1000]], f64);
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  assertClose(logSumExp(x, 1), [lse, 1000 + Math.log(3), Math.log(1 + 2 * Math.exp(-1000))], 1e-12);
  assertClose(softmax(x), [
    Math.exp(1 - lse), Math.exp(2 - lse), Math.exp(3 - lse), 1 / 3, 1 / 3, 1 / 3, 0, 1, 0,
  ], 1e-12);
  assertClose(logSoftmax(x), [1 - lse, 2 - lse, 3 - lse, -Math.log(3), -Math.log(3), -Math.log(3), -1000, 0, -1000], 1e-9);
  assertClose(softmax(tensor([[1, 3], [2, 4]], f64), 0), [1 / (1 + Math.E ** 1), 1 / (1 + Math.E ** 1), Math.E / (1 + Math.E), Math.E / (1 + Math.E)], 1e-12);
  assert.is(logSumExp(tensor([-Infinity, -Infinity])).item(), -Infinity);
});

test('matmul: 2-D, batched, broadcast batch, vectors', () => {
  const a = tensor([[1, 2], [3, 4], [5, 6]]);
  const b = tensor([[1, 0, 2], [0, 1, 3]]);
  assert.equal(matmul(a, b).toArray(), [[1, 2, 8], [3, 4, 18], [5, 6, 28]]);
  assert.equal(matmul(a, tensor([1, 1])).toArray(), [3, 7, 11]);
  assert.equal(matmul(tensor([1, 1, 1]), a).toArray(), [9, 12]);
  assert.is(matmul(tensor([1, 2]), tensor([3, 4])).item(), 11);
  const batch = reshape(arange(12), [3, 2, 2]); // three 2x2 matrices
  const eyeish = tensor([[0, 1], [1, 0]]);
  assert.equal(matmul(batch, eyeish).toArray(), [[[1, 0], [3, 2]], [[5, 4], [7, 6]], [[9, 8], [11, 10]]]);
  // [2,1,2,2] x [3,2,2] -> [2,3,2,2]
  const left = reshape(tensor([1, 0, 0, 1, 2, 0, 0, 2]), [2, 1, 2, 2]);
  const out = matmul(left, batch);
  assertShape(out, [2, 3, 2, 2]);
  assert.equal((out.toArray() as number[][][][])[1][2], [[16, 18], [20, 22]]);
});

test('reshape, transpose, broadcastTo', () => {
  const x = arange(6);
  assert.equal(reshape(x, [2, -1]).toArray(), [[0, 1, 2], [3, 4, 5]]);
  assert.equal(transpose(reshape(x, [2, 3])).toArray(), [[0, 3], [1, 4], [2, 5]]);
  const t = transpose(reshape(arange(24), [2, 3, 4]), [2, 0, 1]);
  assertShape(t, [4, 2, 3]);
  assert.is((t.toArray() as number[][][])[3][1][2], 1 * 12 + 2 * 4 + 3);
  assert.equal(broadcastTo(tensor([1, 2]), [2, 2]).toArray(), [[1, 2], [1, 2]]);
});

test('slice, pad, concat, stack', () => {
  const x = reshape(arange(12), [3, 4]);
  assert.equal(slice(x, [1, 1], [3, 3]).toArray(), [[5, 6], [9, 10]]);
  assert.equal(slice(x, [-1]).toArray(), [[8, 9, 10, 11]]);
  assert.equal(pad(tensor([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
  assert.equal(pad(tensor([[1]]), [[0, 1], [1, 0]]).toArray(), [[0, 1], [0, 0]]);
  assert.equal(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], 1).toArray(), [[1, 3, 4], [2, 5, 6]]);
  assert.equal(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [[1, 3], [2, 4]]);
  assert.equal(stack([tensor([[1], [2]]), tensor([[3], [4]])]).toArray(), [[[1], [2]], [[3], [4]]]);
  assert.equal(stack([tensor([1, 2]), tensor([3, 4])], -1).toArray(), [[1, 3], [2, 4]]);
});

test('gather, scatterAdd, indexSelect, where', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(gather(x, 1, tensor([[2, 0], [1, 1]])).toArray(), [[3, 1], [5, 5]]);
  assert.equal(gather(x, 0, tensor([[1, 0, 1]])).toArray(), [[4, 2, 6]]);
  assert.equal(scatterAdd(tensor([1, 2, 3]), 0, tensor([0, 0, 2]), [4]).toArray(), [3, 0, 3, 0]);
  assert.equal(indexSelect(x, 1, [2, 2, 0]).toArray(), [[3, 3, 1], [6, 6, 4]]);
  assert.equal(where(tensor([1, 0, 1]), tensor([1, 2, 3]), -1).toArray(), [1, -1, 3]);
});

test('conv2d against a hand-computed 3x3 example with padding and stride', () => {
  // x: 1x1x3x3 = 1..9, w: all-ones 2x2, padding 0 -> sums of 2x2 windows
  const x = reshape(arange(1, 10), [1, 1, 3, 3]);
  const w = ones([1, 1, 2, 2]);
  assert.equal(conv2d(x, w).toArray(), [[[[12, 16], [24, 28]]]]);
  // padding 1, stride 2: windows at (-1,-1),(−1,1),(1,−1),(1,1)
  assert.equal(conv2d(x, w, null, { padding: 1, stride: 2 }).toArray(), [[[[1, 5], [11, 28]]]]);
  // two output channels with bias, two input channels
  const x2 = reshape(arange(8), [1, 2, 2, 2]);
  const w2 = tensor([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0], { shape: [2, 2, 2, 2] });
  // o0 = x[c0][0][0] + x[c1][1][1] = 0 + 7; o1 = x[c1][0][0] = 4
  assert.equal(conv2d(x2, w2, tensor([0.5, -1])).toArray(), [[[[7.5]], [[3]]]]);
});

test('conv1d equals a direct sum', () => {
  const x = tensor([[[1, 2, 3, 4, 5]]]);
  const w = tensor([[[1, 0, -1]]]);
  assert.equal(conv1d(x, w).toArray(), [[[-2, -2, -2]]]);
  assert.equal(conv1d(x, w, null, { padding: 1, stride: 2 }).toArray(), [[[-2, -2, 4]]]);
});

test('mseLoss and crossEntropy against closed forms', () => {
  assertClose(mseLoss(tensor([1, 2, 3], f64), tensor([1, 0, 0], f64)), [13 / 3], 1e-12);
  assert.is(mseLoss(tensor([1, 2]), tensor([0, 0]), 'sum').item(), 5);
  const logits = tensor([[2, 0, 0], [0, 0, 3]], f64);
  const l0 = -(2 - Math.log(Math.exp(2) + 2));
  const l1 = -(0 - Math.log(Math.exp(3) + 2));
  assertClose(crossEntropy(logits, [0, 1]), [(l0 + l1) / 2], 1e-12);
  assertClose(crossEntropy(logits, new Int32Array([0, 1])), [(l0 + l1) / 2], 1e-12);
  assertClose(crossEntropy(logits, tensor([0, 1])), [(l0 + l1) / 2], 1e-12);
});

test('float64 in, float64 out', () => {
  const y = matmul(tensor([[1, 2]], f64), tensor([[3], [4]], f64));
  assert.is(y.dtype, 'float64');
  assert.is(softmax(tensor([1, 2], f64)).dtype, 'float64');
});

test.run();
