// f32 GEMM for metagrad: C[M,N] = op(A)[M,K] · op(B)[K,N], row-major, batched.
//
// Compiled three times from this one source (targets in asconfig.json):
//   relaxed build -> f32_gemm_4x8_wasmrelaxedsimd (the 4x8 tile with fused multiply-add)
//   SIMD build    -> f32_gemm_4x8_wasmsimd (4 rows x 8 columns, 8 f32x4 accumulators)
//   scalar build  -> f32_gemm_4x4_wasm     (4 x 4 scalar accumulators)
// `ASC_FEATURE_SIMD` / `ASC_FEATURE_RELAXED_SIMD` are compile-time constants, so each build
// contains only its own kernel.
//
// Goto-style blocking: a KC-deep slab of op(B) is packed into 8-column panels, an MC x KC block
// of op(A) into 4-row panels (transposes are absorbed by the packing), and the micro-kernels
// (assembly/gemm-tiles.generated.ts, one per MR x NR from one template) stream both panels.
// Partial tiles are zero-padded in the packs; some edges run on narrower tiles straight into
// C, the rest through a small scratch tile (see edgeTile). No micro-kernel branches on edges.
// Products with m, n or k of 1 skip packing altogether (assembly/gemv.ts), and so do small
// A·Bᵀ, as dot products of rows (assembly/gemm-dot.ts).
//
// Memory is owned by the JS side (src/kernels/wasm.ts): it lays out A, B, C and the two pack
// buffers in linear memory and passes byte offsets. The module has no allocator.

import {
  madd, f32_gemm_4x8_wasmsimd, f32_gemm_2x8_wasmsimd, f32_gemm_1x8_wasmsimd, f32_gemm_4x4_wasmsimd, f32_gemm_2x4_wasmsimd,
  f32_gemm_1x4_wasmsimd, f32_gemm_4x4_wasm, f32_gemm_2x4_wasm, f32_gemm_1x4_wasm,
  f32_gemm_4x8_wasmsimd_strided, f32_gemm_2x8_wasmsimd_strided, f32_gemm_1x8_wasmsimd_strided,
} from './gemm-tiles.generated';
import { gemvProduct } from './gemv';
import { gemmDotABt } from './gemm-dot';

const MR: i32 = 4;
const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 64;

// 4x8 scratch tile for edge tiles of f32_gemm; lives in the first 128 bytes the JS side reserves.
const EDGE_TILE: usize = 0;

/** Bytes of scratch the caller must reserve for the A pack: MC x KC floats. */
export function packABytes(): i32 {
  return MC * KC * 4;
}

/** Bytes of scratch the caller must reserve for the B pack of a product with N columns. */
export function packBBytes(n: i32): i32 {
  return KC * (((n + NR - 1) / NR) * NR) * 4;
}

// op(B)[k0..k0+kc, jBegin..jEnd] -> panels of NR columns:
// pb[((j-jBegin)/NR)*kc*NR + k*NR + (j%NR)]. Missing columns of an edge panel are zero.
function packB(b: usize, transB: i32, k0: i32, kc: i32, n: i32, kTotal: i32, pb: usize, jBegin: i32, jEnd: i32): void {
  const panels = (jEnd - jBegin + NR - 1) / NR;
  for (let p = 0; p < panels; p++) {
    const j0 = jBegin + p * NR;
    const cols = min(NR, jEnd - j0);
    const panel = pb + <usize>(p * kc * NR) * 4;
    if (transB == 0) {
      // B stored [kTotal, n]: each panel row is NR contiguous floats of a B row.
      let dst = panel;
      for (let k = 0; k < kc; k++) {
        const src = b + <usize>((k0 + k) * n + j0) * 4;
        if (cols == NR) {
          if (ASC_FEATURE_SIMD) {
            v128.store(dst, v128.load(src));
            v128.store(dst, v128.load(src, 16), 16);
          } else {
            for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
          }
        } else {
          for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
        }
        dst += NR * 4;
      }
    } else {
      // B stored [n, kTotal], op(B)[k][j] = B[j][k]. Full panels in the SIMD build: 4x4 blocks
      // (4 source rows x 4 k) transposed in registers; the rest element by element.
      let k = 0;
      if (ASC_FEATURE_SIMD && cols == NR) {
        const row = <usize>kTotal << 2;
        const src0 = b + <usize>(j0 * kTotal + k0) * 4;
        for (; k + 4 <= kc; k += 4) {
          for (let half = 0; half < 2; half++) {
            const s = src0 + <usize>(half * 4) * row + (<usize>k << 2);
            const r0 = v128.load(s), r1 = v128.load(s + row), r2 = v128.load(s + 2 * row), r3 = v128.load(s + 3 * row);
            const lo01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
            const lo23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
            const hi01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
            const hi23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
            const d = panel + <usize>(k * NR + half * 4) * 4;
            v128.store(d, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));           // k+0
            v128.store(d + NR * 4, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7));  // k+1
            v128.store(d + NR * 8, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5));  // k+2
            v128.store(d + NR * 12, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7)); // k+3
          }
        }
      }
      for (let j = 0; j < NR; j++) {
        let d = panel + <usize>(k * NR + j) * 4;
        const src = b + <usize>((j0 + j) * kTotal + k0) * 4;
        for (let kk = k; kk < kc; kk++) {
          store<f32>(d, j < cols ? load<f32>(src + (<usize>kk << 2)) : 0);
          d += NR * 4;
        }
      }
    }
  }
}

