// Strided loops over dense row-major arrays: broadcasting binary ops, unary maps, reductions,
// broadcast copies, permutes and box copies. Plain JS on every backend: these are memory-bound,
// and a copy into WASM memory would cost as much as the loop itself.
import type { FloatArray } from '../types.ts';
import { Bin, Red, Un } from '../opcodes.ts';

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides of `shape` read as `outShape` under broadcasting (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

/**
 * Calls row(offsets..., outOffset, n) once per innermost row of `outShape`, where offsets are the
 * positions of each operand under its strides. Adjacent axes that are contiguous in every
 * operand are merged first, so same-shape operands take a single row.
 */
export function forEachRow(
  outShape: readonly number[],
  operandStrides: number[][],
  row: (offsets: number[], outOffset: number, n: number, innerStrides: number[]) => void,
): void {
  const { dims, strides } = coalesce(outShape, operandStrides);
  const nOps = operandStrides.length;
  if (dims.length === 0) {
    row(new Array(nOps).fill(0), 0, 1, new Array(nOps).fill(0));
    return;
  }
  const inner = dims.length - 1;
  const n = dims[inner];
  const innerStrides = strides.map((s) => s[inner]);
  const idx = new Array<number>(inner).fill(0);
  const offs = new Array<number>(nOps).fill(0);
  let outOffset = 0;
  for (;;) {
    row(offs, outOffset, n, innerStrides);
    outOffset += n;
    let ax = inner - 1;
    while (ax >= 0) {
      idx[ax]++;
      for (let k = 0; k < nOps; k++) offs[k] += strides[k][ax];
      if (idx[ax] < dims[ax]) break;
      for (let k = 0; k < nOps; k++) offs[k] -= strides[k][ax] * dims[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/**
 * The broadcast of operands onto outShape with adjacent axes merged wherever every operand is
 * contiguous across them: dims and each operand's strides, at most as many axes as outShape.
 */
export function coalesce(outShape: readonly number[], operandStrides: number[][]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && operandStrides.every((s, k) => strides[k][last] === s[i] * d)) {
      dims[last] *= d;
      operandStrides.forEach((s, k) => (strides[k][last] = s[i]));
    } else {
      dims.push(d);
      operandStrides.forEach((s, k) => strides[k].push(s[i]));
    }
  }
  return { dims, strides };
}


/** out[outShape] = a op b, with a and b broadcast to outShape. */
export function binary(code: Bin, a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[],
  out: FloatArray, outShape: readonly number[]): void {
  // Fast paths without stride bookkeeping: same size (hence same shape), or a one-element side.
  const n = out.length;
  if (a.length === n && b.length === n) return binaryDense(code, a, b, out, n);
  if (b.length === 1 && a.length === n) return binaryRow(code, a, 0, 1, b, 0, 0, out, 0, n);
  if (a.length === 1 && b.length === n) return binaryRow(code, a, 0, 0, b, 0, 1, out, 0, n);
  forEachRow(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)], (offs, o, n, st) =>
    binaryRow(code, a, offs[0], st[0], b, offs[1], st[1], out, o, n));
}

// The dense case without index arithmetic: the plain loops V8 compiles best (3x faster than
// binaryRow's strided ones on 1k elements, measured).
function binaryDense(code: Bin, a: FloatArray, b: FloatArray, o: FloatArray, n: number): void {
  switch (code) {
    case Bin.Add: for (let i = 0; i < n; i++) o[i] = a[i] + b[i]; return;
    case Bin.Sub: for (let i = 0; i < n; i++) o[i] = a[i] - b[i]; return;
    case Bin.Mul: for (let i = 0; i < n; i++) o[i] = a[i] * b[i]; return;
    case Bin.Div: for (let i = 0; i < n; i++) o[i] = a[i] / b[i]; return;
    case Bin.Gate: for (let i = 0; i < n; i++) o[i] = b[i] > 0 ? a[i] : 0; return;
    default: binaryRow(code, a, 0, 1, b, 0, 1, o, 0, n);
  }
}

function binaryRow(code: Bin, a: FloatArray, ia: number, sa: number, b: FloatArray, ib: number, sb: number,
  o: FloatArray, io: number, n: number): void {
  switch (code) {
    case Bin.Add: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] + b[ib + i * sb]; return;
    case Bin.Sub: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] - b[ib + i * sb]; return;
    case Bin.Mul: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] * b[ib + i * sb]; return;
    case Bin.Div: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] / b[ib + i * sb]; return;
    case Bin.Pow: for (let i = 0; i < n; i++) o[io + i] = Math.pow(a[ia + i * sa], b[ib + i * sb]); return;
    case Bin.Max: for (let i = 0; i < n; i++) o[io + i] = Math.max(a[ia + i * sa], b[ib + i * sb]); return;
    case Bin.Min: for (let i = 0; i < n; i++) o[io + i] = Math.min(a[ia + i * sa], b[ib + i * sb]); return;
    case Bin.Eq: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] === b[ib + i * sb] ? 1 : 0; return;
    case Bin.Gt: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] > b[ib + i * sb] ? 1 : 0; return;
    case Bin.Ge: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] >= b[ib + i * sb] ? 1 : 0; return;
    case Bin.Lt: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] < b[ib + i * sb] ? 1 : 0; return;
    case Bin.Le: for (let i = 0; i < n; i++) o[io + i] = a[ia + i * sa] <= b[ib + i * sb] ? 1 : 0; return;
    case Bin.Gate: for (let i = 0; i < n; i++) o[io + i] = b[ib + i * sb] > 0 ? a[ia + i * sa] : 0; return;
  }
}


