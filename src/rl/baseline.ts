// The linear feature baseline of the MAML-RL papers (rllab's LinearFeatureBaseline, as in
// pytorch-maml-rl): values V(s_t) = wᵀ f(s_t, t) with features [obs, obs², t', t'², t'³, 1],
// t' = t/100, fitted to the discounted returns by ridge regression (FᵀF + c I) w = Fᵀ G, the
// regulariser c starting at 1e-5 and raised tenfold while the system is singular.
import { ArgumentError, describe } from '../errors.ts';

/** @example new LinearBaseline(2).featureSize // 2 * 2 + 4 */
export class LinearBaseline {
  static readonly typeName: string = 'LinearBaseline';
  readonly featureSize: number;
  weights: Float64Array;

  constructor(readonly obsSize: number, readonly reg = 1e-5) {
    if (!Number.isInteger(obsSize) || obsSize < 1) throw new ArgumentError(`LinearBaseline: obsSize must be a positive integer, got ${describe(obsSize)}`);
    if (!(reg > 0)) throw new ArgumentError(`LinearBaseline: reg must be > 0, got ${describe(reg)}`);
    this.featureSize = 2 * obsSize + 4;
    this.weights = new Float64Array(this.featureSize);
  }

  /** The features of step s of an episode with observation obs. */
  features(obs: ArrayLike<number>, offset: number, step: number, into: Float64Array): void {
    const o = this.obsSize;
    for (let j = 0; j < o; j++) {
      const v = obs[offset + j];
      into[j] = v;
      into[o + j] = v * v;
    }
    const t = step / 100;
    into[2 * o] = t;
    into[2 * o + 1] = t * t;
    into[2 * o + 2] = t * t * t;
    into[2 * o + 3] = 1;
  }

  /** Fits to returns [N, T] of observations [N, T, obs] over the masked steps. */
  fit(obs: ArrayLike<number>, returns: ArrayLike<number>, mask: ArrayLike<number>, n: number, t: number): void {
    const k = this.featureSize;
    const a = new Float64Array(k * k);
    const b = new Float64Array(k);
    const f = new Float64Array(k);
    for (let e = 0; e < n; e++) {
      for (let s = 0; s < t; s++) {
        const i = e * t + s;
        if (!mask[i]) continue;
        this.features(obs, i * this.obsSize, s, f);
        for (let p = 0; p < k; p++) {
          b[p] += f[p] * returns[i];
          for (let q = 0; q < k; q++) a[p * k + q] += f[p] * f[q];
        }
      }
    }
    for (let reg = this.reg; reg < 1e10; reg *= 10) {
      const w = solveSymmetric(a, b, k, reg);
      if (w) {
        this.weights = w;
        return;
      }
    }
    this.weights = new Float64Array(k); // (only for data with non-finite values)
  }

  /** Values [N, T] (0 on masked steps). */
  predict(obs: ArrayLike<number>, mask: ArrayLike<number>, n: number, t: number): Float64Array {
    const out = new Float64Array(n * t);
    const f = new Float64Array(this.featureSize);
    for (let e = 0; e < n; e++) {
      for (let s = 0; s < t; s++) {
        const i = e * t + s;
        if (!mask[i]) continue;
        this.features(obs, i * this.obsSize, s, f);
        let v = 0;
        for (let p = 0; p < this.featureSize; p++) v += f[p] * this.weights[p];
        out[i] = v;
      }
    }
    return out;
  }
}

/** (A + reg I) x = b by Cholesky, or null when it is not positive definite (or not finite). */
function solveSymmetric(a: Float64Array, b: Float64Array, k: number, reg: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j] + (i === j ? reg : 0);
      for (let p = 0; p < j; p++) s -= l[i * k + p] * l[j * k + p];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j];
      }
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * y[p];
    y[i] = s / l[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * x[p];
    x[i] = s / l[i * k + i];
  }
  return x.every(Number.isFinite) ? x : null;
}
