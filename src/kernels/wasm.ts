// WASM backends: a compiled AssemblyScript module (SIMD or scalar build) as Kernels. Each
// wrapper stages its operands (wasm-arena.ts), calls the kernel, copies the result out; float64,
// patterns the kernels do not take and sizes below the thresholds run on the JS twin.
import { BackendError } from '../errors.ts';
import { jsKernels } from './js/index.ts';
import { broadcastStrides, coalesce, stridesOf } from './js/strided.ts';
import { Red } from './opcodes.ts';
import type { ConvGeometry, FloatArray, GemmArgs, Kernels } from './types.ts';
import { align16 } from './bump.ts';
import { LinearMemory } from './linear-memory.ts';
import { wasmArena, type ArenaReserve } from './wasm-arena.ts';

export type { ArenaReserve } from './wasm-arena.ts';

/**
 * Multiply-adds below which a product runs on the JS twin. `npm run bench -- --suite crossover`
 * measured the SIMD kernel, copies included, level with JS at 4x4x4 (64) and 5x faster at 8x8x8.
 */
export const WASM_MIN_MACS = 128;

/**
 * Elements below which an elementwise op on operands outside WASM memory stays in JS: the
 * copies in and out and the call cost a fixed ~0.2 us, and JS runs ~2 ns an element against
 * ~0.3 in WASM SIMD; `npm run bench -- --suite crossover` puts the crossing near 128 (a
 * product by elements: JS 0.28 us, WASM 0.26 at 128; JS 0.15, WASM 0.24 at 64).
 */
export const WASM_MIN_ELEMENTS = 128;

interface KernelExports {
  f32_binary(code: number, a: number, sa: number, b: number, sb: number, out: number, n: number): void;
  f32_binary3(code: number, a: number, as0: number, as1: number, as2: number, b: number, bs0: number, bs1: number, bs2: number,
    out: number, d0: number, d1: number, d2: number): void;
  f32_unary(code: number, x: number, out: number, n: number): void;
  f32_sum3(x: number, out: number, d0: number, d1: number, d2: number, os0: number, os1: number, os2: number): void;
  f32_broadcast3(x: number, xs0: number, xs1: number, xs2: number, out: number, d0: number, d1: number, d2: number): void;
  f32_im2col(x: number, cols: number, ...geometry: number[]): void;
  f32_axpy(a: number, b: number, s: number, out: number, n: number): void;
  f32_bias_act(c: number, bias: number, hasBias: number, biasStride: number, batch: number, m: number, n: number, relu: number): void;
  f32_col2im(cols: number, x: number, ...geometry: number[]): void;
  f32_binary_supports(code: number): number;
  f32_unary_supports(code: number): number;
  memory: WebAssembly.Memory;
  f32_gemm(
    batch: number, transA: number, transB: number, m: number, n: number, k: number,
    a: number, strideA: number, b: number, strideB: number, c: number, pa: number, pb: number,
  ): void;
  packABytes(): number;
  packBBytes(n: number): number;
  simdLevel(): number;
}

/**
 * Strided operand patterns over `shape` merged (coalesce) and padded to exactly three axes, or
 * null when they need more than three, or (innerUnit) an operand's inner stride is not 0 or 1.
 */
function threeAxes(shape: readonly number[], strides: number[][], innerUnit: boolean): { dims: number[]; strides: number[][] } | null {
  const c = coalesce(shape, strides);
  const r = c.dims.length;
  if (r > 3 || r === 0 || (innerUnit && c.strides.some((st) => st[r - 1] > 1))) return null;
  while (c.dims.length < 3) {
    c.dims.unshift(1);
    for (const st of c.strides) st.unshift(0);
  }
  return c;
}

const REQUIRED_EXPORTS = ['memory', 'f32_gemm', 'packABytes', 'packBBytes', 'f32_binary', 'f32_unary', 'f32_sum3', 'f32_broadcast3',
  'f32_im2col', 'f32_col2im', 'f32_axpy', 'f32_bias_act', 'f32_binary_supports', 'f32_unary_supports'] as const;

/** The module's exports, checked to be a metagrad kernel module's, and its SIMD level. */
function kernelExports(instance: WebAssembly.Instance): { ex: KernelExports; level: number } {
  const ex = instance.exports as unknown as KernelExports;
  for (const name of REQUIRED_EXPORTS) {
    if (!(name in ex)) throw new BackendError(`initWasm: the module lacks the export "${name}"; is it a metagrad kernel module?`);
  }
  // (modules built before the rename call it hasSimd: bench:ab instantiates older revisions)
  const simdLevel = ex.simdLevel ?? (ex as unknown as { hasSimd?: () => number }).hasSimd;
  if (!simdLevel) throw new BackendError('initWasm: the module lacks the export "simdLevel"; is it a metagrad kernel module?');
  return { ex, level: simdLevel() }; // 2 relaxed SIMD, 1 SIMD, 0 scalar
}

