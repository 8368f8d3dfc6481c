// Reductions and their adjoints: sum <-> broadcastTo are each other's VJP, so they live
// together, with max (whose VJP broadcasts); both use reshape (./reshape.ts). mean, min and
// sumTo are composed.
import { ShapeError, fmtShape } from '../../errors.ts';
import { reshape } from './reshape.ts';
import { Red } from '../../kernels/opcodes.ts';
import { kernels } from '../../kernels/backend.ts';
import { broadcastShapes, checkShape, normAxes, sameShape, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, allocate, notATensor } from '../tensor.ts';
import { div, eq, mul, neg } from './elementwise.ts';

/** x repeated along size-1 (or missing leading) axes to `shape`. @example broadcastTo(tensor([1, 2]), [3, 2]) */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (!(x instanceof Tensor)) notATensor('broadcastTo', x, 'x');
  checkShape('broadcastTo', shape);
  const target = [...shape];
  const b = broadcastShapes('broadcastTo', x.shape, target);
  if (!sameShape(b, target)) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  if (sameShape(x.shape, target)) return x;
  const out = allocate(x.dtype, sizeOf(target), false);
  kernels().broadcast(x.data, x.shape, out, target);
  return record('broadcastTo', new Tensor(out, target), [x], (g) => [sumTo(g, x.shape)]);
}

function reduceForward(op: string, code: Red, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const reduced = x.shape.map((_, i) => axes.includes(i));
  const kept = x.shape.map((d, i) => (reduced[i] ? 1 : d));
  if (code === Red.Max && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${op}: cannot reduce over an empty axis of ${fmtShape(x.shape)}`);
  }
  const out = allocate(x.dtype, sizeOf(kept));
  kernels().reduce(code, x.data, x.shape, reduced, out);
  return new Tensor(out, keepDims ? kept : x.shape.filter((_, i) => !reduced[i]));
}

/** The shape `x` reduces to with kept size-1 axes, for broadcasting a reduced gradient back. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * Sum over all elements, or over `axis` (a number or an array, negative from the end).
 * @example sum(tensor([[1, 2], [3, 4]]), 0) // [4, 6]
 */
export function sum(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  if (!(x instanceof Tensor)) notATensor('sum', x, 'x');
  const axes = normAxes('sum', axis, x.ndim);
  const out = reduceForward('sum', Red.Sum, x, axes, keepDims);
  return record('sum', out, [x], (g) => [expandBack(g, x.shape, axes)]);
}

/**
 * g (a reduction's result over `axes`, kept or dropped) broadcast back to `shape`; a single
 * broadcastTo when the reduced axes lead (NumPy aligns shapes from the right), else reshape first.
 */
function expandBack(g: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  const leading = axes.every((a, i) => a === i) && g.ndim === shape.length - axes.length;
  return broadcastTo(leading ? g : reshape(g, keptShape(shape, axes)), shape);
}

/**
 * Maximum over all elements or over `axis`. Ties share the gradient equally.
 * @example max(tensor([[1, 5], [3, 4]]), 1) // [5, 4]
 */
export function max(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  if (!(x instanceof Tensor)) notATensor('max', x, 'x');
  const axes = normAxes('max', axis, x.ndim);
  const out = reduceForward('max', Red.Max, x, axes, keepDims);
  return record('max', out, [x], (g) => {
    const kept = keptShape(x.shape, axes);
    const mask = eq(x, reshape(out, kept)); // constant: where the maximum is attained
    const share = div(mask, reduceForward('max', Red.Sum, mask, axes, true));
    return [mul(broadcastTo(reshape(g, kept), x.shape), share)];
  });
}

/**
 * Minimum over all elements or over `axis`: -max(-x).
 * @example min(tensor([[1, 5], [3, 4]]), 1) // [1, 3]
 */
export function min(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  if (!(x instanceof Tensor)) notATensor('min', x, 'x');
  normAxes('min', axis, x.ndim);
  return neg(max(neg(x), axis, keepDims));
}

/**
 * Mean over all elements or over `axis`.
 * @example mean(tensor([[1, 2], [3, 4]]), 1) // [1.5, 3.5]
 */
export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  if (!(x instanceof Tensor)) notATensor('mean', x, 'x');
  const axes = normAxes('mean', axis, x.ndim);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, axes, keepDims), count);
}

/**
 * Sums x down to `shape` (the reverse of broadcasting): how gradients are unbroadcast.
 * @example sumTo(ones([4, 3]), [1, 3]) // [[4, 4, 4]]
 */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (!(x instanceof Tensor)) notATensor('sumTo', x, 'x');
  checkShape('sumTo', shape);
  if (sameShape(x.shape, shape)) return x;
  const lead = x.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
    else if (shape[i - lead] !== x.shape[i]) {
      throw new ShapeError(`sumTo: cannot sum ${fmtShape(x.shape)} down to ${fmtShape(shape)}`);
    }
  }
  // One op where it can be: leading axes only (dropped), or size-1 axes only (kept).
  if (axes.length === lead) return sum(x, axes, false);
  if (lead === 0) return sum(x, axes, true);
  return reshape(sum(x, axes, true), shape);
}