// op(A)[i0..i0+mc, k0..k0+kc] -> panels of MR rows: pa[(i/MR)*kc*MR + k*MR + (i%MR)].
function packA(a: usize, transA: i32, i0: i32, mc: i32, k0: i32, kc: i32, m: i32, kTotal: i32, pa: usize): void {
  const panels = (mc + MR - 1) / MR;
  for (let p = 0; p < panels; p++) {
    const r0 = i0 + p * MR;
    const rows = min(MR, i0 + mc - r0);
    let dst = pa + <usize>(p * kc * MR) * 4;
    if (ASC_FEATURE_SIMD) {
      if (transA == 0 && rows == MR) {
        // A stored [m, kTotal], a whole panel: 4 rows x 4 k transposed in registers, so each
        // store is one k step of the panel (element-by-element scattering was a tenth of a
        // 512 product, and each of two threads paid it for all of A).
        const src0 = a + <usize>(r0 * kTotal + k0) * 4;
        const ld = <usize>kTotal << 2;
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const x0 = v128.load(src0 + o);
          const x1 = v128.load(src0 + ld + o);
          const x2 = v128.load(src0 + 2 * ld + o);
          const x3 = v128.load(src0 + 3 * ld + o);
          const lo01 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
          const lo23 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
          const hi01 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
          const hi23 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
          v128.store(dst, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7), 16);
          v128.store(dst, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), 32);
          v128.store(dst, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7), 48);
          dst += 64;
        }
        for (; k < kc; k++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), load<f32>(src0 + <usize>r * ld + (<usize>k << 2)));
          dst += MR * 4;
        }
        continue;
      }
    }
    if (transA == 0) {
      // A stored [m, kTotal], a partial panel: walk each row, scatter into the panel.
      for (let r = 0; r < MR; r++) {
        let d = dst + (<usize>r << 2);
        if (r < rows) {
          const src = a + <usize>((r0 + r) * kTotal + k0) * 4;
          for (let k = 0; k < kc; k++) {
            store<f32>(d, load<f32>(src + (<usize>k << 2)));
            d += MR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(d, 0);
            d += MR * 4;
          }
        }
      }
    } else {
      // A stored [kTotal, m]: op(A)[i][k] = A[k][i]; MR consecutive rows are contiguous.
      for (let k = 0; k < kc; k++) {
        const src = a + <usize>((k0 + k) * m + r0) * 4;
        if (rows == MR) {
          if (ASC_FEATURE_SIMD) {
            v128.store(dst, v128.load(src));
          } else {
            for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), load<f32>(src + (<usize>r << 2)));
          }
        } else {
          for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
        }
        dst += MR * 4;
      }
    }
  }
}

// The full 4x8 tile, straight into C (the scalar build: two 4x4 halves).
// @ts-ignore: decorator
@inline
function tile4x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool): void {
  if (ASC_FEATURE_SIMD) {
    f32_gemm_4x8_wasmsimd(kc, pa, pb, c, ldc, accumulate);
  } else {
    f32_gemm_4x4_wasm(kc, pa, pb, c, ldc, accumulate);
    f32_gemm_4x4_wasm(kc, pa, pb + 16, c + 16, ldc, accumulate);
  }
}

