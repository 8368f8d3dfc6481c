// The JS reference backend: every kernel in plain TypeScript, float32 and float64.
import type { Kernels } from '../types.ts';
import { gemm_js } from './gemm.ts';
import { col2im_js, im2col_js } from './conv.ts';
import { binary, broadcastCopy, reduce, unary } from './strided.ts';

export const jsKernels: Kernels = {
  name: 'js',
  kernelNames: { gemm: 'gemm_js', im2col: 'im2col_js', col2im: 'col2im_js', binary: 'binary_js', unary: 'unary_js', reduce: 'reduce_js', broadcast: 'broadcast_js' },
  gemm: gemm_js,
  im2col: im2col_js,
  col2im: col2im_js,
  binary,
  unary,
  reduce,
  broadcast: broadcastCopy,
};
