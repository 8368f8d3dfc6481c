// A normalizing flow on a box of task identifiers, with an exact log-density, written with
// metagrad's own autodiff (AR-MAML's distribution adversary is built from it). A point is
//   u ~ Logistic(0, 1)^d  →  z = f_K ∘ … ∘ f_1(u)  →  x = low + (high - low)·sigmoid(z),
// so with every layer the identity, x is uniform on the box. Layers: planar (Rezende and
// Mohamed 2015, invertible by the u-hat constraint) and affine coupling (Dinh et al. 2017,
// zero-initialised, so the flow starts as the identity). log p(x) = log p_u(u) - Σ log|det ∂f_k|
// - Σ_j log((high_j - low_j)·σ(z_j)·(1 - σ(z_j))); evaluating it at a given x inverts the
// layers (coupling in closed form, planar by a monotone 1-D solve).
import { ArgumentError } from '../../errors.ts';
import { grad } from '../../autograd/grad.ts';
import { add, div, exp, log, mul, neg, sigmoid, softplus, square, sub, tanh } from '../../autograd/ops/elementwise.ts';
import { matmul } from '../../autograd/ops/matmul.ts';
import { sum } from '../../autograd/ops/reduce.ts';
import { reshape } from '../../autograd/ops/reshape.ts';
import { noGrad } from '../../autograd/tape.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Rng } from '../../rng.ts';

export type FlowKind = 'planar' | 'coupling';

interface FlowLayer {
  readonly params: Tensor[];
  /** z [N, d] to f(z) [N, d] and log|det ∂f/∂z| [N]. */
  forward(z: Tensor): { y: Tensor; logDet: Tensor };
  /** f⁻¹ of the rows of y [N, d], numerically, off the tape. */
  inverse(y: Float64Array, n: number): Float64Array;
}

const f64 = (values: number[], shape: number[]) => new Tensor(Float64Array.from(values), shape).requiresGrad_();
const row = (values: readonly number[]) => new Tensor(Float64Array.from(values), [1, values.length]);

/** f(z) = z + û·tanh(wᵀz + b), û = u + (m(wᵀu) - wᵀu)·w/‖w‖², m(a) = -1 + softplus(a): invertible. */
class PlanarLayer implements FlowLayer {
  readonly params: Tensor[];
  constructor(private readonly d: number, rng: Rng) {
    const w = Array.from({ length: d }, () => rng.normal(0, 0.1));
    const u = Array.from({ length: d }, () => rng.normal(0, 0.1));
    this.params = [f64(w, [d, 1]), f64(u, [1, d]), f64([0], [1, 1])];
  }

  private uHat(): Tensor {
    const [w, u] = this.params;
    const wu = matmul(u, w); // [1, 1]
    const m = sub(softplus(wu), 1);
    return add(u, mul(div(sub(m, wu), sum(square(w))), reshape(w, [1, this.d])));
  }

  forward(z: Tensor): { y: Tensor; logDet: Tensor } {
    const [w, , b] = this.params;
    const uh = this.uHat();
    const h = tanh(add(matmul(z, w), b)); // [N, 1]
    const y = add(z, matmul(h, uh));
    const uw = matmul(uh, w); // [1, 1], >= -1
    const logDet = log(add(mul(sub(1, square(h)), uw), 1)); // [N, 1]
    return { y, logDet: reshape(logDet, [z.shape[0]]) };
  }

  inverse(y: Float64Array, n: number): Float64Array {
    const d = this.d;
    const w = this.params[0].data;
    const b = this.params[2].data[0];
    const uh = noGrad(() => this.uHat()).data;
    let uw = 0;
    for (let j = 0; j < d; j++) uw += uh[j] * w[j];
    const out = new Float64Array(y.length);
    for (let i = 0; i < n; i++) {
      let wy = 0;
      for (let j = 0; j < d; j++) wy += w[j] * y[i * d + j];
      // a + uw·tanh(a + b) = wᵀy is increasing in a (uw >= -1): bisection, then the rest of z
      let lo = wy - Math.abs(uw) - 1;
      let hi = wy + Math.abs(uw) + 1;
      for (let it = 0; it < 200 && hi - lo > 1e-15 * (1 + Math.abs(lo)); it++) {
        const mid = 0.5 * (lo + hi);
        if (mid + uw * Math.tanh(mid + b) < wy) lo = mid;
        else hi = mid;
      }
      const h = Math.tanh(0.5 * (lo + hi) + b);
      for (let j = 0; j < d; j++) out[i * d + j] = y[i * d + j] - uh[j] * h;
    }
    return out;
  }
}

