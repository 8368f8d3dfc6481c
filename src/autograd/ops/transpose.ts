// transpose: permute axes (default: swap the last two). Its VJP is the inverse permutation.
import { ShapeError, expectNumbers, fmtShape } from '../../errors.ts';
import { permute } from '../../kernels/js/strided.ts';
import { record } from '../tape.ts';
import { Tensor, allocate, notATensor } from '../tensor.ts';

/**
 * Permutes axes: out.shape[i] = x.shape[perm[i]]. Without perm, swaps the last two axes.
 * @example transpose(zeros([2, 3, 4]), [2, 0, 1]).shape // [4, 2, 3]
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  if (!(x instanceof Tensor)) notATensor('transpose', x, 'x');
  if (perm !== undefined) expectNumbers('transpose', perm, 'perm');
  const n = x.ndim;
  let p: number[];
  if (perm === undefined) {
    if (n < 2) return x;
    p = Array.from({ length: n }, (_, i) => i);
    [p[n - 2], p[n - 1]] = [p[n - 1], p[n - 2]];
  } else {
    p = perm.map((a) => (a < 0 ? a + n : a));
    const seen = new Set(p);
    if (p.length !== n || seen.size !== n || p.some((a) => !Number.isInteger(a) || a < 0 || a >= n)) {
      throw new ShapeError(`transpose: perm [${perm.join(',')}] is not a permutation of the axes of ${fmtShape(x.shape)}`);
    }
  }
  if (p.every((a, i) => a === i)) return x;
  // Swapping the last two axes copies nothing yet: a matmul takes the source with a transpose
  // flag (its GEMM reads either layout at full speed); any other reader copies on first read.
  if (p.every((a, i) => (i < n - 2 ? a === i : a === (i === n - 2 ? n - 1 : n - 2)))) {
    return record('transpose', Tensor.lazyTranspose(x), [x], (g) => [transpose(g)]);
  }
  const out = allocate(x.dtype, x.size);
  permute(x.data, x.shape, p, out);
  const inverse = new Array<number>(n);
  p.forEach((a, i) => (inverse[a] = i));
  return record('transpose', new Tensor(out, p.map((a) => x.shape[a])), [x], (g) => [transpose(g, inverse)]);
}
