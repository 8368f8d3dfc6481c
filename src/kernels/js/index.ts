// The JS reference backend: every kernel in plain TypeScript, float32 and float64.
import type { ConvGeometry, FloatArray, Kernels } from '../types.ts';
import { gemm_js } from './gemm.ts';
import { col2im_js, im2col_js } from './conv.ts';
import { binary, broadcastCopy, reduce, unary } from './strided.ts';

/** conv2d forward through im2col and one batched GEMM (the JS twin of the fused kernel). */
function conv2dForward_js(x: FloatArray, w: FloatArray, o: number, g: ConvGeometry, out: FloatArray): void {
  const k = g.c * g.kh * g.kw;
  const l = g.outH * g.outW;
  const cols = x instanceof Float64Array ? new Float64Array(g.n * k * l) : new Float32Array(g.n * k * l);
  im2col_js(x, g, cols);
  gemm_js({ batch: g.n, m: o, n: l, k, transA: false, transB: false, a: w, strideA: 0, b: cols, strideB: k * l, c: out });
}

/** out = a + s·b; in float32 the product is rounded before the sum, as the WASM kernel does. */
function axpy_js(a: FloatArray, b: FloatArray, s: number, out: FloatArray): void {
  const n = out.length;
  if (out instanceof Float32Array) {
    const sf = Math.fround(s);
    for (let i = 0; i < n; i++) out[i] = a[i] + Math.fround(sf * b[i]);
  } else {
    for (let i = 0; i < n; i++) out[i] = a[i] + s * b[i];
  }
}

export const jsKernels: Kernels = {
  name: 'js',
  kernelNames: { gemm: 'gemm_js', im2col: 'im2col_js', col2im: 'col2im_js', binary: 'binary_js', unary: 'unary_js', reduce: 'reduce_js', broadcast: 'broadcast_js', conv2dForward: 'conv2dForward_js', axpy: 'axpy_js' },
  gemm: gemm_js,
  im2col: im2col_js,
  col2im: col2im_js,
  binary,
  unary,
  reduce,
  broadcast: broadcastCopy,
  conv2dForward: conv2dForward_js,
  axpy: axpy_js,
};
