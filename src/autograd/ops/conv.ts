// Convolution, NCHW like PyTorch (cross-correlation, no kernel flip). Two linear primitives,
// im2col and col2im, are each other's VJP; conv2d = matmul(filters, im2col(x)), so both of its
// gradients (input and filter) and all higher ones come from matmul's and im2col's rules.
import { ArgumentError, ShapeError, fmtShape } from '../../errors.ts';
import { kernels } from '../../kernels/backend.ts';
import type { ConvGeometry } from '../../kernels/types.ts';
import { isGradEnabled, record } from '../tape.ts';
import { Tensor, allocate, notATensor } from '../tensor.ts';
import { add, coerce } from './elementwise.ts';
import { matmulT } from './matmul.ts';
import { reshape } from './reshape.ts';
import { checkShape } from '../shape.ts';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
}

function pair(op: string, name: string, v: number | readonly [number, number] | undefined, dflt: number, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new ShapeError(`${op}: ${name} must be an integer >= ${min} (or a pair), got ${JSON.stringify(v)}`);
  }
  return p;
}

/** A ConvGeometry whose sizes are integers that fit x and agree with each other. */
function checkGeometry(op: string, g: ConvGeometry, xShape: readonly number[]): void {
  const keys = ['n', 'c', 'h', 'w', 'kh', 'kw', 'strideH', 'strideW', 'padH', 'padW', 'outH', 'outW'] as const;
  if (g === null || typeof g !== 'object' || keys.some((k) => !Number.isInteger(g[k]) || g[k] < 0)) {
    throw new ArgumentError(`${op}: geometry must have integer ${keys.join(', ')} >= 0, got ${JSON.stringify(g)}`);
  }
  if (g.strideH < 1 || g.strideW < 1 || g.outH !== Math.floor((g.h + 2 * g.padH - g.kh) / g.strideH) + 1 ||
    g.outW !== Math.floor((g.w + 2 * g.padW - g.kw) / g.strideW) + 1) {
    throw new ArgumentError(`${op}: geometry ${JSON.stringify(g)} is inconsistent (strides >= 1; outH, outW from h, w, padding and kernel)`);
  }
  const want = op === 'im2col' ? [g.n, g.c, g.h, g.w] : [g.n, g.c * g.kh * g.kw, g.outH * g.outW];
  if (xShape.length !== want.length || xShape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: input ${fmtShape(xShape)} does not match the geometry's ${fmtShape(want)}`);
  }
  checkShape(op, op === 'im2col' ? [g.n, g.c * g.kh * g.kw, g.outH * g.outW] : [g.n, g.c, g.h, g.w]);
}

/**
 * x [n, c, h, w] -> columns [n, c*kh*kw, outH*outW].
 * @example im2col(ones([1, 1, 3, 3]), { n: 1, c: 1, h: 3, w: 3, kh: 2, kw: 2, strideH: 1, strideW: 1, padH: 0, padW: 0, outH: 2, outW: 2 }).shape // [1, 4, 4]
 */
export function im2col(x: Tensor, g: ConvGeometry): Tensor {
  if (!(x instanceof Tensor)) notATensor('im2col', x, 'x');
  checkGeometry('im2col', g, x.shape);
  const out = allocate(x.dtype, g.n * g.c * g.kh * g.kw * g.outH * g.outW);
  kernels().im2col(x.data, g, out);
  return record('im2col', new Tensor(out, [g.n, g.c * g.kh * g.kw, g.outH * g.outW]), [x], (grad) => [col2im(grad, g)]);
}

/**
 * columns [n, c*kh*kw, outH*outW] -> [n, c, h, w], overlapping taps summed.
 * @example col2im(ones([1, 9, 4]), { n: 1, c: 1, h: 4, w: 4, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 0, padW: 0, outH: 2, outW: 2 }).shape // [1, 1, 4, 4]
 */
export function col2im(cols: Tensor, g: ConvGeometry): Tensor {
  if (!(cols instanceof Tensor)) notATensor('col2im', cols, 'cols');
  checkGeometry('col2im', g, cols.shape);
  const out = allocate(cols.dtype, g.n * g.c * g.h * g.w);
  kernels().col2im(cols.data, g, out);
  return record('col2im', new Tensor(out, [g.n, g.c, g.h, g.w]), [cols], (grad) => [im2col(grad, g)]);
}