/**
 * Affine coupling: the coordinates of one parity pass unchanged and condition a scale and shift
 * of the others, y_B = z_B·exp(s(z_A)) + t(z_A), with s = tanh(·) bounded; log det = Σ s.
 */
class CouplingLayer implements FlowLayer {
  readonly params: Tensor[];
  private readonly keep: Tensor;
  private readonly change: Tensor;

  constructor(private readonly d: number, parity: number, hidden: number, rng: Rng) {
    const keepMask = Array.from({ length: d }, (_, j) => (d > 1 && j % 2 === parity ? 1 : 0));
    this.keep = row(keepMask);
    this.change = row(keepMask.map((k) => 1 - k));
    const w1 = Array.from({ length: d * hidden }, () => rng.normal(0, 1 / Math.sqrt(Math.max(1, d))));
    this.params = [f64(w1, [d, hidden]), f64(new Array(hidden).fill(0), [1, hidden]),
      f64(new Array(hidden * d).fill(0), [hidden, d]), f64(new Array(d).fill(0), [1, d]),
      f64(new Array(hidden * d).fill(0), [hidden, d]), f64(new Array(d).fill(0), [1, d])];
  }

  private scaleShift(za: Tensor): { s: Tensor; t: Tensor } {
    const [w1, b1, ws, bs, wt, bt] = this.params;
    const h = tanh(add(matmul(za, w1), b1));
    return { s: mul(tanh(add(matmul(h, ws), bs)), this.change), t: mul(add(matmul(h, wt), bt), this.change) };
  }

  forward(z: Tensor): { y: Tensor; logDet: Tensor } {
    const { s, t } = this.scaleShift(mul(z, this.keep));
    return { y: add(mul(z, exp(s)), t), logDet: sum(s, 1) };
  }

  inverse(y: Float64Array, n: number): Float64Array {
    return noGrad(() => {
      const yt = new Tensor(Float64Array.from(y), [n, this.d]);
      const { s, t } = this.scaleShift(mul(yt, this.keep)); // z_A = y_A
      return Float64Array.from(mul(sub(yt, t), exp(neg(s))).data);
    });
  }
}

export interface BoxFlowOptions {
  kind?: FlowKind;
  /** Layers (default 4). */
  layers?: number;
  /** Hidden units of each coupling layer's conditioner (default 16). */
  hidden?: number;
}

export class BoxFlow {
  readonly kind: FlowKind;
  private readonly layers: FlowLayer[];
  private readonly range: number[];

  constructor(readonly low: readonly number[], readonly high: readonly number[], rng: Rng, options: BoxFlowOptions = {}) {
    const d = low.length;
    this.kind = options.kind ?? 'planar';
    if (this.kind !== 'planar' && this.kind !== 'coupling') throw new ArgumentError(`BoxFlow: kind must be 'planar' or 'coupling', got '${String(this.kind)}'`);
    this.range = low.map((lo, j) => high[j] - lo);
    if (d === 0 || this.range.some((r, j) => !(r > 0) || !Number.isFinite(r) || !Number.isFinite(low[j]))) {
      throw new ArgumentError(`BoxFlow: needs a finite box with low < high in every coordinate, got [${low.join(', ')}] to [${high.join(', ')}]`);
    }
    const k = options.layers ?? 4;
    this.layers = Array.from({ length: k }, (_, i) => (this.kind === 'planar' ? new PlanarLayer(d, rng) : new CouplingLayer(d, i % 2, options.hidden ?? 16, rng)));
  }

  get dim(): number {
    return this.low.length;
  }

  parameters(): Tensor[] {
    return this.layers.flatMap((l) => l.params);
  }

  /** Puts these tensors (same shapes, parameters() order) in the layers' places: gradcheck's copies. */
  useParameters(ps: readonly Tensor[]): void {
    let k = 0;
    for (const l of this.layers) for (let i = 0; i < l.params.length; i++) l.params[i] = ps[k++];
  }

