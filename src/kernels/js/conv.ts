// JS reference im2col / col2im for NCHW convolution. col2im is the exact adjoint of im2col
// (it scatters and sums), which is what makes conv's VJP rules differentiable again.
import type { ConvGeometry, FloatArray } from '../types.ts';

/** x [n, c, h, w] -> cols [n, c*kh*kw, outH*outW]; out-of-image taps read 0. */
export function im2col_js(x: FloatArray, g: ConvGeometry, cols: FloatArray): void {
  const { n, c, h, w, kh, kw, strideH, strideW, padH, padW, outH, outW } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const xc = (b * c + ch) * h * w;
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + ki;
            if (iy < 0 || iy >= h) {
              cols.fill(0, o, o + outW);
              o += outW;
              continue;
            }
            const row = xc + iy * w;
            for (let ox = 0; ox < outW; ox++) {
              const ix = ox * strideW - padW + kj;
              cols[o++] = ix >= 0 && ix < w ? x[row + ix] : 0;
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
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + ki;
            if (iy < 0 || iy >= h) {
              o += outW;
              continue;
            }
            const row = xc + iy * w;
            for (let ox = 0; ox < outW; ox++) {
              const ix = ox * strideW - padW + kj;
              if (ix >= 0 && ix < w) x[row + ix] += cols[o];
              o++;
            }
          }
        }
      }
    }
  }
}
