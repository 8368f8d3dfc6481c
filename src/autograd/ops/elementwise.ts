// Elementwise ops. Binary ops broadcast (add sub mul div pow maximum minimum, and the
// comparisons eq gt ge lt le, which give 0/1 masks off the tape); their VJPs return gradients in
// the output's broadcast shape and the grad driver sums them back to each input's shape.
// Unary ops: tanh, sigmoid, exp and sqrt reuse their saved output in the VJP, and that output
// stays on the tape, so each rule is differentiable again.
import { DTypeError, expectNumber, fmtShape } from '../../errors.ts';
import { Bin, Un } from '../../kernels/opcodes.ts';
import { kernels } from '../../kernels/backend.ts';
import { broadcastShapes, sameShape, sizeOf } from '../shape.ts';
import { record } from '../tape.ts';
import { Tensor, allocate, toTensor, type TensorLike, notATensor } from '../tensor.ts';

/** Both operands as tensors of one dtype; a number takes the other operand's dtype. */
export function coerce(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const ta = toTensor(op, a, b instanceof Tensor ? b : 'float32');
  const tb = toTensor(op, b, ta);
  if (ta.dtype !== tb.dtype) {
    throw new DTypeError(`${op}: dtype mismatch, ${ta.dtype} ${fmtShape(ta.shape)} and ${tb.dtype} ${fmtShape(tb.shape)}; convert one with .to()`);
  }
  return [ta, tb];
}

function forward(op: string, code: Bin, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(a.dtype, sizeOf(shape), false);
  kernels().binary(code, a.data, a.shape, b.data, b.shape, out, shape);
  return new Tensor(out, shape);
}

/** a + b, broadcasting. @example add(tensor([1, 2]), 1) // [2, 3] */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('add', a, b);
  return record('add', forward('add', Bin.Add, x, y), [x, y], (g) => [g, g]);
}

/**
 * a - b, broadcasting.
 * @example sub(tensor([3, 4]), 1) // [2, 3]
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('sub', a, b);
  return record('sub', forward('sub', Bin.Sub, x, y), [x, y], (g, needs) => [g, needs[1] ? neg(g) : null]);
}

/**
 * a * b elementwise, broadcasting.
 * @example mul(tensor([1, 2]), tensor([3, 4])) // [3, 8]
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('mul', a, b);
  return record('mul', forward('mul', Bin.Mul, x, y), [x, y], (g, needs) => [
    needs[0] ? mul(g, y) : null,
    needs[1] ? mul(g, x) : null,
  ]);
}

/**
 * a / b elementwise, broadcasting.
 * @example div(tensor([1, 2]), 2) // [0.5, 1]
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('div', a, b);
  const out = forward('div', Bin.Div, x, y);
  // d(a/b)/db = -a/b^2 = -out/b, reusing the saved output.
  return record('div', out, [x, y], (g, needs) => [
    needs[0] ? div(g, y) : null,
    needs[1] ? neg(mul(g, div(out, y))) : null,
  ]);
}

/** a ** b elementwise, broadcasting. @example pow(x, 3) */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('pow', a, b);
  const out = forward('pow', Bin.Pow, x, y);
  return record('pow', out, [x, y], (g, needs) => [
    needs[0] ? mul(g, mul(y, pow(x, sub(y, 1)))) : null,
    needs[1] ? mul(g, mul(out, log(x))) : null,
  ]);
}

/**
 * Elementwise maximum; the gradient goes to a where a >= b, else to b.
 * @example maximum(tensor([1, 5]), 3) // [3, 5]
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('maximum', a, b);
  return record('maximum', forward('maximum', Bin.Max, x, y), [x, y], (g, needs) => {
    const takeA = ge(x, y);
    return [needs[0] ? mul(g, takeA) : null, needs[1] ? mul(g, sub(1, takeA)) : null];
  });
}

/**
 * Elementwise minimum; the gradient goes to a where a <= b, else to b.
 * @example minimum(tensor([1, 5]), 3) // [1, 3]
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = coerce('minimum', a, b);
  return record('minimum', forward('minimum', Bin.Min, x, y), [x, y], (g, needs) => {
    const takeA = le(x, y);
    return [needs[0] ? mul(g, takeA) : null, needs[1] ? mul(g, sub(1, takeA)) : null];
  });
}

// Comparisons: 1 where true, 0 where false, in the operands' dtype. Not differentiable.
/** @example eq(tensor([1, 2]), tensor([1, 3])) // [1, 0] */
export const eq = (a: TensorLike, b: TensorLike): Tensor => forward('eq', Bin.Eq, ...coerce('eq', a, b));
/** @example gt(tensor([1, 3]), 2) // [0, 1] */
export const gt = (a: TensorLike, b: TensorLike): Tensor => forward('gt', Bin.Gt, ...coerce('gt', a, b));
/** @example ge(tensor([1, 2]), 2) // [0, 1] */
export const ge = (a: TensorLike, b: TensorLike): Tensor => forward('ge', Bin.Ge, ...coerce('ge', a, b));
/** @example lt(tensor([1, 3]), 2) // [1, 0] */
export const lt = (a: TensorLike, b: TensorLike): Tensor => forward('lt', Bin.Lt, ...coerce('lt', a, b));
/** @example le(tensor([1, 3]), 2) // [1, 0] */
export const le = (a: TensorLike, b: TensorLike): Tensor => forward('le', Bin.Le, ...coerce('le', a, b));

