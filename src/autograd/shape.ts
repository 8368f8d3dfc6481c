// Shape arithmetic shared by the ops: sizes, NumPy broadcasting, axis normalisation.
import { ShapeError, describe, fmtShape } from '../errors.ts';

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; ShapeError naming the op and both shapes otherwise. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  if (sameShape(a, b)) return a.slice();
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (axis ${i - n}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** One axis, negative counting from the end, checked against ndim. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Axis argument (undefined = all, number, or array) -> sorted unique non-negative axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw new ShapeError(`${op}: axis must be a number or an array of numbers, got ${describe(axis)}`);
  const out = [...new Set(list.map((a) => normAxis(op, a, ndim)))];
  if (out.length !== list.length) throw new ShapeError(`${op}: repeated axis in [${list.join(',')}]`);
  return out.sort((x, y) => x - y);
}

/**
 * The most elements one tensor may have: 2^31 - 1 (a float32 tensor of 8 GiB). Larger
 * allocations fail in JS engines with a RangeError, or exhaust memory first.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** A shape: an array of non-negative integers with at most MAX_ELEMENTS elements in all. */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new ShapeError(`${op}: a shape must be an array of integers, got ${describe(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: invalid shape ${fmtShape(shape.map(String) as never)}: dimensions must be integers >= 0`);
  }
  const size = sizeOf(shape);
  if (size > MAX_ELEMENTS) throw new ShapeError(`${op}: shape ${fmtShape(shape)} has ${size} elements, more than the limit of ${MAX_ELEMENTS} (2^31 - 1)`);
}
