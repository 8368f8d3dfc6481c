// f32 elementwise kernels: the binary ops over two operands that are each either dense (stride
// 1) or one broadcast scalar (stride 0), and the unary ops that have a SIMD instruction. The op
// codes are src/kernels/opcodes.ts's (Bin, Un), imported from there: one definition for JS and
// WASM. Ops without an instruction (pow, exp, log, tanh, sigmoid) stay in JS. For +, -, *, / and
// sqrt the f32 results equal the JS twin's bit for bit (JS computes in f64 and rounds once,
// which is exact for these).
//   f32_binary_wasmsimd / f32_unary_wasmsimd in the SIMD builds, scalar loops otherwise.
import { Bin, Un } from '../src/kernels/opcodes';

const ADD = Bin.Add, SUB = Bin.Sub, MUL = Bin.Mul, DIV = Bin.Div, MAX = Bin.Max, MIN = Bin.Min;
const EQ = Bin.Eq, GT = Bin.Gt, GE = Bin.Ge, LT = Bin.Lt, LE = Bin.Le, GATE = Bin.Gate;
const NEG = Un.Neg, SQRT = Un.Sqrt, ABS = Un.Abs, RELU = Un.Relu, SIGN = Un.Sign, STEP = Un.Step;

/** 1 when f32_binary handles this op code: every binary op but pow, which has no instruction. */
export function f32_binary_supports(code: i32): i32 {
  return code >= Bin.Add && code <= Bin.Gate && code != Bin.Pow ? 1 : 0;
}

/** 1 when f32_unary handles this op code. */
export function f32_unary_supports(code: i32): i32 {
  return code == NEG || code == SQRT || code == ABS || code == RELU || code == SIGN || code == STEP ? 1 : 0;
}

// @ts-ignore: decorator
@inline
function scalarBinary(code: i32, x: f32, y: f32): f32 {
  switch (code) {
    case ADD: return x + y;
    case SUB: return x - y;
    case MUL: return x * y;
    case DIV: return x / y;
    case MAX: return x != x || y != y ? NaN : max(x, y);
    case MIN: return x != x || y != y ? NaN : min(x, y);
    case EQ: return x == y ? 1 : 0;
    case GT: return x > y ? 1 : 0;
    case GE: return x >= y ? 1 : 0;
    case LT: return x < y ? 1 : 0;
    case LE: return x <= y ? 1 : 0;
    default: return y > 0 ? x : 0; // GATE
  }
}

// @ts-ignore: decorator
@inline
function vectorBinary(code: i32, x: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  switch (code) {
    case ADD: return f32x4.add(x, y);
    case SUB: return f32x4.sub(x, y);
    case MUL: return f32x4.mul(x, y);
    case DIV: return f32x4.div(x, y);
    case MAX: return f32x4.max(x, y);
    case MIN: return f32x4.min(x, y);
    case EQ: return v128.and(f32x4.eq(x, y), one);
    case GT: return v128.and(f32x4.gt(x, y), one);
    case GE: return v128.and(f32x4.ge(x, y), one);
    case LT: return v128.and(f32x4.lt(x, y), one);
    case LE: return v128.and(f32x4.le(x, y), one);
    default: return v128.and(f32x4.gt(y, f32x4.splat(0)), x); // GATE
  }
}

// Dense + - * and gate, the ops a meta-step runs most, as loops of their own: Binaryen folds the
// generic loop's per-op copies back into one with the switch inside (measured on 10k elements:
// add 2.0 us in the generic loop, 1.1 here).
function denseHot(code: i32, a: usize, b: usize, out: usize, n4: i32): bool {
  const end = <usize>n4 << 2;
  const zero = f32x4.splat(0);
  if (code == ADD) {
    for (let p: usize = 0; p < end; p += 16) v128.store(out + p, f32x4.add(v128.load(a + p), v128.load(b + p)));
  } else if (code == SUB) {
    for (let p: usize = 0; p < end; p += 16) v128.store(out + p, f32x4.sub(v128.load(a + p), v128.load(b + p)));
  } else if (code == MUL) {
    for (let p: usize = 0; p < end; p += 16) v128.store(out + p, f32x4.mul(v128.load(a + p), v128.load(b + p)));
  } else if (code == GATE) {
    for (let p: usize = 0; p < end; p += 16) v128.store(out + p, v128.and(f32x4.gt(v128.load(b + p), zero), v128.load(a + p)));
  } else {
    return false;
  }
  return true;
}