/** What each kernel of a build is called, so a benchmark row or a search names the real loop. */
function kernelNames(level: number): Kernels['kernelNames'] {
  const simd = level >= 1;
  const gemm = level === 2 ? 'f32_gemm_4x8_wasmrelaxedsimd' : simd ? 'f32_gemm_4x8_wasmsimd' : 'f32_gemm_4x4_wasm';
  return {
    gemm,
    im2col: 'f32_im2col_wasm',
    col2im: 'f32_col2im_wasm',
    axpy: simd ? 'f32_axpy_wasmsimd' : 'f32_axpy_wasm',
    conv2dForward: `f32_im2col_wasm + ${gemm}`,
    binary: simd ? 'f32_binary_wasmsimd' : 'f32_binary_wasm',
    unary: simd ? 'f32_unary_wasmsimd' : 'f32_unary_wasm',
    reduce: simd ? 'f32_sum3_wasmsimd' : 'f32_sum3_wasm',
    broadcast: 'f32_broadcast3_wasm',
  };
}

/**
 * Wraps an instantiated kernel module as a Kernels backend. minMacs and minElements route
 * smaller f32 products and elementwise ops to the JS twins (tests pass 0 to exercise the WASM
 * kernels on every size).
 */
export function wasmKernels(instance: WebAssembly.Instance, minMacs = WASM_MIN_MACS, minElements = WASM_MIN_ELEMENTS,
  reserve: ArenaReserve = {}): Kernels {
  const { ex, level } = kernelExports(instance);
  const packA = ex.packABytes();
  const mem = new LinearMemory(ex.memory);
  const { openArena, closeArena, stage, copyOut } = wasmArena(mem, reserve);

  const resident = (a: FloatArray) => mem.holds(a);
  // Below minElements an op runs on the JS twin, since copying in and out costs more than the
  // loop; operands already in this memory (a tidy's tensors) copy nothing, so they stay here.
  const small = (n: number, x: FloatArray, y: FloatArray, z?: FloatArray) =>
    n < minElements && !(resident(x) && resident(y) && (z === undefined || resident(z)));

  // Each wrapper decides in one expression whether the call runs here (f32, a kernel for it, big
  // enough or already resident, a pattern the kernel takes, room to stage) and otherwise hands
  // it to the JS twin in one place.

  function gemm(args: GemmArgs): void {
    const { batch, m, n, k, a, b, c, bias } = args;
    const ok = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array &&
      (bias === undefined || bias instanceof Float32Array) && batch * m * n * k >= minMacs;
    const at = ok ? stage(bias ? [a, b, bias] : [a, b], [c], packA + ex.packBBytes(n)) : null;
    if (at === null) return jsKernels.gemm(args);
    const [aOff, bOff] = at;
    const [biasOff, cOff, scratch] = bias ? at.slice(2) : [0, ...at.slice(2)];
    ex.f32_gemm(batch, args.transA ? 1 : 0, args.transB ? 1 : 0, m, n, k,
      aOff, args.strideA, bOff, args.strideB, cOff, scratch, scratch + packA);
    if (bias || args.relu) ex.f32_bias_act(cOff, biasOff, bias ? 1 : 0, args.biasStride ?? 0, batch, m, n, args.relu ? 1 : 0);
    copyOut(cOff, c);
  }

  const binarySupported = Array.from({ length: 16 }, (_, c) => ex.f32_binary_supports(c) === 1);
  const unarySupported = Array.from({ length: 16 }, (_, c) => ex.f32_unary_supports(c) === 1);

  // Dense or scalar operands, and broadcasts that merge to three axes with an inner stride of
  // 0 or 1 (a bias [T, 1, O] on [T, K, O]); other patterns, float64, small sizes and ops
  // without an instruction run in JS.
  function binary(code: number, a: FloatArray, aShape: readonly number[], b: FloatArray, bShape: readonly number[], out: FloatArray, outShape: readonly number[]): void {
    const n = out.length;
    const ok = out instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array && binarySupported[code] && !small(n, a, b, out);
    const simple = (a.length === n || a.length === 1) && (b.length === n || b.length === 1);
    const axes = ok && !simple ? threeAxes(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)], true) : null;
    const at = ok && (simple || axes) ? stage([a, b], [out]) : null;
    if (at === null) return jsKernels.binary(code, a, aShape, b, bShape, out, outShape);
    const [aOff, bOff, oOff] = at;
    if (axes === null) {
      ex.f32_binary(code, aOff, a.length === n ? 1 : 0, bOff, b.length === n ? 1 : 0, oOff, n);
    } else {
      const { dims, strides: [sa, sb] } = axes;
      ex.f32_binary3(code, aOff, sa[0], sa[1], sa[2], bOff, sb[0], sb[1], sb[2], oOff, dims[0], dims[1], dims[2]);
    }
    copyOut(oOff, out);
  }

  function unary(code: number, x: FloatArray, out: FloatArray): void {
    const ok = out instanceof Float32Array && x instanceof Float32Array && unarySupported[code] && !small(out.length, x, out);
    const at = ok ? stage([x], [out]) : null;
    if (at === null) return jsKernels.unary(code, x, out);
    ex.f32_unary(code, at[0], at[1], out.length);
    copyOut(at[1], out);
  }

  // Sums whose axes merge to three or fewer; max and float64 stay in JS.
  function reduce(code: number, x: FloatArray, shape: readonly number[], reduced: readonly boolean[], out: FloatArray): void {
    const ok = code === Red.Sum && x instanceof Float32Array && out instanceof Float32Array && !small(x.length, x, out);
    const outOwn = ok ? stridesOf(shape.map((d, i) => (reduced[i] ? 1 : d))) : [];
    const axes = ok ? threeAxes(shape, [stridesOf(shape), shape.map((_, i) => (reduced[i] ? 0 : outOwn[i]))], false) : null;
    const at = ok && axes ? stage([x], [out]) : null;
    if (at === null || axes === null) return jsKernels.reduce(code, x, shape, reduced, out);
    const [xOff, oOff] = at;
    const { dims, strides: [, os] } = axes;
    mem.heap.fill(0, oOff >> 2, (oOff >> 2) + out.length);
    ex.f32_sum3(xOff, oOff, dims[0], dims[1], dims[2], os[0], os[1], os[2]);
    copyOut(oOff, out);
  }

  // Broadcast copies whose axes merge to three or fewer with an inner stride of 0 or 1.
  function broadcast(x: FloatArray, shape: readonly number[], out: FloatArray, outShape: readonly number[]): void {
    const ok = x instanceof Float32Array && out instanceof Float32Array && !small(out.length, x, out);
    const axes = ok ? threeAxes(outShape, [broadcastStrides(shape, outShape)], true) : null;
    const at = ok && axes ? stage([x], [out]) : null;
    if (at === null || axes === null) return jsKernels.broadcast(x, shape, out, outShape);
    const { dims, strides: [xs] } = axes;
    ex.f32_broadcast3(at[0], xs[0], xs[1], xs[2], at[1], dims[0], dims[1], dims[2]);
    copyOut(at[1], out);
  }

  const geometryArgs = (g: ConvGeometry) => [g.n, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW];

  function im2col(x: FloatArray, g: ConvGeometry, cols: FloatArray): void {
    const at = x instanceof Float32Array && cols instanceof Float32Array && !small(cols.length, x, cols) ? stage([x], [cols]) : null;
    if (at === null) return jsKernels.im2col(x, g, cols);
    ex.f32_im2col(at[0], at[1], ...geometryArgs(g));
    copyOut(at[1], cols);
  }

  function col2im(cols: FloatArray, g: ConvGeometry, x: FloatArray): void {
    const at = x instanceof Float32Array && cols instanceof Float32Array && !small(cols.length, cols, x) ? stage([cols], [x]) : null;
    if (at === null) return jsKernels.col2im(cols, g, x);
    ex.f32_col2im(at[0], at[1], ...geometryArgs(g));
    copyOut(at[1], x);
  }

  // Image by image: im2col into scratch, then the GEMM, so each image's columns (c·kh·kw x
  // outH·outW floats, ~225 KB for 14x14x32 3x3) are still in cache when the GEMM packs them.
  function conv2dForward(x: FloatArray, w: FloatArray, o: number, g: ConvGeometry, out: FloatArray): void {
    const k = g.c * g.kh * g.kw;
    const l = g.outH * g.outW;
    const colsBytes = align16(k * l * 4);
    const ok = x instanceof Float32Array && w instanceof Float32Array && out instanceof Float32Array;
    const at = ok ? stage([x, w], [out], colsBytes + packA + ex.packBBytes(l)) : null;
    if (at === null) return jsKernels.conv2dForward(x, w, o, g, out);
    const [xOff, wOff, outOff, colsOff] = at;
    const scratch = colsOff + colsBytes;
    const one = geometryArgs({ ...g, n: 1 });
    const imageBytes = g.c * g.h * g.w * 4;
    for (let b = 0; b < g.n; b++) {
      ex.f32_im2col(xOff + b * imageBytes, colsOff, ...one);
      ex.f32_gemm(1, 0, 0, o, l, k, wOff, 0, colsOff, 0, outOff + b * o * l * 4, scratch, scratch + packA);
    }
    copyOut(outOff, out);
  }

  function axpy(a: FloatArray, b: FloatArray, s: number, out: FloatArray): void {
    const ok = a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && !small(out.length, a, b, out);
    const at = ok ? stage([a, b], [out]) : null;
    if (at === null) return jsKernels.axpy(a, b, s, out);
    ex.f32_axpy(at[0], at[1], s, at[2], out.length);
    copyOut(at[2], out);
  }

  return {
    name: level >= 1 ? 'wasm-simd' : 'wasm',
    kernelNames: kernelNames(level),
    gemm,
    im2col,
    col2im,
    conv2dForward,
    axpy,
    binary,
    unary,
    reduce,
    broadcast,
    openArena,
    closeArena,
  };
}
