// slice <-> pad are each other's VJP (a box copied out of, or into, zeros). concat's VJP is
// slices; stack is reshape + concat.
import { ShapeError, expectNumbers, fmtShape } from '../../errors.ts';
import { copyBox } from '../../kernels/js/strided.ts';
import { checkShape, normAxis, sizeOf } from '../shape.ts';
import { isGradEnabled, record } from '../tape.ts';
import { Tensor, allocate, notATensor, expectTensors } from '../tensor.ts';
import { reshape } from './reshape.ts';

/**
 * The box starts[i] <= index < ends[i] on each axis (negative values count from the end; missing
 * trailing axes are taken whole; ends default to the axis length).
 * @example slice(arange(10), [2], [5]) // [2, 3, 4]
 */
export function slice(x: Tensor, starts: readonly number[], ends?: readonly (number | undefined)[]): Tensor {
  if (!(x instanceof Tensor)) notATensor('slice', x, 'x');
  expectNumbers('slice', starts, 'starts');
  if (ends !== undefined) expectNumbers('slice', ends.map((e) => e ?? 0), 'ends');
  if (starts.length > x.ndim || (ends && ends.length > x.ndim)) {
    throw new ShapeError(`slice: ${starts.length} starts for a tensor of shape ${fmtShape(x.shape)}`);
  }
  const begin: number[] = [];
  const box: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    const d = x.shape[i];
    const clampIdx = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
    const s = clampIdx(starts[i] ?? 0);
    const e = clampIdx(ends?.[i] ?? d);
    if (!Number.isInteger(starts[i] ?? 0) || !Number.isInteger(ends?.[i] ?? d)) {
      throw new ShapeError(`slice: non-integer bounds [${starts.join(',')}]..[${(ends ?? []).join(',')}]`);
    }
    begin.push(s);
    box.push(Math.max(0, e - s));
  }
  const out = allocate(x.dtype, sizeOf(box));
  copyBox(x.data, x.shape, begin, out, box, box.map(() => 0), box);
  const padding = box.map((b, i): [number, number] => [begin[i], x.shape[i] - begin[i] - b]);
  return record('slice', new Tensor(out, box), [x], (g) => [pad(g, padding)]);
}

/**
 * Zero padding: padding[i] = [before, after] for axis i (missing trailing axes unpadded).
 * @example pad(tensor([1, 2]), [[1, 2]]) // [0, 1, 2, 0, 0]
 */
export function pad(x: Tensor, padding: readonly (readonly [number, number])[]): Tensor {
  if (!(x instanceof Tensor)) notATensor('pad', x, 'x');
  if (!Array.isArray(padding) || padding.length > x.ndim || padding.some((pair) => !Array.isArray(pair) || pair.length !== 2 ||
    !Number.isInteger(pair[0]) || !Number.isInteger(pair[1]) || pair[0] < 0 || pair[1] < 0)) {
    throw new ShapeError(`pad: padding ${JSON.stringify(padding)} does not fit a tensor of shape ${fmtShape(x.shape)} (non-negative integers, one pair per axis)`);
  }
  const before = x.shape.map((_, i) => padding[i]?.[0] ?? 0);
  const shape = x.shape.map((d, i) => d + before[i] + (padding[i]?.[1] ?? 0));
  checkShape('pad', shape);
  const out = allocate(x.dtype, sizeOf(shape));
  copyBox(x.data, x.shape, x.shape.map(() => 0), out, shape, before, x.shape);
  return record('pad', new Tensor(out, shape), [x], (g) => [slice(g, before, before.map((b, i) => b + x.shape[i]))]);
}

/**
 * Joins tensors along an existing axis.
 * @example concat([zeros([2, 1]), ones([2, 3])], 1).shape // [2, 4]
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  expectTensors('concat', xs, 'xs');
  if (xs.length === 0) throw new ShapeError('concat: needs at least one tensor');
  const first = xs[0];
  const ax = normAxis('concat', axis, first.ndim);
  for (const x of xs) {
    if (x.dtype !== first.dtype || x.ndim !== first.ndim || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((t) => `${fmtShape(t.shape)}:${t.dtype}`).join(', ')} do not match off axis ${axis}`);
    }
  }
  const shape = first.shape.slice();
  shape[ax] = xs.reduce((n, x) => n + x.shape[ax], 0);
  const out = allocate(first.dtype, sizeOf(shape));
  const offsets: number[] = [];
  let at = 0;
  for (const x of xs) {
    offsets.push(at);
    const start = shape.map((_, i) => (i === ax ? at : 0));
    copyBox(x.data, x.shape, x.shape.map(() => 0), out, shape, start, x.shape);
    at += x.shape[ax];
  }
  return record('concat', new Tensor(out, shape), xs, (g, needs) =>
    xs.map((x, j) => {
      if (!needs[j]) return null;
      const s = shape.map((_, i) => (i === ax ? offsets[j] : 0));
      const e = shape.map((d, i) => (i === ax ? offsets[j] + x.shape[ax] : d));
      return slice(g, s, e);
    }));
}

/**
 * Joins same-shaped tensors along a new axis.
 * @example stack([zeros([3]), ones([3])]).shape // [2, 3]
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  expectTensors('stack', xs, 'xs');
  if (xs.length === 0) throw new ShapeError('stack: needs at least one tensor');
  const ax = normAxis('stack', axis, xs[0].ndim + 1);
  const first = xs[0];
  if (ax === 0 && !(isGradEnabled() && xs.some((x) => x.requiresGrad)) &&
    xs.every((x) => x.dtype === first.dtype && x.ndim === first.ndim && x.shape.every((d, i) => d === first.shape[i]))) {
    // Off the tape (task data, say): the inputs laid end to end, one copy each.
    const out = allocate(first.dtype, xs.length * first.size);
    xs.forEach((x, i) => out.set(x.data, i * first.size));
    return new Tensor(out, [xs.length, ...first.shape]);
  }
  return concat(xs.map((x) => {
    const s = x.shape.slice();
    s.splice(ax, 0, 1);
    return reshape(x, s);
  }), ax);
}