// x * s and x + s for a scalar s (b broadcast): the rules' scalings (the inner step's VJP).
function scalarHot(code: i32, a: usize, s: f32, out: usize, n4: i32): bool {
  const end = <usize>n4 << 2;
  const sv = f32x4.splat(s);
  if (code == MUL) {
    for (let p: usize = 0; p < end; p += 16) v128.store(out + p, f32x4.mul(v128.load(a + p), sv));
  } else if (code == ADD) {
    for (let p: usize = 0; p < end; p += 16) v128.store(out + p, f32x4.add(v128.load(a + p), sv));
  } else {
    return false;
  }
  return true;
}

/** out[i] = a[i*sa] op b[i*sb] for i < n, with sa, sb in {0, 1}. */
export function f32_binary(code: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && sa != 0 && (sb != 0 ? denseHot(code, a, b, out, n & ~3) : scalarHot(code, a, load<f32>(b), out, n & ~3))) {
    i = n & ~3;
  } else if (ASC_FEATURE_SIMD) {
    const av = f32x4.splat(load<f32>(a));
    const bv = f32x4.splat(load<f32>(b));
    // One loop per op and stride pattern: the switch and the stride tests stay out of the loop.
    const n4 = n & ~3;
    if (sa != 0 && sb != 0) {
      for (; i < n4; i += 4) v128.store(out + (<usize>i << 2), vectorBinary(code, v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2))));
    } else if (sa != 0) {
      for (; i < n4; i += 4) v128.store(out + (<usize>i << 2), vectorBinary(code, v128.load(a + (<usize>i << 2)), bv));
    } else if (sb != 0) {
      for (; i < n4; i += 4) v128.store(out + (<usize>i << 2), vectorBinary(code, av, v128.load(b + (<usize>i << 2))));
    }
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), scalarBinary(code, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

// @ts-ignore: decorator
@inline
function scalarUnary(code: i32, x: f32): f32 {
  switch (code) {
    case NEG: return -x;
    case SQRT: return sqrt<f32>(x);
    case ABS: return abs<f32>(x);
    case RELU: return x > 0 ? x : 0;
    case SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
    default: return x > 0 ? 1 : 0;
  }
}

// @ts-ignore: decorator
@inline
function vectorUnary(code: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (code) {
    case NEG: return f32x4.neg(x);
    case SQRT: return f32x4.sqrt(x);
    case ABS: return f32x4.abs(x);
    case RELU: return v128.and(f32x4.gt(x, zero), x); // NaN -> 0, as the JS twin's x > 0 ? x : 0
    case SIGN: return v128.or(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), f32x4.splat(-1)));
    default: return v128.and(f32x4.gt(x, zero), one);
  }
}

/** out[i] = f(x[i]) for i < n. */
export function f32_unary(code: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    for (; i < n4; i += 4) v128.store(out + (<usize>i << 2), vectorUnary(code, v128.load(x + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), scalarUnary(code, load<f32>(x + (<usize>i << 2))));
}

/**
 * out[i][j][l] = a[i*as0 + j*as1 + l*as2] op b[i*bs0 + j*bs1 + l*bs2] over [d0, d1, d2], out
 * dense; the inner strides as2, bs2 are 0 or 1. Covers the broadcasts that coalesce to three
 * axes or fewer, like a bias [T, 1, O] added to [T, K, O].
 */
export function f32_binary3(code: i32, a: usize, as0: i32, as1: i32, as2: i32, b: usize, bs0: i32, bs1: i32, bs2: i32,
  out: usize, d0: i32, d1: i32, d2: i32): void {
  let o = out;
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      f32_binary(code, a + (<usize>(i * as0 + j * as1) << 2), as2, b + (<usize>(i * bs0 + j * bs1) << 2), bs2, o, d2);
      o += <usize>d2 << 2;
    }
  }
}

