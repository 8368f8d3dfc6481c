// The Kernels interface: the hot loops an op hands its data to. Each backend (JS reference,
// WASM SIMD, WASM scalar) provides every kernel; src/kernels/backend.ts picks the active one.
// Kernels work on dense row-major typed arrays and never allocate tensors.

import type { BumpRegion } from './bump.ts';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;
export type BackendName = 'wasm-simd' | 'wasm' | 'js';

/** Batched GEMM arguments: C_t = op(A_t) · op(B_t) for t < batch; C is dense [batch, m, n]. */
export interface GemmArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A_t is stored [m, k], or [k, m] when transA. */
  transA: boolean;
  /** B_t is stored [k, n], or [n, k] when transB. */
  transB: boolean;
  a: FloatArray;
  /** Elements between consecutive A_t; 0 broadcasts one A over the batch. */
  strideA: number;
  b: FloatArray;
  strideB: number;
  c: FloatArray;
  /**
   * Optional epilogue of a fused linear layer: C_t += a bias row (bias[t·biasStride .. + n];
   * biasStride 0 shares one row across the batch), then relu. Same roundings as a separate add
   * and relu.
   */
  bias?: FloatArray;
  biasStride?: number;
  relu?: boolean;
}

/** Convolution geometry shared by im2col and col2im (NCHW, square-free: separate h and w). */
export interface ConvGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

/**
 * A region tidy() carves tensors from by a bump pointer, between `top` and `end` bytes of
 * `buffer`. A WASM backend lends its linear memory so its kernels read and write those tensors
 * in place. `overflowBytes` counts what did not fit (it went to ordinary memory) and is still
 * held: a nested tidy's end rewinds it with `top`. `overflowPeak`, its most at any moment, is
 * what the next region adds. (The total overflowed over-counts by the nested tidies' reuse:
 * a TRPO step's ten Fisher-vector products asked for 9 GB more where 1 GB more sufficed.)
 */
export interface Arena extends BumpRegion {
  readonly buffer: ArrayBuffer;
  overflowBytes: number;
  overflowPeak: number;
}

export interface Kernels {
  readonly name: BackendName;
  /** Names of the concrete kernels behind each entry, for reports (e.g. f32_gemm_4x8_wasmsimd). */
  readonly kernelNames: Readonly<Record<KernelName, string>>;
  gemm(args: GemmArgs): void;
  /** x [n, c, h, w] -> cols [n, c*kh*kw, outH*outW]. */
  im2col(x: FloatArray, g: ConvGeometry, cols: FloatArray): void;
  /** cols [n, c*kh*kw, outH*outW] -> x [n, c, h, w], summing overlaps (the adjoint of im2col). */
  col2im(cols: FloatArray, g: ConvGeometry, x: FloatArray): void;
  /** out[outShape] = a op b with broadcasting; `code` is a Bin code (src/kernels/opcodes.ts). */
  binary(code: number, a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[], out: FloatArray, outShape: readonly number[]): void;
  /** out = f(x) elementwise; `code` is an Un code. */
  unary(code: number, x: FloatArray, out: FloatArray): void;
  /** out (x's shape with reduced axes at 1) = the Red reduction of x over the flagged axes. */
  reduce(code: number, x: FloatArray, shape: readonly number[], reduced: readonly boolean[], out: FloatArray): void;
  /** out[outShape] = x broadcast to outShape. */
  broadcast(x: FloatArray, shape: readonly number[], out: FloatArray, outShape: readonly number[]): void;
  /**
   * Convolution forward with nothing kept for a backward: out [n, o, outH*outW] = w [o, c*kh*kw]
   * · im2col(x), the columns never leaving the kernel's memory.
   */
  conv2dForward(x: FloatArray, w: FloatArray, o: number, g: ConvGeometry, out: FloatArray): void;
  /** out = a + s·b elementwise (a and b the same length), rounded as the array type does. */
  axpy(a: FloatArray, b: FloatArray, s: number, out: FloatArray): void;
  /**
   * Optional: lends a region of the backend's own memory to the outermost tidy(), which must
   * closeArena() it when it ends; until then the backend does nothing that would move or
   * detach that memory. null when it cannot lend one now.
   */
  openArena?(): Arena | null;
  closeArena?(arena: Arena): void;
}

export type KernelName = 'gemm' | 'im2col' | 'col2im' | 'binary' | 'unary' | 'reduce' | 'broadcast' | 'conv2dForward' | 'axpy';
export const KERNEL_NAMES: readonly KernelName[] = ['gemm', 'im2col', 'col2im', 'binary', 'unary', 'reduce', 'broadcast', 'conv2dForward', 'axpy'];
