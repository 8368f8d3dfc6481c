// reshape: the same elements under a new shape (no copy); its VJP reshapes back.
import { ShapeError, expectNumbers, fmtShape } from '../../errors.ts';
import { sameShape, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, notATensor } from '../tensor.ts';

/**
 * Same data, new shape; one dimension may be -1 (inferred). Shares x's data.
 * @example reshape(arange(6), [2, -1]) // shape [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (!(x instanceof Tensor)) notATensor('reshape', x, 'x');
  const s = [...expectNumbers('reshape', shape, 'shape')];
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    const rest = sizeOf(s.filter((_, i) => i !== infer));
    if (s.indexOf(-1, infer + 1) >= 0 || rest === 0 || x.size % rest !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
    }
    s[infer] = x.size / rest;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(s) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
  }
  if (sameShape(s, x.shape)) return x;
  return record('reshape', new Tensor(x.data, s), [x], (g) => [reshape(g, x.shape)]);
}