/**
 * out[i*os0 + j*os1 + l*os2] += x[dense i, j, l] over [d0, d1, d2]: a sum over the axes whose out
 * stride is 0 (out must be zeroed first). The inner axis is either kept (os2 = 1: rows add
 * into rows) or reduced (os2 = 0: a row sums into one element).
 */
export function f32_sum3(x: usize, out: usize, d0: i32, d1: i32, d2: i32, os0: i32, os1: i32, os2: i32): void {
  let src = x;
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      const dst = out + (<usize>(i * os0 + j * os1) << 2);
      let l = 0;
      if (os2 != 0) {
        if (ASC_FEATURE_SIMD) {
          for (; l + 4 <= d2; l += 4) {
            const p = dst + (<usize>l << 2);
            v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>l << 2))));
          }
        }
        for (; l < d2; l++) store<f32>(dst + (<usize>l << 2), load<f32>(dst + (<usize>l << 2)) + load<f32>(src + (<usize>l << 2)));
      } else {
        let acc: f64 = 0; // like the JS twin: a row is summed in double precision
        for (; l < d2; l++) acc += <f64>load<f32>(src + (<usize>l << 2));
        store<f32>(dst, <f32>(<f64>load<f32>(dst) + acc));
      }
      src += <usize>d2 << 2;
    }
  }
}

/** out (dense [d0, d1, d2]) = x read with strides xs0, xs1, xs2 (xs2 is 0 or 1): a broadcast copy. */
export function f32_broadcast3(x: usize, xs0: i32, xs1: i32, xs2: i32, out: usize, d0: i32, d1: i32, d2: i32): void {
  let o = out;
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      const src = x + (<usize>(i * xs0 + j * xs1) << 2);
      if (xs2 != 0) {
        memory.copy(o, src, <usize>d2 << 2);
      } else {
        const v = load<f32>(src);
        for (let l = 0; l < d2; l++) store<f32>(o + (<usize>l << 2), v);
      }
      o += <usize>d2 << 2;
    }
  }
}

/** out = a + s·b over n elements, in f32 (s·b rounded, then the sum): an SGD-style update. */
export function f32_axpy(a: usize, b: usize, s: f32, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const p = <usize>i << 2;
      v128.store(out + p, f32x4.add(v128.load(a + p), f32x4.mul(sv, v128.load(b + p))));
    }
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(out + p, load<f32>(a + p) + s * load<f32>(b + p));
  }
}

/**
 * The GEMM epilogue of a fused linear layer: c[t][i][j] = act(c[t][i][j] + bias[t·biasStride + j])
 * over [batch, m, n], bias only when hasBias, act relu when relu (else identity). One pass over C
 * while it is still in cache; the same roundings as the separate add and relu kernels.
 */
export function f32_bias_act(c: usize, bias: usize, hasBias: i32, biasStride: i32, batch: i32, m: i32, n: i32, relu: i32): void {
  let row = c;
  for (let t = 0; t < batch; t++) {
    const bt = bias + (<usize>(t * biasStride) << 2);
    for (let i = 0; i < m; i++) {
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const zero = f32x4.splat(0);
        for (; j + 4 <= n; j += 4) {
          const p = row + (<usize>j << 2);
          let v = v128.load(p);
          if (hasBias) v = f32x4.add(v, v128.load(bt + (<usize>j << 2)));
          if (relu) v = v128.and(f32x4.gt(v, zero), v);
          v128.store(p, v);
        }
      }
      for (; j < n; j++) {
        const p = row + (<usize>j << 2);
        let v = load<f32>(p);
        if (hasBias) v += load<f32>(bt + (<usize>j << 2));
        if (relu) v = v > 0 ? v : 0;
        store<f32>(p, v);
      }
      row += <usize>n << 2;
    }
  }
}
