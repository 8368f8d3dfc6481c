// Tensors as one flat float64 vector, for methods that treat all the parameters as a single
// vector (PCGrad's projections, TRPO's conjugate gradient and line search).
import type { Tensor } from './tensor.ts';

/** The tensors' values, one after another, as float64. */
export function flatten(ts: readonly Tensor[]): Float64Array {
  const out = new Float64Array(ts.reduce((s, t) => s + t.size, 0));
  let at = 0;
  for (const t of ts) {
    out.set(t.data, at);
    at += t.size;
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
