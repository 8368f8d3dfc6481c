// A·Bᵀ for small products as dot products: C[i][j] = Σ_p A[i·k + p]·B[j·k + p], both rows
// contiguous in p, so nothing is packed (packing a transposed B cost a third of MAML's
// 10x40·40x40ᵀ). A 2x4 block keeps 8 accumulators of 4 partial sums each, reduced at the end
// by two 4x4 shuffles; every element is summed the same way whichever block computes it, so
// results do not depend on how columns are split across threads.
import { madd } from './gemm-tiles.generated';

// [Σx0, Σx1, Σx2, Σx3] from four vectors of partial sums: each Σx = (x[0] + x[2]) + (x[1] + x[3]).
// @ts-ignore: decorator
@inline
function hsum4(x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const a = f32x4.add(v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), v128.shuffle<f32>(x0, x1, 2, 6, 3, 7));
  const b = f32x4.add(v128.shuffle<f32>(x2, x3, 0, 4, 1, 5), v128.shuffle<f32>(x2, x3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
}

// The same reduction for one vector: (x[0] + x[2]) + (x[1] + x[3]).
// @ts-ignore: decorator
@inline
function hsum1(x: v128): f32 {
  return (f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 2)) + (f32x4.extract_lane(x, 1) + f32x4.extract_lane(x, 3));
}

// Tail of a dot product past the last whole 4-step, added in order.
// @ts-ignore: decorator
@inline
function tail(s: f32, a: usize, b: usize, k4: i32, k: i32): f32 {
  for (let p = k4; p < k; p++) s += load<f32>(a + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return s;
}

function rows2cols4(k: i32, a0: usize, a1: usize, b: usize, c: usize, ldc: i32): void {
  const kb = <usize>k << 2;
  const b1 = b + kb, b2 = b + 2 * kb, b3 = b + 3 * kb;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const k4 = k & ~3;
  for (let p: usize = 0; p < (<usize>k4 << 2); p += 16) {
    const x0 = v128.load(a0 + p);
    const x1 = v128.load(a1 + p);
    let y = v128.load(b + p);
    c00 = madd(x0, y, c00); c10 = madd(x1, y, c10);
    y = v128.load(b1 + p);
    c01 = madd(x0, y, c01); c11 = madd(x1, y, c11);
    y = v128.load(b2 + p);
    c02 = madd(x0, y, c02); c12 = madd(x1, y, c12);
    y = v128.load(b3 + p);
    c03 = madd(x0, y, c03); c13 = madd(x1, y, c13);
  }
  let r0 = hsum4(c00, c01, c02, c03);
  let r1 = hsum4(c10, c11, c12, c13);
  if (k4 < k) {
    r0 = f32x4.replace_lane(r0, 0, tail(f32x4.extract_lane(r0, 0), a0, b, k4, k));
    r0 = f32x4.replace_lane(r0, 1, tail(f32x4.extract_lane(r0, 1), a0, b1, k4, k));
    r0 = f32x4.replace_lane(r0, 2, tail(f32x4.extract_lane(r0, 2), a0, b2, k4, k));
    r0 = f32x4.replace_lane(r0, 3, tail(f32x4.extract_lane(r0, 3), a0, b3, k4, k));
    r1 = f32x4.replace_lane(r1, 0, tail(f32x4.extract_lane(r1, 0), a1, b, k4, k));
    r1 = f32x4.replace_lane(r1, 1, tail(f32x4.extract_lane(r1, 1), a1, b1, k4, k));
    r1 = f32x4.replace_lane(r1, 2, tail(f32x4.extract_lane(r1, 2), a1, b2, k4, k));
    r1 = f32x4.replace_lane(r1, 3, tail(f32x4.extract_lane(r1, 3), a1, b3, k4, k));
  }
  v128.store(c, r0);
  v128.store(c + (<usize>ldc << 2), r1);
}

// One element, summed exactly as the blocks above sum theirs.
function dot1(k: i32, a: usize, b: usize): f32 {
  let acc = f32x4.splat(0);
  const k4 = k & ~3;
  for (let p: usize = 0; p < (<usize>k4 << 2); p += 16) acc = madd(v128.load(a + p), v128.load(b + p), acc);
  return tail(hsum1(acc), a, b, k4, k);
}

// dot1's order without SIMD: four partial sums over p mod 4, reduced as hsum1 reduces them, then
// the tail. The scalar build sums every A·Bᵀ element this way, so it equals the SIMD build bit
// for bit (plain SIMD multiplies, then adds: two roundings, as scalar f32 does).
function dot1Scalar(k: i32, a: usize, b: usize): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  const k4 = k & ~3;
  for (let p: usize = 0; p < (<usize>k4 << 2); p += 16) {
    s0 += load<f32>(a + p) * load<f32>(b + p);
    s1 += load<f32>(a + p, 4) * load<f32>(b + p, 4);
    s2 += load<f32>(a + p, 8) * load<f32>(b + p, 8);
    s3 += load<f32>(a + p, 12) * load<f32>(b + p, 12);
  }
  return tail((s0 + s2) + (s1 + s3), a, b, k4, k);
}

/** C[i][j] = A[i]·B[j] for i < m, jBegin <= j < jEnd: A [m, k] and B [n, k] row-major, C [m, n]. */
export function gemmDotABt(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, jBegin: i32, jEnd: i32): void {
  const kb = <usize>k << 2;
  if (!ASC_FEATURE_SIMD) {
    for (let i = 0; i < m; i++) {
      const a0 = a + <usize>i * kb;
      const cRow = c + (<usize>(i * n) << 2);
      for (let j = jBegin; j < jEnd; j++) store<f32>(cRow + (<usize>j << 2), dot1Scalar(k, a0, b + <usize>j * kb));
    }
    return;
  }
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = a + <usize>i * kb;
    const cRow = c + (<usize>(i * n) << 2);
    let j = jBegin;
    for (; j + 4 <= jEnd; j += 4) rows2cols4(k, a0, a0 + kb, b + <usize>j * kb, cRow + (<usize>j << 2), n);
    for (; j < jEnd; j++) {
      store<f32>(cRow + (<usize>j << 2), dot1(k, a0, b + <usize>j * kb));
      store<f32>(cRow + (<usize>(n + j) << 2), dot1(k, a0 + kb, b + <usize>j * kb));
    }
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * kb;
    const cRow = c + (<usize>(i * n) << 2);
    for (let j = jBegin; j < jEnd; j++) store<f32>(cRow + (<usize>j << 2), dot1(k, a0, b + <usize>j * kb));
  }
}
