// where(cond, a, b): a where cond is non-zero, else b, broadcasting all three. The condition is
// a constant; each branch's gradient is g masked to where that branch was taken.
import { broadcastCopy } from '../../kernels/js/strided.ts';
import { broadcastShapes, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, allocate, asTensor, type TensorLike, notATensor } from '../tensor.ts';
import { coerce } from './elementwise.ts';

/**
 * Elementwise select. @example where(gt(x, 0), x, 0) // relu
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) notATensor('where', cond, 'cond');
  const [x, y] = coerce('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  const n = sizeOf(shape);
  const c = allocate(cond.dtype, n);
  const xa = allocate(x.dtype, n);
  const ya = allocate(y.dtype, n);
  broadcastCopy(cond.data, cond.shape, c, shape);
  broadcastCopy(x.data, x.shape, xa, shape);
  broadcastCopy(y.data, y.shape, ya, shape);
  const out = allocate(x.dtype, n);
  for (let i = 0; i < n; i++) out[i] = c[i] !== 0 ? xa[i] : ya[i];
  const mask = new Tensor(c, shape);
  return record('where', new Tensor(out, shape), [x, y], (g, needs) => [
    needs[0] ? where(mask, g, asTensor(0, g)) : null,
    needs[1] ? where(mask, asTensor(0, g), g) : null,
  ]);
}
