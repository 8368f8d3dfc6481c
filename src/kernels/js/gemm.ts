// JS reference GEMM, float32 and float64: the twin every WASM GEMM is tested against, and the
// fast path for products too small to be worth a copy into WASM memory.
import type { GemmArgs } from '../types.ts';

/** f32/f64 batched GEMM in plain JS (i-k-j loop order, so the inner loop walks C and B rows). */
export function gemm_js(args: GemmArgs): void {
  const { batch, m, n, k, transA, transB, a, b, c, strideA, strideB } = args;
  // op(A)[i][p] = a[i*sai + p*sap]; op(B)[p][j] = b[p*sbp + j*sbj]
  const sai = transA ? 1 : k;
  const sap = transA ? m : 1;
  const sbp = transB ? 1 : n;
  const sbj = transB ? k : 1;
  for (let t = 0; t < batch; t++) {
    const a0 = t * strideA;
    const b0 = t * strideB;
    const c0 = t * m * n;
    c.fill(0, c0, c0 + m * n);
    for (let i = 0; i < m; i++) {
      const ci = c0 + i * n;
      for (let p = 0; p < k; p++) {
        // No skip when aip is 0: 0·NaN and 0·Inf must give NaN, as IEEE and the WASM kernels do.
        const aip = a[a0 + i * sai + p * sap];
        const bp = b0 + p * sbp;
        if (sbj === 1) {
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
        } else {
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j * sbj];
        }
      }
    }
  }
  gemmEpilogue(args);
}

/** The optional bias row and relu after a GEMM (GemmArgs.bias, .relu), in place on C. */
export function gemmEpilogue(args: GemmArgs): void {
  const { batch, m, n, c, bias, relu } = args;
  if (!bias && !relu) return;
  const stride = args.biasStride ?? 0;
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      const row = (t * m + i) * n;
      for (let j = 0; j < n; j++) {
        if (bias) c[row + j] += bias[t * stride + j]; // rounded to the array's type, as an add
        if (relu && !(c[row + j] > 0)) c[row + j] = 0;
      }
    }
  }
}
