// linear: act(x · wᵀ + b) as one op, PyTorch's F.linear with an optional fused relu. The GEMM
// adds the bias row and applies relu in its epilogue while C is in cache, and the tape holds one
// node where matmul, add and relu held three. The VJP is written with differentiable ops
// (gate, matmulT), so it is differentiable again; the bias gradient is the gated gradient
// itself, which the backward driver sums down to the bias's shape as for any broadcast.
import { MetagradError, ShapeError, fmtShape } from '../../errors.ts';
import { sameShape, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, notATensor } from '../tensor.ts';
import { add, coerce, gate, relu } from './elementwise.ts';
import { sum } from './reduce.ts';
import { matmulT, productForward, productShape, productVjp } from './matmul.ts';

export interface LinearOptions {
  /** 'relu' fuses relu(x · wᵀ + b) into the op; default none. */
  activation?: 'relu' | null;
  /**
   * b is [..., out], one bias row per matrix of the batch (a task-batched layer's [T, out]),
   * rather than a tensor that broadcasts to the result by NumPy's rules. Default false.
   */
  biasPerMatrix?: boolean;
}

/**
 * act(x · wᵀ + b): x [..., N, in], w [out, in] or batched [..., out, in], b broadcasting to the
 * result [..., N, out] (a bias [out], or one row per matrix as [..., 1, out], or as [..., out]
 * with biasPerMatrix). Bias rows run in the GEMM's epilogue; other biases are a separate add.
 * @example linear(ones([2, 3]), ones([4, 3]), tensor([0, 1, -5, 2]), { activation: 'relu' }) // [[3, 4, 0, 5], [3, 4, 0, 5]]
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null, options: LinearOptions = {}): Tensor {
  if (!(x instanceof Tensor)) notATensor('linear', x, 'x');
  if (!(w instanceof Tensor)) notATensor('linear', w, 'w');
  const act = options.activation ?? null;
  if (act !== null && act !== 'relu') throw new MetagradError(`linear: activation must be 'relu' or null, got '${String(act)}'`);
  const fusedRelu = act === 'relu';
  [x, w] = coerce('linear', x, w);
  const { m, n, k, batch } = productShape('linear', x, w, false, true);
  let bias: Tensor | null = null;
  let biasStride = 0;
  let rowPerMatrix = false; // b is [..., out]: its gradient sums over the rows here
  if (b !== null) {
    [bias] = coerce('linear', b, x);
    rowPerMatrix = options.biasPerMatrix ?? false;
    if (rowPerMatrix && !sameShape(bias.shape, [...batch, n])) {
      throw new ShapeError(`linear: biasPerMatrix needs b of shape ${fmtShape([...batch, n])}, got ${fmtShape(bias.shape)}`);
    }
    const stride = rowPerMatrix ? (sizeOf(batch) === 1 ? 0 : n) : biasRowStride(bias, batch, n);
    if (stride === null) {
      // not one bias row per result matrix: the composed ops
      const pre = add(matmulT(x, w, false, true), bias);
      return fusedRelu ? relu(pre) : pre;
    }
    biasStride = stride;
  }
  const out = productForward(x, w, false, true, { m, n, k, batch }, { bias: bias?.data, biasStride, relu: fusedRelu });
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(fusedRelu ? 'linear+relu' : 'linear', out, inputs, (g, needs) => {
    const gp = fusedRelu ? gate(g, out) : g; // relu'(pre) is [out > 0]
    const [gx, gw] = productVjp(x, w, false, true, gp, needs);
    // the driver sums a broadcast bias's gradient down to its shape; [..., out] is not a
    // broadcast of [..., N, out] (shapes align from the right), so that one sums the rows here
    const gb = !bias || !needs[2] ? null : rowPerMatrix ? sum(gp, -2) : gp;
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}

/** 0 for one bias row shared by every matrix, n for one row each, null for anything else. */
function biasRowStride(bias: Tensor, batch: readonly number[], n: number): number | null {
  const rank = batch.length + 2;
  if (bias.ndim > rank) return null;
  const padded = [...new Array(rank - bias.ndim).fill(1), ...bias.shape];
  if (padded[rank - 1] !== n || padded[rank - 2] !== 1) return null;
  const own = padded.slice(0, -2);
  if (sizeOf(own) === 1) return 0;
  return sameShape(own, batch) ? n : null;
}