  /** n base points u ~ Logistic(0, 1)^d, as rows. */
  sampleBase(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => this.low.map(() => {
      const p = rng.uniform(1e-12, 1 - 1e-12);
      return Math.log(p) - Math.log(1 - p);
    }));
  }

  /** Base points u [N, d] to box points x [N, d] and log p(x) [N], on the tape. */
  forward(u: Tensor): { x: Tensor; logp: Tensor } {
    // log p_u(u) = Σ_j log σ(u)(1 - σ(u)) = -Σ_j softplus(u) + softplus(-u)
    let logp = neg(sum(add(softplus(u), softplus(neg(u))), 1));
    let z = u;
    for (const layer of this.layers) {
      const { y, logDet } = layer.forward(z);
      z = y;
      logp = sub(logp, logDet);
    }
    const boxLogDet = sum(sub(log(row(this.range)), add(softplus(z), softplus(neg(z)))), 1);
    const x = add(row(this.low), mul(row(this.range), sigmoid(z)));
    return { x, logp: sub(logp, boxLogDet) };
  }

  /** The base points of box points x (rows), inverting every layer. */
  inverse(xs: readonly (readonly number[])[]): number[][] {
    const d = this.dim;
    const n = xs.length;
    let z: Float64Array = new Float64Array(n * d);
    xs.forEach((x, i) => x.forEach((v, j) => {
      const p = (v - this.low[j]) / this.range[j];
      z[i * d + j] = Math.log(p) - Math.log(1 - p);
    }));
    for (let k = this.layers.length - 1; k >= 0; k--) z = this.layers[k].inverse(z, n);
    return Array.from({ length: n }, (_, i) => Array.from(z.subarray(i * d, (i + 1) * d)));
  }

  /** log p(x) of box points (rows), off the tape. */
  logDensity(xs: readonly (readonly number[])[]): number[] {
    const u = this.inverse(xs);
    return noGrad(() => Array.from(this.forward(new Tensor(Float64Array.from(u.flat()), [u.length, this.dim])).logp.data));
  }

  /**
   * A scalar whose gradient with respect to the parameters is Σ_i c_i ∇ log p(x_i) at the
   * fixed points x_i = g(u_i) (the score function REINFORCE needs), and log p at those points.
   * By implicit differentiation: with ℓ(u) = log p(g(u)) and J = ∂g/∂u, the score at fixed x
   * is ∂ℓ/∂ψ - vᵀ ∂g/∂ψ with v = J⁻ᵀ ∂ℓ/∂u, so the surrogate is Σ_i c_i (ℓ_i - v_iᵀ g(u_i)).
   */
  scoreSurrogate(base: readonly (readonly number[])[], coefficients: readonly number[]): { surrogate: Tensor; logp: Tensor; x: Tensor } {
    const n = base.length;
    const d = this.dim;
    const u = new Tensor(Float64Array.from(base.flat()), [n, d]).requiresGrad_();
    const { x, logp } = this.forward(u);
    const [dl] = grad1(sum(logp), u);
    const jac: Float64Array[] = []; // jac[k][i*d + j] = ∂x_ik / ∂u_ij
    for (let k = 0; k < d; k++) {
      const pick = new Tensor(Float64Array.from({ length: n * d }, (_, e) => (e % d === k ? 1 : 0)), [n, d]);
      jac.push(Float64Array.from(grad1(sum(mul(x, pick)), u)[0].data));
    }
    const v = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      // solve Jᵀ v = ∂ℓ/∂u for this point: (Jᵀ)[j][k] = J[k][j]
      const a = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => jac[k][i * d + j]));
      const sol = solve(a, Array.from(dl.data.subarray(i * d, (i + 1) * d)));
      sol.forEach((s, j) => (v[i * d + j] = s));
    }
    const c = new Tensor(Float64Array.from(coefficients), [n]);
    const vx = sum(mul(x, new Tensor(v, [n, d])), 1);
    return { surrogate: sum(mul(sub(logp, vx), c)), logp, x };
  }
}

const grad1 = (y: Tensor, x: Tensor) => grad(y, [x], { retainGraph: true });

/** Solves a·x = b for a small dense square a (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}
