// f32 im2col / col2im for NCHW convolution, the twins of src/kernels/js/conv.ts: the same
// loops, with the in-image part of each output row copied (stride 1) or gathered in one go.
// Geometry arguments: n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW.

// First and one-past-last output column ox whose input column ox*stride - pad + kj is inside.
// @ts-ignore: decorator
@inline
function lo(kj: i32, stride: i32, pad: i32): i32 {
  const t = pad - kj;
  return t <= 0 ? 0 : (t + stride - 1) / stride;
}
// @ts-ignore: decorator
@inline
function hi(kj: i32, w: i32, stride: i32, pad: i32, outW: i32): i32 {
  const t = w - 1 + pad - kj;
  return t < 0 ? 0 : min(outW, t / stride + 1);
}

// Rows here are short (14-28 floats in few-shot nets), where a bulk-memory call costs more
// than the copy: those move by v128 (SIMD builds) and f32 loads and stores in line.
const BULK_BYTES: usize = 256;

// @ts-ignore: decorator
@inline
function copyRow(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= BULK_BYTES) {
    memory.copy(dst, src, bytes);
    return;
  }
  let q: usize = 0;
  if (ASC_FEATURE_SIMD) for (; q + 16 <= bytes; q += 16) v128.store(dst + q, v128.load(src + q));
  for (; q < bytes; q += 4) store<f32>(dst + q, load<f32>(src + q));
}

// @ts-ignore: decorator
@inline
function zeroRow(dst: usize, bytes: usize): void {
  if (bytes >= BULK_BYTES) {
    memory.fill(dst, 0, bytes);
    return;
  }
  let q: usize = 0;
  if (ASC_FEATURE_SIMD) for (; q + 16 <= bytes; q += 16) v128.store(dst + q, i32x4.splat(0));
  for (; q < bytes; q += 4) store<f32>(dst + q, 0);
}

/** x [n, c, h, w] -> cols [n, c*kh*kw, outH*outW]; out-of-image taps are 0. */
export function f32_im2col(x: usize, cols: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32): void {
  let o = cols;
  const rowBytes = <usize>outW << 2;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xc = x + (<usize>((b * c + ch) * h * w) << 2);
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const l = lo(kj, strideW, padW);
          const r = max(l, hi(kj, w, strideW, padW, outW));
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + ki;
            if (iy < 0 || iy >= h) {
              zeroRow(o, rowBytes);
            } else {
              if (l > 0) zeroRow(o, <usize>l << 2);
              if (r < outW) zeroRow(o + (<usize>r << 2), <usize>(outW - r) << 2);
              const src = xc + (<usize>(iy * w - padW + kj) << 2); // input of output column 0
              if (strideW == 1) {
                copyRow(o + (<usize>l << 2), src + (<usize>l << 2), <usize>(r - l) << 2);
              } else {
                for (let ox = l; ox < r; ox++) store<f32>(o + (<usize>ox << 2), load<f32>(src + (<usize>(ox * strideW) << 2)));
              }
            }
            o += rowBytes;
          }
        }
      }
    }
  }
}

/** cols [n, c*kh*kw, outH*outW] -> x [n, c, h, w], each tap added back to its pixel. */
export function f32_col2im(cols: usize, x: usize, n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, outH: i32, outW: i32): void {
  memory.fill(x, 0, <usize>(n * c * h * w) << 2);
  let o = cols;
  const rowBytes = <usize>outW << 2;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xc = x + (<usize>((b * c + ch) * h * w) << 2);
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const l = lo(kj, strideW, padW);
          const r = max(l, hi(kj, w, strideW, padW, outW));
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + ki;
            if (iy >= 0 && iy < h) {
              const dst = xc + (<usize>(iy * w - padW + kj) << 2);
              for (let ox = l; ox < r; ox++) {
                const p = dst + (<usize>(ox * strideW) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(o + (<usize>ox << 2)));
              }
            }
            o += rowBytes;
          }
        }
      }
    }
  }
}