/** out = f(x), elementwise over dense arrays of equal length. */
export function unary(code: Un, x: FloatArray, out: FloatArray): void {
  const n = x.length;
  switch (code) {
    case Un.Neg: for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case Un.Exp: for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case Un.Log: for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case Un.Sqrt: for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case Un.Abs: for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case Un.Tanh: for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case Un.Sigmoid:
      // Two branches so neither exp overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      return;
    case Un.Relu: for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0; return;
    case Un.Sign: for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0; return;
    case Un.Step: for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : 0; return;
  }
}


/** out[outShape] = reduce of x over the axes where reduced[axis]; out is shaped with kept 1s. */
export function reduce(code: Red, x: FloatArray, shape: readonly number[], reduced: readonly boolean[], out: FloatArray): void {
  const outStrideOwn = stridesOf(shape.map((d, i) => (reduced[i] ? 1 : d)));
  const outStrides = shape.map((_, i) => (reduced[i] ? 0 : outStrideOwn[i]));
  out.fill(code === Red.Sum ? 0 : -Infinity);
  if (x.length === 0) return;
  forEachRow(shape, [stridesOf(shape), outStrides], (offs, _o, n, st) => {
    const ix = offs[0];
    const io = offs[1];
    const so = st[1];
    if (code === Red.Sum) {
      if (so === 0) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += x[ix + i];
        out[io] += acc;
      } else {
        for (let i = 0; i < n; i++) out[io + i * so] += x[ix + i];
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = x[ix + i];
        const j = io + i * so;
        if (v > out[j] || v !== v) out[j] = v; // NaN propagates, as in NumPy
      }
    }
  });
}

/** out[outShape] = x broadcast to outShape. */
export function broadcastCopy(x: FloatArray, shape: readonly number[], out: FloatArray, outShape: readonly number[]): void {
  forEachRow(outShape, [broadcastStrides(shape, outShape)], (offs, o, n, st) => {
    const ix = offs[0];
    const s = st[0];
    for (let i = 0; i < n; i++) out[o + i] = x[ix + i * s];
  });
}

/** out = x with axes permuted: out.shape[i] = shape[perm[i]]. */
export function permute(x: FloatArray, shape: readonly number[], perm: readonly number[], out: FloatArray): void {
  const s = stridesOf(shape);
  forEachRow(perm.map((p) => shape[p]), [perm.map((p) => s[p])], (offs, o, n, st) => {
    const ix = offs[0];
    const sx = st[0];
    for (let i = 0; i < n; i++) out[o + i] = x[ix + i * sx];
  });
}

/**
 * Copies a box of shape `box` from src (shaped srcShape, starting at srcStart) into dst
 * (shaped dstShape, starting at dstStart). Slice, pad and concat are all this one loop.
 */
export function copyBox(src: FloatArray, srcShape: readonly number[], srcStart: readonly number[],
  dst: FloatArray, dstShape: readonly number[], dstStart: readonly number[], box: readonly number[]): void {
  if (box.some((d) => d === 0)) return;
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  let s0 = 0;
  let d0 = 0;
  for (let i = 0; i < box.length; i++) {
    s0 += srcStart[i] * ss[i];
    d0 += dstStart[i] * ds[i];
  }
  forEachRow(box, [ss, ds], (offs, _o, n, st) => {
    const is = s0 + offs[0];
    const id = d0 + offs[1];
    const a = st[0];
    const b = st[1];
    for (let i = 0; i < n; i++) dst[id + i * b] = src[is + i * a];
  });
}
