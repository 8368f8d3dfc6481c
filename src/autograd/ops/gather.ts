// gather <-> scatterAdd are each other's VJP: pick elements along an axis by integer index, or
// add elements back to where they were picked from. indexSelect composes from gather.
import { DTypeError, ShapeError, describe, fmtShape } from '../../errors.ts';
import { normAxis, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, allocate, notATensor } from '../tensor.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Integer indices with a shape: what gather and scatterAdd index with. */
export interface Index {
  readonly data: Int32Array;
  readonly shape: readonly number[];
}

/** An integer-valued tensor, a number array or an Int32Array (1-D) as an Index, checked. */
export function toIndex(op: string, idx: Tensor | Index | readonly number[] | Int32Array): Index {
  if (idx instanceof Tensor || Array.isArray(idx) || idx instanceof Int32Array) {
    const src: ArrayLike<number> = idx instanceof Tensor ? idx.data : (idx as ArrayLike<number>);
    const data = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (!Number.isInteger(v)) throw new DTypeError(`${op}: index values must be integers, got ${v} at position ${i}`);
      // Checked before the Int32Array store, which would wrap 2^32 to 0 and name the wrapped value.
      if (v < INT32_MIN || v > INT32_MAX) throw new DTypeError(`${op}: index ${v} at position ${i} is out of the int32 range [-2^31, 2^31)`);
      data[i] = v;
    }
    return { data, shape: idx instanceof Tensor ? idx.shape : [src.length] };
  }
  if (idx === null || typeof idx !== 'object' || !((idx as Index).data instanceof Int32Array) || !Array.isArray((idx as Index).shape)) {
    throw new DTypeError(`${op}: indices must be a Tensor, an array of integers, an Int32Array or an Index, got ${describe(idx)}`);
  }
  return idx as Index;
}

function geometry(op: string, xShape: readonly number[], axis: number, index: Index): [number, number, number, number] {
  const ax = normAxis(op, axis, xShape.length);
  if (index.shape.length !== xShape.length || index.shape.some((d, i) => i !== ax && d !== xShape[i])) {
    throw new ShapeError(`${op}: index of shape ${fmtShape(index.shape)} does not match ${fmtShape(xShape)} off axis ${axis}`);
  }
  const dim = xShape[ax];
  for (let i = 0; i < index.data.length; i++) {
    const v = index.data[i];
    if (v < 0 || v >= dim) throw new DTypeError(`${op}: index ${v} is out of range for axis ${axis} of size ${dim} (shape ${fmtShape(xShape)})`);
  }
  return [sizeOf(xShape.slice(0, ax)), index.shape[ax], dim, sizeOf(xShape.slice(ax + 1))];
}

/**
 * out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis` (torch.gather); index has
 * x's shape except along axis.
 * @example gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]])) // [[2], [3]]
 */
export function gather(x: Tensor, axis: number, indexLike: Tensor | Index): Tensor {
  if (!(x instanceof Tensor)) notATensor('gather', x, 'x');
  const index = toIndex('gather', indexLike);
  const [outer, a, dim, inner] = geometry('gather', x.shape, axis, index);
  const out = allocate(x.dtype, index.data.length);
  const xd = x.data;
  const id = index.data;
  for (let o = 0, p = 0; o < outer; o++) {
    for (let j = 0; j < a; j++) {
      for (let i = 0; i < inner; i++, p++) out[p] = xd[(o * dim + id[p]) * inner + i];
    }
  }
  return record('gather', new Tensor(out, index.shape), [x], (g) => [scatterAdd(g, axis, index, x.shape)]);
}

/**
 * zeros(shape) with src[..., j, ...] added at [..., index[..., j, ...], ...] along `axis`.
 * @example scatterAdd(tensor([1, 2, 3]), 0, tensor([0, 0, 2]), [3]) // [3, 0, 3]
 */
export function scatterAdd(src: Tensor, axis: number, indexLike: Tensor | Index, shape: readonly number[]): Tensor {
  if (!(src instanceof Tensor)) notATensor('scatterAdd', src, 'src');
  const index = toIndex('scatterAdd', indexLike);
  if (index.shape.length !== src.shape.length || index.shape.some((d, i) => d !== src.shape[i])) {
    throw new ShapeError(`scatterAdd: index of shape ${fmtShape(index.shape)} does not match src ${fmtShape(src.shape)}`);
  }
  const [outer, a, dim, inner] = geometry('scatterAdd', shape, axis, index);
  const out = allocate(src.dtype, sizeOf(shape));
  const sd = src.data;
  const id = index.data;
  for (let o = 0, p = 0; o < outer; o++) {
    for (let j = 0; j < a; j++) {
      for (let i = 0; i < inner; i++, p++) out[(o * dim + id[p]) * inner + i] += sd[p];
    }
  }
  return record('scatterAdd', new Tensor(out, [...shape]), [src], (g) => [gather(g, axis, index)]);
}

/**
 * The entries at `indices` (1-D) along `axis` (torch.index_select).
 * @example indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, [2, 0]) // [[5, 6], [1, 2]]
 */
export function indexSelect(x: Tensor, axis: number, indices: Tensor | readonly number[] | Int32Array): Tensor {
  if (!(x instanceof Tensor)) notATensor('indexSelect', x, 'x');
  const idx = toIndex('indexSelect', indices);
  const ax = normAxis('indexSelect', axis, x.ndim);
  const shape = x.shape.slice();
  shape[ax] = idx.data.length;
  const outer = sizeOf(shape.slice(0, ax));
  const inner = sizeOf(shape.slice(ax + 1));
  const full = new Int32Array(sizeOf(shape));
  for (let o = 0, p = 0; o < outer; o++) {
    for (let j = 0; j < idx.data.length; j++) full.fill(idx.data[j], p, (p += inner));
  }
  return gather(x, ax, { data: full, shape });
}