/**
 * a + s·b for a number s, in one pass: the SGD-style step θ - α·g of inner loops. Linear in a
 * and b: their gradients are g and s·g.
 * @example addScaled(tensor([1, 2]), tensor([10, 20]), -0.5) // [-4, -8]
 */
export function addScaled(a: TensorLike, b: TensorLike, s: number): Tensor {
  const [x, y] = coerce('addScaled', a, b);
  expectNumber('addScaled', 's', s);
  if (!sameShape(x.shape, y.shape)) return add(x, mul(y, s)); // broadcasting: the composed path
  const out = allocate(x.dtype, x.size, false);
  kernels().axpy(x.data, y.data, s, out);
  return record('addScaled', new Tensor(out, x.shape), [x, y], (g, needs) => [needs[0] ? g : null, needs[1] ? mul(g, s) : null]);
}

// ---- unary ----

function map(code: Un, x: Tensor): Tensor {
  const out = allocate(x.dtype, x.size, false);
  kernels().unary(code, x.data, out);
  return new Tensor(out, x.shape);
}

/**
 * -x
 * @example neg(tensor([1, -2])) // [-1, 2]
 */
export function neg(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('neg', x, 'x');
  return record('neg', map(Un.Neg, x), [x], (g) => [neg(g)]);
}

/**
 * e^x
 * @example exp(tensor([0, 1])) // [1, 2.718...]
 */
export function exp(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('exp', x, 'x');
  const out = map(Un.Exp, x);
  return record('exp', out, [x], (g) => [mul(g, out)]);
}

/**
 * Natural logarithm.
 * @example log(tensor([1, Math.E])) // [0, 1]
 */
export function log(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('log', x, 'x');
  return record('log', map(Un.Log, x), [x], (g) => [div(g, x)]);
}

/**
 * Square root.
 * @example sqrt(tensor([4, 9])) // [2, 3]
 */
export function sqrt(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('sqrt', x, 'x');
  const out = map(Un.Sqrt, x);
  return record('sqrt', out, [x], (g) => [div(g, mul(out, 2))]);
}

/**
 * |x|; the gradient at 0 is 0, as in PyTorch.
 * @example abs(tensor([-2, 3])) // [2, 3]
 */
export function abs(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('abs', x, 'x');
  return record('abs', map(Un.Abs, x), [x], (g) => [mul(g, sign(x))]);
}

/**
 * Hyperbolic tangent.
 * @example tanh(tensor([0])) // [0]
 */
export function tanh(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('tanh', x, 'x');
  const out = map(Un.Tanh, x);
  return record('tanh', out, [x], (g) => [mul(g, sub(1, mul(out, out)))]);
}

/**
 * Logistic sigmoid 1 / (1 + e^-x), stable for large |x|.
 * @example sigmoid(tensor([0])) // [0.5]
 */
export function sigmoid(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('sigmoid', x, 'x');
  const out = map(Un.Sigmoid, x);
  return record('sigmoid', out, [x], (g) => [mul(g, mul(out, sub(1, out)))]);
}

/**
 * max(x, 0); the gradient at 0 is 0.
 * @example relu(tensor([-1, 2])) // [0, 2]
 */
export function relu(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('relu', x, 'x');
  return record('relu', map(Un.Relu, x), [x], (g) => [gate(g, x)]);
}

/**
 * g where x > 0, else 0: relu's VJP in one pass. Linear in g (its VJP gates again); x only
 * selects, so no gradient flows to it (relu's second derivative is 0 almost everywhere).
 * @example gate(tensor([5, 6]), tensor([-1, 2])) // [0, 6]
 */
export function gate(g: TensorLike, x: TensorLike): Tensor {
  const [a, b] = coerce('gate', g, x);
  return record('gate', forward('gate', Bin.Gate, a, b), [a, b], (gg, needs) => [needs[0] ? gate(gg, b) : null, null]);
}

/**
 * -1, 0 or 1 by the sign of x. Piecewise constant: not on the tape.
 * @example sign(tensor([-3, 0, 2])) // [-1, 0, 1]
 */
export function sign(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('sign', x, 'x');
  return map(Un.Sign, x);
}

/**
 * x * x, with the rule g·2x: two ops on the tape where mul(x, x)'s would take three (g·x twice
 * and their sum), which MSE losses pay at every order of differentiation.
 * @example square(tensor([3])) // [9]
 */
export function square(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('square', x, 'x');
  return record('square', forward('square', Bin.Mul, x, x), [x], (g) => [mul(g, mul(x, 2))]);
}

/**
 * log(1 + e^x), computed as relu(x) + log(1 + e^-|x|) so it never overflows.
 * @example softplus(tensor([0])) // [log 2]
 */
export function softplus(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) notATensor('softplus', x, 'x');
  return add(relu(x), log(add(exp(neg(abs(x))), 1)));
}
