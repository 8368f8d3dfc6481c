// Products with a dimension of 1, which small meta-learning nets are full of (a 40 -> 1 output
// layer, its weight gradient, the 1 -> 40 input layer): packing them into 4x8 tiles wastes 7/8
// of every tile and costs more than the arithmetic (1.7-4.9 GFLOP/s measured). Here they are
// matrix-vector products and outer products over the operands as they lie: no packing.
import { madd } from './gemm-tiles.generated';

// out[i] = Σ_p M[i·ldm + p] · v[p] for i < rows, p < len (M's rows against a vector).
export function f32_dot_rows(mat: usize, ldm: i32, v: usize, out: usize, rows: i32, len: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = mat + <usize>(i * ldm) * 4;
    let p = 0;
    let s: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      for (; p + 8 <= len; p += 8) {
        const o = <usize>p << 2;
        acc0 = madd(v128.load(row + o), v128.load(v + o), acc0);
        acc1 = madd(v128.load(row + o, 16), v128.load(v + o, 16), acc1);
      }
      const acc = f32x4.add(acc0, acc1);
      s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    } else {
      // The same order without SIMD (eight partial sums over p mod 8, lanes l and l + 4 added
      // pairwise, then left to right), so the scalar build equals the SIMD one bit for bit.
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
      for (; p + 8 <= len; p += 8) {
        const r = row + (<usize>p << 2);
        const w = v + (<usize>p << 2);
        s0 += load<f32>(r) * load<f32>(w); s1 += load<f32>(r, 4) * load<f32>(w, 4);
        s2 += load<f32>(r, 8) * load<f32>(w, 8); s3 += load<f32>(r, 12) * load<f32>(w, 12);
        s4 += load<f32>(r, 16) * load<f32>(w, 16); s5 += load<f32>(r, 20) * load<f32>(w, 20);
        s6 += load<f32>(r, 24) * load<f32>(w, 24); s7 += load<f32>(r, 28) * load<f32>(w, 28);
      }
      s = (s0 + s4) + (s1 + s5) + (s2 + s6) + (s3 + s7);
    }
    for (; p < len; p++) s += load<f32>(row + (<usize>p << 2)) * load<f32>(v + (<usize>p << 2));
    store<f32>(out + (<usize>i << 2), s);
  }
}

// out[j] = Σ_p v[p] · M[p·ldm + j] for p < count, j < len (a vector against M's rows).
export function f32_sum_rows(mat: usize, ldm: i32, v: usize, out: usize, count: i32, len: i32): void {
  memory.fill(out, 0, <usize>len << 2);
  for (let p = 0; p < count; p++) {
    const row = mat + <usize>(p * ldm) * 4;
    const s = load<f32>(v + (<usize>p << 2));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const sv = f32x4.splat(s);
      for (; j + 4 <= len; j += 4) {
        const o = <usize>j << 2;
        v128.store(out + o, madd(sv, v128.load(row + o), v128.load(out + o)));
      }
    }
    for (; j < len; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + s * load<f32>(row + o));
    }
  }
}

// out[i·n + j] = a[i] · b[j] (k = 1: an outer product).
export function f32_outer(a: usize, b: usize, out: usize, m: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    const s = load<f32>(a + (<usize>i << 2));
    const row = out + <usize>(i * n) * 4;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const sv = f32x4.splat(s);
      for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), f32x4.mul(sv, v128.load(b + (<usize>j << 2))));
    }
    for (; j < n; j++) store<f32>(row + (<usize>j << 2), s * load<f32>(b + (<usize>j << 2)));
  }
}

/**
 * One product C[m, n] = op(A) · op(B) when m, n or k is 1, without packing; false when none
 * is (the caller runs the packed GEMM). A vector operand is contiguous however it is stored.
 */
export function gemvProduct(transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): bool {
  if (k == 1) {
    f32_outer(a, b, c, m, n);
  } else if (n == 1) {
    if (transA == 0) f32_dot_rows(a, k, b, c, m, k);
    else f32_sum_rows(a, m, b, c, k, m);
  } else if (m == 1) {
    if (transB == 0) f32_sum_rows(b, n, a, c, k, n);
    else f32_dot_rows(b, k, a, c, n, k);
  } else {
    return false;
  }
  return true;
}
