// Composed ops: log-sum-exp, softmax, log-softmax and the losses. No VJP is written here; each
// is built from primitives, so it is differentiable to any order (TensorFlow.js fuses these and
// gets their second derivatives wrong).
import { DTypeError, ShapeError, fmtShape } from '../../errors.ts';
import { normAxes } from '../shape.ts';
import { Tensor, notATensor } from '../tensor.ts';
import { add, exp, log, neg, square, sub } from './elementwise.ts';
import { gather, toIndex } from './gather.ts';
import { max, mean, sum } from './reduce.ts';
import { reshape } from './reshape.ts';

/**
 * log(sum(exp(x))) over `axis` (all by default), stable at inputs of +-1000: the max is
 * subtracted first. The max is detached: the value does not depend on it, so no derivative does.
 * @example logSumExp(tensor([1000, 1000])) // 1000 + log 2
 */
export function logSumExp(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  if (!(x instanceof Tensor)) notATensor('logSumExp', x, 'x');
  const axes = normAxes('logSumExp', axis, x.ndim);
  const m = max(x, axes, true).detach();
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i])) m.data[i] = 0;
  const out = add(log(sum(exp(sub(x, m)), axes, true)), m);
  return keepDims ? out : reshape(out, x.shape.filter((_, i) => !axes.includes(i)));
}

/** exp(x) / sum(exp(x)) along axis (default last). @example softmax(tensor([1, 2, 3])) */
export function softmax(x: Tensor, axis = -1): Tensor {
  if (!(x instanceof Tensor)) notATensor('softmax', x, 'x');
  normAxes('softmax', axis, x.ndim);
  return exp(sub(x, logSumExp(x, axis, true)));
}

/**
 * x - logSumExp(x) along axis (default last).
 * @example logSoftmax(tensor([[1, 2, 3]])) // x - logSumExp(x)
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  if (!(x instanceof Tensor)) notATensor('logSoftmax', x, 'x');
  normAxes('logSoftmax', axis, x.ndim);
  return sub(x, logSumExp(x, axis, true));
}

/** Mean squared error (or 'sum' / 'none'). @example mseLoss(tensor([1, 2]), tensor([1, 4])) // 2 */
export function mseLoss(pred: Tensor, target: Tensor, reduction: 'mean' | 'sum' | 'none' = 'mean'): Tensor {
  if (!(pred instanceof Tensor)) notATensor('mseLoss', pred, 'pred');
  if (!(target instanceof Tensor)) notATensor('mseLoss', target, 'target');
  const d = sub(pred, target);
  const sq = square(d);
  return reduction === 'mean' ? mean(sq) : reduction === 'sum' ? sum(sq) : sq;
}

/**
 * Cross-entropy of logits [N, C] against class indices (numbers, an Int32Array or an
 * integer-valued tensor of N entries), averaged over N.
 * @example crossEntropy(tensor([[2, 0], [0, 2]]), [0, 1])
 */
export function crossEntropy(logits: Tensor, targets: Tensor | readonly number[] | Int32Array): Tensor {
  if (!(logits instanceof Tensor)) notATensor('crossEntropy', logits, 'logits');
  if (logits.ndim !== 2) throw new ShapeError(`crossEntropy: logits must be [N, C], got ${fmtShape(logits.shape)}`);
  const [n, c] = logits.shape;
  const idx = toIndex('crossEntropy', targets);
  if (idx.data.length !== n) {
    throw new ShapeError(`crossEntropy: ${idx.data.length} targets for logits ${fmtShape(logits.shape)} (expected ${n})`);
  }
  for (let i = 0; i < n; i++) {
    const t = idx.data[i];
    if (t < 0 || t >= c) throw new DTypeError(`crossEntropy: target ${t} at position ${i} is out of range [0, ${c}) for logits ${fmtShape(logits.shape)}`);
  }
  const picked = gather(logSoftmax(logits, 1), 1, { data: idx.data, shape: [n, 1] });
  return neg(mean(picked));
}
