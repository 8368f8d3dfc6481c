// Numbers the samplers share: quantiles (plain and importance-weighted, numpy's interpolation),
// Beta and Gamma variates from a seeded Rng, and the Beta log-density.
import type { Rng } from '../../rng.ts';

/**
 * The q-quantile of xs by linear interpolation between order statistics, numpy's
 * `percentile` (weights absent); with weights w, RoML's weighted rule: each sorted point sits
 * at its cumulative weight minus half its own, rescaled to [0, 1]. quantile([1, 2, 3, 4, 5], 0.5) is 3.
 */
export function quantile(xs: readonly number[], q: number, w?: readonly number[]): number {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const x = order.map((i) => xs[i]);
  const n = x.length;
  if (n === 1) return x[0];
  const at = w === undefined ? order.map((_, k) => k / (n - 1)) : (() => {
    const ws = order.map((i) => w[i]);
    const c: number[] = [];
    let acc = 0;
    for (const v of ws) {
      acc += v;
      c.push(acc - 0.5 * v);
    }
    const lo = c[0];
    const span = c[n - 1] - lo;
    return c.map((v) => (span > 0 ? (v - lo) / span : 0));
  })();
  if (q <= at[0]) return x[0];
  if (q >= at[n - 1]) return x[n - 1];
  let k = 0;
  while (at[k + 1] < q) k++;
  const gap = at[k + 1] - at[k];
  return gap > 0 ? x[k] + ((q - at[k]) / gap) * (x[k + 1] - x[k]) : x[k + 1];
}

/** A Gamma(shape, 1) variate (Marsaglia and Tsang 2000; shape < 1 by the u^(1/shape) boost). */
export function gammaVariate(rng: Rng, shape: number): number {
  if (shape < 1) return gammaVariate(rng, shape + 1) * Math.pow(1 - rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.uniform(); // (0, 1]
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) variate, from two Gamma variates. */
export function betaVariate(rng: Rng, a: number, b: number): number {
  const x = gammaVariate(rng, a);
  const y = gammaVariate(rng, b);
  return x / (x + y);
}

// Lanczos approximation (g = 7, nine coefficients): |error| < 1e-13 for x > 0.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Γ(x) for x > 0 (logGamma(5) is log 24). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log of the Beta(a, b) density at u in (0, 1). */
export function betaLogPdf(u: number, a: number, b: number): number {
  return (a - 1) * Math.log(u) + (b - 1) * Math.log(1 - u) + logGamma(a + b) - logGamma(a) - logGamma(b);
}
