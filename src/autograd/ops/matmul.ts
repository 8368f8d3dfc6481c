// matmul: batched matrix product with NumPy semantics. One primitive, matmulT(a, b, transA,
// transB), whose VJP is four more calls to itself (so backward runs the same fast GEMM with
// transposes absorbed in packing, and is differentiable again). Batch dims broadcast.
import { ArgumentError, ShapeError, describe, fmtShape } from '../../errors.ts';
import { kernels } from '../../kernels/backend.ts';
import type { GemmArgs } from '../../kernels/types.ts';
import { broadcastShapes, sameShape, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, allocate, notATensor } from '../tensor.ts';
import { coerce } from './elementwise.ts';
import { reshape } from './reshape.ts';
import { transpose } from './transpose.ts';

/** The batch operand's data laid out densely over `batch`, and the stride between matrices. */
function batchOperand(x: Tensor, batch: number[], rows: number, cols: number): [Tensor['data'], number] {
  const own = x.shape.slice(0, -2);
  if (sizeOf(own) === 1) return [x.data, 0];
  const padded = [...new Array(batch.length - own.length).fill(1), ...own];
  if (sameShape(padded, batch)) return [x.data, rows * cols];
  const full = allocate(x.dtype, sizeOf(batch) * rows * cols, false);
  kernels().broadcast(x.data, x.shape, full, [...batch, rows, cols]);
  return [full, rows * cols];
}

/** Checks op(a) · op(b) (named `op` in errors) and returns its sizes and broadcast batch axes. */
export function productShape(op: string, a: Tensor, b: Tensor, transA: boolean, transB: boolean): { m: number; n: number; k: number; batch: number[] } {
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(`${op}: operands must be at least 2-D here, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    const desc = (s: readonly number[], t: boolean) => fmtShape(s) + (t ? 'ᵀ' : '');
    throw new ShapeError(`${op}: inner dimensions differ: ${desc(a.shape, transA)} · ${desc(b.shape, transB)} (${k} vs ${kb})`);
  }
  return { m, n, k, batch: broadcastShapes(`${op} (batch axes)`, a.shape.slice(0, -2), b.shape.slice(0, -2)) };
}

/**
 * op(a) · op(b) of checked sizes (productShape) through the active GEMM, with linear's optional
 * epilogue (a bias row, relu); returns the untracked result [...batch, m, n].
 */
export function productForward(a: Tensor, b: Tensor, transA: boolean, transB: boolean,
  size: { m: number; n: number; k: number; batch: number[] }, epilogue: Pick<GemmArgs, 'bias' | 'biasStride' | 'relu'> = {}): Tensor {
  const { m, n, k, batch } = size;
  const [aData, strideA] = batchOperand(a, batch, a.shape[a.ndim - 2], a.shape[a.ndim - 1]);
  const [bData, strideB] = batchOperand(b, batch, b.shape[b.ndim - 2], b.shape[b.ndim - 1]);
  const c = allocate(a.dtype, sizeOf(batch) * m * n, false);
  kernels().gemm({ batch: sizeOf(batch), m, n, k, transA, transB, a: aData, strideA, b: bData, strideB, c, ...epilogue });
  return new Tensor(c, [...batch, m, n]);
}

/** The gradients of op(a) · op(b) given g: C = op(A) op(B), the four cases written out. */
export function productVjp(a: Tensor, b: Tensor, transA: boolean, transB: boolean, g: Tensor, needs: readonly boolean[]): [Tensor | null, Tensor | null] {
  if (!transA && !transB) return [needs[0] ? matmulT(g, b, false, true) : null, needs[1] ? matmulT(a, g, true, false) : null];
  if (!transA && transB) return [needs[0] ? matmulT(g, b, false, false) : null, needs[1] ? matmulT(g, a, true, false) : null];
  if (transA && !transB) return [needs[0] ? matmulT(b, g, false, true) : null, needs[1] ? matmulT(a, g, false, false) : null];
  return [needs[0] ? matmulT(b, g, true, true) : null, needs[1] ? matmulT(g, a, true, true) : null];
}

/**
 * op(a) · op(b) over the last two axes, where op transposes when the flag is set; both
 * operands at least 2-D; leading (batch) axes broadcast.
 * @example matmulT(ones([3, 2]), ones([3, 4]), true, false).shape // Aᵀ·B: [2, 4]
 */
export function matmulT(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (!(a instanceof Tensor)) notATensor('matmulT', a, 'a');
  if (!(b instanceof Tensor)) notATensor('matmulT', b, 'b');
  if (typeof transA !== 'boolean' || typeof transB !== 'boolean') {
    throw new ArgumentError(`matmulT: transA and transB must be booleans, got ${describe(transA)} and ${describe(transB)}`);
  }
  [a, b] = coerce('matmulT', a, b);
  // A lazy transpose (transpose() of the last two axes, not yet copied) is read as its source
  // with the flag flipped; the tape still records the operands as given, so gradients reach
  // them (the source's gradient, transposed back: lazily again).
  let [sa, ta, sb, tb] = [a, transA, b, transB];
  while (sa._data === null && sa._transposeOf !== null) [sa, ta] = [sa._transposeOf, !ta];
  while (sb._data === null && sb._transposeOf !== null) [sb, tb] = [sb._transposeOf, !tb];
  const out = productForward(sa, sb, ta, tb, productShape('matmulT', sa, sb, ta, tb));
  if (sa === a && sb === b) return record('matmul', out, [a, b], (g, needs) => productVjp(a, b, transA, transB, g, needs));
  // an odd number of transposes between an operand and its source: its gradient is transposed
  const flipA = ta !== transA;
  const flipB = tb !== transB;
  return record('matmul', out, [a, b], (g, needs) => {
    const [ga, gb] = productVjp(sa, sb, ta, tb, g, needs);
    return [ga && flipA ? transpose(ga) : ga, gb && flipB ? transpose(gb) : gb];
  });
}

/**
 * Matrix product with NumPy semantics: 2-D x 2-D, batched N-D with broadcast batch axes, and
 * 1-D operands promoted to a row (left) or a column (right) and squeezed from the result.
 * @example matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])) // [3, 7]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor)) notATensor('matmul', a, 'a');
  if (!(b instanceof Tensor)) notATensor('matmul', b, 'b');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: operands must be at least 1-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  let out = matmulT(a2, b2);
  if (a.ndim === 1 || b.ndim === 1) {
    const s = out.shape.slice();
    if (b.ndim === 1) s.pop();
    if (a.ndim === 1) s.splice(s.length - (b.ndim === 1 ? 1 : 2), 1);
    out = reshape(out, s);
  }
  return out;
}