// An edge tile (rows < 4 or cols < 8). A narrower tile is hardly faster: with fewer
// accumulator chains it waits on the multiply-add latency instead of filling the pipeline (a
// 255x255 product ran 5% slower when its 3-row edges took a 2x8 and a 1x8 tile rather than one
// 4x8 into scratch). What it saves is the scratch round trip, so 1 or 2 full-width rows and
// exactly 4 columns go straight into C (10x40 products: 6-10% faster); anything else is a 4x8
// tile computed into the scratch tile at `edge`, of which the valid part is copied out.
function edgeTile(rows: i32, cols: i32, kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool, edge: usize): void {
  if (ASC_FEATURE_SIMD) {
    if (cols == NR && rows <= 2) {
      if (rows == 2) f32_gemm_2x8_wasmsimd(kc, pa, pb, c, ldc, accumulate);
      else f32_gemm_1x8_wasmsimd(kc, pa, pb, c, ldc, accumulate);
      return;
    }
    if (cols == 4 && rows != 3) {
      if (rows == 4) f32_gemm_4x4_wasmsimd(kc, pa, pb, c, ldc, accumulate);
      else if (rows == 2) f32_gemm_2x4_wasmsimd(kc, pa, pb, c, ldc, accumulate);
      else f32_gemm_1x4_wasmsimd(kc, pa, pb, c, ldc, accumulate);
      return;
    }
  } else if (cols == 4 || cols == NR) {
    const halves = cols / 4;
    for (let h = 0; h < halves; h++) {
      const pbh = pb + <usize>(h * 16);
      const ch = c + <usize>(h * 16);
      if (rows == 4) f32_gemm_4x4_wasm(kc, pa, pbh, ch, ldc, accumulate);
      else if (rows == 2) f32_gemm_2x4_wasm(kc, pa, pbh, ch, ldc, accumulate);
      else if (rows == 1) f32_gemm_1x4_wasm(kc, pa, pbh, ch, ldc, accumulate);
      else {
        f32_gemm_2x4_wasm(kc, pa, pbh, ch, ldc, accumulate);
        f32_gemm_1x4_wasm(kc, pa + 8, pbh, ch + <usize>(2 * ldc) * 4, ldc, accumulate);
      }
    }
    return;
  }
  tile4x8(kc, pa, pb, edge, NR, false);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const dst = c + <usize>(r * ldc + q) * 4;
      const v = load<f32>(edge + <usize>(r * NR + q) * 4);
      store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
    }
  }
}

// Small products straight from the operands: when A and B together fit in L1 (DIRECT_FLOATS)
// and B's rows are contiguous (not transposed) and whole 8-column panels, packing costs about
// what the arithmetic does (MAML's per-task 10x40·40x40). Edge rows take the 2- and 1-row tiles.
const DIRECT_FLOATS: i32 = 8192;

function gemmDirect(transA: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, jBegin: i32, jEnd: i32): void {
  const aRow: usize = transA ? 4 : <usize>k << 2;
  const aStep: usize = transA ? <usize>m << 2 : 4;
  const bStep: usize = <usize>n << 2;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    const pa = a + (transA ? <usize>i0 << 2 : <usize>(i0 * k) << 2);
    for (let j0 = jBegin; j0 < jEnd; j0 += NR) {
      const pb = b + (<usize>j0 << 2);
      const ct = c + <usize>(i0 * n + j0) * 4;
      if (rows == MR) {
        f32_gemm_4x8_wasmsimd_strided(k, pa, pb, ct, n, false, aRow, aStep, bStep);
        continue;
      }
      let r = 0;
      if (rows >= 2) {
        f32_gemm_2x8_wasmsimd_strided(k, pa, pb, ct, n, false, aRow, aStep, bStep);
        r = 2;
      }
      if (rows & 1) f32_gemm_1x8_wasmsimd_strided(k, pa + <usize>r * aRow, pb, ct + <usize>(r * n) * 4, n, false, aRow, aStep, bStep);
    }
  }
}

// C[:, jBegin..jEnd] of one product; edge is this thread's scratch tile.
function gemmOne(transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, pa: usize, pb: usize, bPacked: bool,
  edge: usize, jBegin: i32, jEnd: i32): void {
  if (k == 0) {
    memory.fill(c, 0, <usize>(m * n) * 4);
    return;
  }
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const accumulate = k0 > 0;
    if (!bPacked) packB(b, transB, k0, kc, n, k, pb, jBegin, jEnd);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      packA(a, transA, i0, mc, k0, kc, m, k, pa);
      for (let j0 = jBegin; j0 < jEnd; j0 += NR) {
        const cols = min(NR, jEnd - j0);
        const pbPanel = pb + <usize>(((j0 - jBegin) / NR) * kc * NR) * 4;
        for (let ir = 0; ir < mc; ir += MR) {
          const rows = min(MR, mc - ir);
          const paPanel = pa + <usize>((ir / MR) * kc * MR) * 4;
          const cTile = c + <usize>((i0 + ir) * n + j0) * 4;
          if (rows == MR && cols == NR) {
            tile4x8(kc, paPanel, pbPanel, cTile, n, accumulate);
          } else {
            edgeTile(rows, cols, kc, paPanel, pbPanel, cTile, n, accumulate, edge);
          }
        }
      }
    }
  }
}

