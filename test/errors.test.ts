// Every typed error: the class, and a message that names the op and the shapes or values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AnomalyError, DTypeError, GradError, ShapeError, add, concat, conv1d, conv2d, crossEntropy, detectAnomaly, gather,
  grad, log, matmul, mul, noGrad, ones, reshape, slice, sqrt, sum, tensor, transpose, zeros,
} from '../src/index.ts';
import { assertThrowsTyped } from './helpers.ts';

test('incompatible broadcast names the op and both shapes', () => {
  assertThrowsTyped(() => add(zeros([2, 3]), zeros([4])), ShapeError, 'add', '[2,3]', '[4]');
  assertThrowsTyped(() => mul(zeros([2, 3, 4]), zeros([3, 3, 1])), ShapeError, 'mul', '[2,3,4]', '[3,3,1]');
});

test('matmul inner dimensions', () => {
  assertThrowsTyped(() => matmul(zeros([2, 3]), zeros([4, 5])), ShapeError, 'matmul', '[2,3]', '[4,5]', '3 vs 4');
  assertThrowsTyped(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 1])), ShapeError, 'matmul', '[2]', '[3]');
  assertThrowsTyped(() => matmul(tensor(1), zeros([1])), ShapeError, 'matmul', '[]');
});

test('conv channel mismatch and bad geometry', () => {
  assertThrowsTyped(() => conv2d(zeros([1, 3, 5, 5]), zeros([2, 4, 3, 3])), ShapeError, 'conv2d', 'channel', '[1,3,5,5]', '[2,4,3,3]');
  assertThrowsTyped(() => conv1d(zeros([1, 2, 5]), zeros([2, 3, 3])), ShapeError, 'conv1d', 'channel', '[1,2,5]', '[2,3,3]');
  assertThrowsTyped(() => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3])), ShapeError, 'conv2d', '3x3', '[1,1,2,2]');
  assertThrowsTyped(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { stride: 0 }), ShapeError, 'conv2d', 'stride');
  assertThrowsTyped(() => conv2d(zeros([1, 1, 4, 4]), zeros([2, 1, 3, 3]), zeros([3])), ShapeError, 'conv2d', 'bias', '[3]');
});

test('shape ops: reshape, transpose, slice, concat', () => {
  assertThrowsTyped(() => reshape(zeros([2, 3]), [4, 2]), ShapeError, 'reshape', '[2,3]', '[4,2]');
  assertThrowsTyped(() => transpose(zeros([2, 3]), [0, 0]), ShapeError, 'transpose', '[0,0]', '[2,3]');
  assertThrowsTyped(() => sum(zeros([2, 3]), 2), ShapeError, 'sum', 'axis 2', 'rank 2');
  assertThrowsTyped(() => slice(zeros([2]), [0, 0]), ShapeError, 'slice', '[2]');
  assertThrowsTyped(() => concat([zeros([2, 3]), zeros([3, 3])], 1), ShapeError, 'concat', '[2,3]', '[3,3]');
});

test('dtype mix is a DTypeError naming both', () => {
  assertThrowsTyped(() => add(zeros([2]), zeros([2], { dtype: 'float64' })), DTypeError, 'add', 'float32', 'float64', '[2]');
  assertThrowsTyped(() => matmul(zeros([2, 2]), zeros([2, 2], { dtype: 'float64' })), DTypeError, 'matmul', 'float32', 'float64');
});

test('class targets: non-integer, out of range, wrong count', () => {
  const logits = zeros([2, 3]);
  assertThrowsTyped(() => crossEntropy(logits, [0, 1.5]), DTypeError, 'crossEntropy', '1.5');
  assertThrowsTyped(() => crossEntropy(logits, [0, 3]), DTypeError, 'crossEntropy', 'target 3', '[0, 3)', '[2,3]');
  assertThrowsTyped(() => crossEntropy(logits, [-1, 0]), DTypeError, 'crossEntropy', 'target -1');
  assertThrowsTyped(() => crossEntropy(logits, [0]), ShapeError, 'crossEntropy', '1 targets', '[2,3]');
  assertThrowsTyped(() => gather(logits, 1, tensor([[5], [0]])), DTypeError, 'gather', 'index 5', 'size 3');
});

test('grad: non-scalar output without gradOutput, unused input, input without grad, freed graph', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = tensor([1, 1], { requiresGrad: true });
  assertThrowsTyped(() => grad(mul(x, 2), [x]), GradError, 'grad', '[3]', 'gradOutput');
  assertThrowsTyped(() => grad(sum(x), [x, y]), GradError, 'grad', 'input 1', '[2]', 'allowUnused');
  const [gx, gy] = grad(sum(mul(x, x)), [x, y], { allowUnused: true });
  assert.equal(gx.toArray(), [2, 4, 6]);
  assert.equal(gy.toArray(), [0, 0]);
  assertThrowsTyped(() => grad(sum(x), [zeros([2])]), GradError, 'grad', 'does not require grad');
  assertThrowsTyped(() => grad(noGrad(() => sum(x)), [x]), GradError, 'output 0', 'does not require grad');
  const loss = sum(mul(x, x));
  grad(loss, [x]);
  assertThrowsTyped(() => grad(loss, [x]), GradError, 'freed', 'retainGraph');
  assertThrowsTyped(() => mul(x, 2).requiresGrad_(), GradError, 'requiresGrad_', 'mul', 'detach');
  const kept = sum(mul(x, x));
  grad(kept, [x], { retainGraph: true });
  assert.equal(grad(kept, [x])[0].toArray(), [2, 4, 6]);
});

test('anomaly mode names the op at the first NaN/Infinity, forward and backward', () => {
  detectAnomaly(true);
  try {
    assertThrowsTyped(() => log(tensor([1, -1])), AnomalyError, 'log', 'NaN', 'forward', 'index 1');
    const x = tensor([0, 4], { requiresGrad: true });
    const y = sum(sqrt(x)); // forward fine; backward 1/(2*sqrt(0)) = Infinity
    assertThrowsTyped(() => grad(y, [x]), AnomalyError, 'sqrt', 'backward', 'Infinity');
  } finally {
    detectAnomaly(false);
  }
  assert.ok(Number.isNaN(log(tensor([-1])).item()), 'without anomaly mode NaN flows (as in PyTorch)');
  assert.ok(ones([1]).item() === 1);
});

test.run();