/**
 * 2-D convolution: x [N, C, H, W], w [O, C, kh, kw], optional bias [O] -> [N, O, outH, outW].
 * @example conv2d(randn([2, 3, 8, 8]), randn([4, 3, 3, 3]), zeros([4]), { stride: 1, padding: 1 }).shape // [2, 4, 8, 8]
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  if (!(x instanceof Tensor)) notATensor('conv2d', x, 'x');
  if (!(w instanceof Tensor)) notATensor('conv2d', w, 'w');
  [x, w] = coerce('conv2d', x, w);
  if (x.ndim !== 4 || w.ndim !== 4) {
    throw new ShapeError(`conv2d: expected x [N,C,H,W] and w [O,C,kh,kw], got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  }
  const [n, c, h, wd] = x.shape;
  const [o, wc, kh, kw] = w.shape;
  if (wc !== c) {
    throw new ShapeError(`conv2d: channel mismatch: x ${fmtShape(x.shape)} has ${c} channels, w ${fmtShape(w.shape)} expects ${wc}`);
  }
  const [strideH, strideW] = pair('conv2d', 'stride', options.stride, 1, 1);
  const [padH, padW] = pair('conv2d', 'padding', options.padding, 0, 0);
  const outH = Math.floor((h + 2 * padH - kh) / strideH) + 1;
  const outW = Math.floor((wd + 2 * padW - kw) / strideW) + 1;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(`conv2d: kernel ${kh}x${kw} does not fit input ${fmtShape(x.shape)} with padding ${padH},${padW}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError(`conv2d: bias ${fmtShape(bias.shape)} does not match ${o} output channels of w ${fmtShape(w.shape)}`);
  }
  checkShape('conv2d', [n, o, outH, outW]);
  checkShape('conv2d', [n, c * kh * kw, outH, outW]); // the im2col columns
  const g: ConvGeometry = { n, c, h, w: wd, kh, kw, strideH, strideW, padH, padW, outH, outW };
  if (!isGradEnabled() || !(x.requiresGrad || w.requiresGrad || bias?.requiresGrad)) {
    // Nothing to differentiate: one fused kernel, the columns never leave it.
    const y = new Tensor(allocate(x.dtype, n * o * outH * outW), [n, o, outH, outW]);
    kernels().conv2dForward(x.data, w.data, o, g, y.data);
    return bias ? add(y, reshape(bias, [1, o, 1, 1])) : y;
  }
  const cols = im2col(x, g);
  let out = reshape(matmulT(reshape(w, [o, c * kh * kw]), cols), [n, o, outH, outW]);
  if (bias) out = add(out, reshape(bias, [1, o, 1, 1]));
  return out;
}

/**
 * 1-D convolution: x [N, C, L], w [O, C, k], optional bias [O] -> [N, O, outL].
 * @example conv1d(randn([2, 3, 10]), randn([4, 3, 3]), null, { padding: 1 }).shape // [2, 4, 10]
 */
export function conv1d(x: Tensor, w: Tensor, bias?: Tensor | null, options: Conv1dOptions = {}): Tensor {
  if (!(x instanceof Tensor)) notATensor('conv1d', x, 'x');
  if (!(w instanceof Tensor)) notATensor('conv1d', w, 'w');
  if (x.ndim !== 3 || w.ndim !== 3) {
    throw new ShapeError(`conv1d: expected x [N,C,L] and w [O,C,k], got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  }
  if (w.shape[1] !== x.shape[1]) {
    throw new ShapeError(`conv1d: channel mismatch: x ${fmtShape(x.shape)} has ${x.shape[1]} channels, w ${fmtShape(w.shape)} expects ${w.shape[1]}`);
  }
  const stride = pair('conv1d', 'stride', options.stride, 1, 1)[0];
  const padding = pair('conv1d', 'padding', options.padding, 0, 0)[0];
  const [n, c, l] = x.shape;
  const [o, , k] = w.shape;
  const y = conv2d(reshape(x, [n, c, 1, l]), reshape(w, [o, c, 1, k]), bias, { stride: [1, stride], padding: [0, padding] });
  return reshape(y, [n, o, y.shape[3]]);
}