/**
 * Batched f32 GEMM: for t in 0..batch, C_t = op(A_t) · op(B_t), with A_t at a + t*strideA
 * floats (strideA = 0 broadcasts one A over the batch), likewise B; C_t is dense [m, n].
 * op(A) is [m, k]: A is stored [m, k], or [k, m] when transA = 1. op(B) is [k, n]: B is stored
 * [k, n], or [n, k] when transB = 1. pa/pb point at packABytes() / packBBytes(n) of scratch.
 */
export function f32_gemm(
  batch: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, strideA: i32, b: usize, strideB: i32, c: usize, pa: usize, pb: usize,
): void {
  f32_gemm_range(batch, transA, transB, m, n, k, a, strideA, b, strideB, c, pa, pb, EDGE_TILE, 0, n);
}

/**
 * Columns jBegin..jEnd of every C_t (jBegin a multiple of 8): one thread's share of a product
 * split across threads, each with its own pack buffers and its own 128-byte edge tile.
 */
export function f32_gemm_range(
  batch: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, strideA: i32, b: usize, strideB: i32, c: usize, pa: usize, pb: usize,
  edge: usize, jBegin: i32, jEnd: i32,
): void {
  if (jEnd <= jBegin) return;
  if (jBegin == 0 && jEnd == n && k > 0 && (m == 1 || n == 1 || k == 1)) {
    for (let t = 0; t < batch; t++) {
      gemvProduct(transA, transB, m, n, k, a + <usize>(t * strideA) * 4, b + <usize>(t * strideB) * 4, c + <usize>(t * m * n) * 4);
    }
    return;
  }
  if (ASC_FEATURE_SIMD && transB == 0 && ((jEnd - jBegin) & (NR - 1)) == 0 && k <= KC && m * k + k * n <= DIRECT_FLOATS) {
    for (let t = 0; t < batch; t++) {
      gemmDirect(transA, m, n, k, a + <usize>(t * strideA) * 4, b + <usize>(t * strideB) * 4, c + <usize>(t * m * n) * 4, jBegin, jEnd);
    }
    return;
  }
  // (the scalar build takes this path too, summing in the SIMD build's order: see gemm-dot.ts)
  if (transA == 0 && transB != 0 && k >= 4 && k <= KC && m * k + k * n <= DIRECT_FLOATS) {
    for (let t = 0; t < batch; t++) {
      gemmDotABt(m, n, k, a + <usize>(t * strideA) * 4, b + <usize>(t * strideB) * 4, c + <usize>(t * m * n) * 4, jBegin, jEnd);
    }
    return;
  }
  // A B shared by the whole batch (stride 0) and one K block deep is packed once.
  const shareB = strideB == 0 && k <= KC && k > 0;
  if (shareB) packB(b, transB, 0, k, n, k, pb, jBegin, jEnd);
  for (let t = 0; t < batch; t++) {
    gemmOne(transA, transB, m, n, k,
      a + <usize>(t * strideA) * 4, b + <usize>(t * strideB) * 4, c + <usize>(t * m * n) * 4, pa, pb, shareB, edge, jBegin, jEnd);
  }
}

/** 2 in the relaxed-SIMD build, 1 in the SIMD build, 0 in the scalar build. */
export function simdLevel(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}

/**
 * The machine's multiply-add peak as this build sees it: `iterations` rounds of 8 independent
 * accumulations acc += x·m in registers (no memory traffic; only the add depends on the previous
 * round, as in a GEMM), 64 FLOP a round. 8 accumulators + 4 x + m stay under the register cliff.
 */
export function f32_madd_peak(iterations: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
    const x0 = f32x4.splat(1e-7), x1 = f32x4.splat(2e-7), x2 = f32x4.splat(3e-7), x3 = f32x4.splat(4e-7);
    const m = f32x4.splat(0.5);
    for (let i = 0; i < iterations; i += 2) { // two rounds per trip: less loop overhead
      a0 = madd(x0, m, a0); a1 = madd(x1, m, a1); a2 = madd(x2, m, a2); a3 = madd(x3, m, a3);
      a4 = madd(x0, m, a4); a5 = madd(x1, m, a5); a6 = madd(x2, m, a6); a7 = madd(x3, m, a7);
      a0 = madd(x0, m, a0); a1 = madd(x1, m, a1); a2 = madd(x2, m, a2); a3 = madd(x3, m, a3);
      a4 = madd(x0, m, a4); a5 = madd(x1, m, a5); a6 = madd(x2, m, a6); a7 = madd(x3, m, a7);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
    return f32x4.extract_lane(s, 0);
  }
  return 0;
}
