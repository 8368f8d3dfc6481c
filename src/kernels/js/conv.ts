// JS reference im2col / col2im for NCHW convolution. col2im is the exact adjoint of im2col
// (it scatters and sums), which is what makes conv's VJP rules differentiable again.
// Both compute, once per kernel column kj, the range of output columns whose input column is
// inside the image, so the inner loops carry no bounds test.
import type { ConvGeometry, FloatArray } from '../types.ts';

/** Output columns ox with 0 <= ox*stride - pad + kj < w: [lo, hi). */
function validRange(kj: number, w: number, stride: number, pad: number, outW: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - kj) / stride));
  const hi = Math.min(outW, Math.floor((w - 1 + pad - kj) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** x [n, c, h, w] -> cols [n, c*kh*kw, outH*outW]; out-of-image taps read 0. */
export function im2col_js(x: FloatArray, g: ConvGeometry, cols: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xc = (b * c + ch) * h * w;
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const [lo, hi] = validRange(kj, w, strideW, padW, outW);
          for (let oy = 0; oy < outH; oy++, o += outW) {
            const iy = oy * strideH - padH + ki;
            // Zero the padded taps with plain loops: they are a column or two, and a fill()
            // call per row cost more than the copy itself.
            if (iy < 0 || iy >= h) {
              for (let ox = 0; ox < outW; ox++) cols[o + ox] = 0;
              continue;
            }
            for (let ox = 0; ox < lo; ox++) cols[o + ox] = 0;
            for (let ox = hi; ox < outW; ox++) cols[o + ox] = 0;
            const src = xc + iy * w - padW + kj; // x index of output column 0
            if (strideW === 1) {
              for (let ox = lo; ox < hi; ox++) cols[o + ox] = x[src + ox];
            } else {
              for (let ox = lo; ox < hi; ox++) cols[o + ox] = x[src + ox * strideW];
            }
          }
        }
      }
    }
  }
}

/** cols [n, c*kh*kw, outH*outW] -> x [n, c, h, w], adding every tap back to its pixel. */
export function col2im_js(cols: FloatArray, g: ConvGeometry, x: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  x.fill(0);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xc = (b * c + ch) * h * w;
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const [lo, hi] = validRange(kj, w, strideW, padW, outW);
          for (let oy = 0; oy < outH; oy++, o += outW) {
            const iy = oy * strideH - padH + ki;
            if (iy < 0 || iy >= h) continue;
            const dst = xc + iy * w - padW + kj;
            for (let ox = lo; ox < hi; ox++) x[dst + ox * strideW] += cols[o + ox];
          }
        }
      }
    }
  }
}
