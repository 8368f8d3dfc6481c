// TRPO (Schulman et al. 2015) from the autodiff: the natural-gradient direction by conjugate
// gradient on Fisher-vector products (the Hessian of the mean KL, a double backward, plus
// damping), scaled to the KL bound, and a backtracking line search that accepts the first
// step improving the surrogate within the bound (pytorch-maml-rl's settings: max KL 0.01, 10 CG
// iterations, damping 0.01, ratio 0.5, 15 line-search steps).
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { dot, flatten } from '../autograd/flat.ts';
import { dotWith } from '../autograd/functional.ts';
import { add, div, exp, mul, neg, square, sub } from '../autograd/ops/elementwise.ts';
import { logSoftmax } from '../autograd/ops/nn.ts';
import { sum } from '../autograd/ops/reduce.ts';
import { noGrad } from '../autograd/tape.ts';
import { Tensor, expectTensor, expectTensors } from '../autograd/tensor.ts';
import { tidy } from '../autograd/tidy.ts';
import { Scope, type ParamMap } from '../nn/module.ts';
import { CategoricalPolicy, GaussianPolicy, type Policy } from './policy.ts';
import { episodeRows, expectEpisodes, sliceEpisodes, type EpisodeRows, type Episodes } from './rollout.ts';

/**
 * Solves A x = b for a symmetric positive-definite A given as a product x ↦ A x, by conjugate
 * gradient (at most `iters` iterations, or until the squared residual is below tol).
 * @example Array.from(conjugateGradient((v) => Float64Array.of(2 * v[0], 4 * v[1]), Float64Array.of(2, 4))) // [1, 1]
 */
export function conjugateGradient(product: (v: Float64Array) => Float64Array, b: Float64Array, iters = 10, tol = 1e-10): Float64Array {
  if (typeof product !== 'function') throw new ArgumentError(`conjugateGradient: product must be a function v => A v, got ${describe(product)}`);
  if (!(b instanceof Float64Array)) throw new ArgumentError(`conjugateGradient: b must be a Float64Array, got ${describe(b)}`);
  expectNumber('conjugateGradient', 'iters', iters, { integer: true, min: 1 });
  const x = new Float64Array(b.length);
  const r = b.slice();
  const p = b.slice();
  let rr = dot(r, r);
  for (let i = 0; i < iters && rr > tol; i++) {
    const ap = product(p);
    const alpha = rr / dot(p, ap);
    for (let k = 0; k < x.length; k++) {
      x[k] += alpha * p[k];
      r[k] -= alpha * ap[k];
    }
    const next = dot(r, r);
    for (let k = 0; k < p.length; k++) p[k] = r[k] + (next / rr) * p[k];
    rr = next;
  }
  return x;
}

/**
 * The mean over the episodes' steps of KL(π_old(·|s) ‖ π(·|s)), on the tape through `params`;
 * `old` is a detached copy of the parameters the episodes were collected with.
 * @example
 * const policy = new GaussianPolicy(2, 2, { hidden: [8] });
 * const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 2), policy, new Rng(0));
 * policyKL(policy, ep, policy.paramMap()).item() // 0
 */
export function policyKL(policy: Policy, ep: Episodes, old: ParamMap, params?: ParamMap): Tensor {
  expectEpisodes('policyKL', ep);
  if (!(old instanceof Map)) throw new ArgumentError(`policyKL: old must be a map of the old parameters, got ${describe(old)}`);
  if (!(policy instanceof GaussianPolicy) && !(policy instanceof CategoricalPolicy)) throw new ArgumentError(`policyKL: policy must be a GaussianPolicy or a CategoricalPolicy, got ${describe(policy)}`);
  const { obs, mask, count } = episodeRows(policy, ep);
  let kl: Tensor;
  if (policy instanceof GaussianPolicy) {
    const s = new Scope(policy, params ?? null, '');
    const so = new Scope(policy, old, '');
    const mu = s.run('mean', obs);
    const muOld = so.run('mean', obs);
    const logStd = s.param('logStd');
    const logStdOld = so.param('logStd');
    // Σ_j log σ_j/σ_old,j + (σ_old,j² + (μ_old - μ)²) / (2σ_j²) - ½
    const varNew = exp(mul(logStd, 2));
    const term = add(sub(logStd, logStdOld), sub(div(add(exp(mul(logStdOld, 2)), square(sub(muOld, mu))), mul(varNew, 2)), 0.5));
    kl = sum(term, 1);
  } else {
    const lp = logSoftmax(policy.call(obs, params), 1);
    const lpOld = logSoftmax(policy.call(obs, old), 1);
    kl = sum(mul(exp(lpOld), sub(lpOld, lp)), 1);
  }
  return div(sum(mul(kl, mask)), count);
}

/** The importance-weighted surrogate −Σ mask · A · π/π_old / count over rows with weights, on the tape. */
export function ratioSurrogate(policy: Policy, rows: EpisodeRows, oldLogp: Tensor, params?: ParamMap): Tensor {
  const ratio = exp(sub(policy.logProb(rows.obs, rows.act, params), oldLogp));
  return neg(div(sum(mul(ratio, rows.weights!)), rows.count));
}

export interface TRPOOptions {
  maxKL?: number;
  cgIters?: number;
  damping?: number;
  /** Step-size ratio of the line search (default 0.5). */
  ratio?: number;
  lineSearchSteps?: number;
  /**
   * The conjugate gradient's Fisher-vector products on the first 1/k of the episodes (default
   * 1: all; OpenAI's TRPO uses every 5th step); the line search still checks the whole KL.
   */
  fisherSubsample?: number;
}

export interface TRPOStep {
  /** The surrogate before and after; the KL of the accepted step (0 when none was accepted). */
  lossBefore: number;
  lossAfter: number;
  kl: number;
  /** Line-search steps taken (lineSearchSteps when no step was accepted). */
  backtracks: number;
  accepted: boolean;
}

/**
 * One TRPO update of the policy's parameters from episodes and their advantages; the KL of the
 * accepted step to the old policy is at most maxKL, or the parameters are left as they were.
 * @example
 * const policy = new GaussianPolicy(2, 2, { hidden: [8] });
 * const ep = collectEpisodes(new VectorEnv(new PointNav2D(), 4), policy, new Rng(0));
 * trpoStep(policy, ep, normalizeAdvantages(ep.rewards, ep.mask)).kl <= 0.01 // true
 */
export function trpoStep(policy: Policy, ep: Episodes, advantages: ArrayLike<number>, options: TRPOOptions = {}): TRPOStep {
  if (!(policy instanceof GaussianPolicy) && !(policy instanceof CategoricalPolicy)) throw new ArgumentError(`trpoStep: policy must be a GaussianPolicy or a CategoricalPolicy, got ${describe(policy)}`);
  expectEpisodes('trpoStep', ep);
  if (advantages === null || typeof advantages !== 'object' || advantages.length !== ep.n * ep.t) throw new ArgumentError(`trpoStep: advantages must hold ${ep.n} x ${ep.t} numbers, got ${describe(advantages)}`);
  const named = policy.namedParameters();
  const old: ParamMap = new Map(named.map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape)]));
  const rows = episodeRows(policy, ep, advantages);
  const oldLogp = noGrad(() => policy.logProb(rows.obs, rows.act, old));
  const params = named.map(([, p]) => p);
  const head = headEpisodes('trpoStep', ep, options.fisherSubsample);
  const fisher = head === ep ? undefined : () => hessianVectorProduct(policyKL(policy, head, old), params);
  return trustRegionStep('trpoStep', params, () => ratioSurrogate(policy, rows, oldLogp), () => policyKL(policy, ep, old), options, { fisher });
}

/** The first 1/k of the episodes (all when k is 1 or unset): the share the Fisher products use. */
export function headEpisodes(op: string, ep: Episodes, k: number | undefined): Episodes {
  const share = expectNumber(op, 'fisherSubsample', k ?? 1, { integer: true, min: 1 });
  return share === 1 ? ep : sliceEpisodes(ep, 0, Math.ceil(ep.n / share));
}

/** A flat vector cut into tensors shaped (and typed) like params. */
function unflatten(v: Float64Array, params: readonly Tensor[]): Tensor[] {
  let at = 0;
  return params.map((p) => {
    const t = new Tensor(p.dtype === 'float64' ? v.slice(at, at + p.size) : Float32Array.from(v.subarray(at, at + p.size)), p.shape);
    at += p.size;
    return t;
  });
}

/**
 * v ↦ ∇²f · v at params for a scalar f already on the tape: f's gradient is taken once with its
 * graph, and each product is one backward through that graph (vectors flat, in params' order;
 * each product's tensors are released, the graph is kept for the next).
 * @example
 * const x = new Tensor(Float64Array.of(1, 2), [2]).requiresGrad_();
 * Array.from(hessianVectorProduct(sum(mul(mul(x, x), x)), [x])(Float64Array.of(1, 0))) // [6, 0]: diag(6x)
 */
export function hessianVectorProduct(f: Tensor, params: readonly Tensor[]): (v: Float64Array) => Float64Array {
  expectTensor('hessianVectorProduct', f, 'f');
  expectTensors('hessianVectorProduct', params, 'params');
  if (f.size !== 1) throw new ArgumentError(`hessianVectorProduct: f must be a scalar, got shape [${f.shape.join(', ')}]`);
  params.forEach((p, i) => {
    if (!p.requiresGrad) throw new ArgumentError(`hessianVectorProduct: params[${i}] [${p.shape.join(', ')}] does not require grad`);
  });
  const size = params.reduce((n, p) => n + p.size, 0);
  const g = grad(f, params, { createGraph: true, allowUnused: true });
  return (v) => tidy(() => {
    if (!(v instanceof Float64Array) || v.length !== size) throw new ArgumentError(`hessianVectorProduct: v must be a Float64Array of ${size} numbers (the params' sizes), got ${describe(v)}`);
    const gv = dotWith(g, unflatten(v, params)); // ∇f · v, then its gradient: the Hessian times v
    return gv ? flatten(grad(gv, params, { retainGraph: true, allowUnused: true })) : new Float64Array(v.length);
  });
}

export interface TrustRegionParts {
  /**
   * Builds the Fisher-vector product v ↦ F v, without damping (default: the Hessian of the KL
   * by double backward). Called once, inside the step's tidy, at the current parameters.
   */
  fisher?: () => (v: Float64Array) => Float64Array;
  /**
   * The surrogate's and the KL's values at the current parameters, for the line search
   * (default: loss().item() and kl().item(); MAML-TRPO shares one inner step between them).
   */
  values?: () => [loss: number, kl: number];
}

/**
 * The TRPO update of `params` for any surrogate loss and KL, both closures that build their
 * value on the tape from the parameters' current values (MAML-TRPO's pass through the inner
 * step). `parts.fisher` replaces the KL's double backward with a cheaper product of the same
 * Hessian (MAML-TRPO's through the inner step, a subsample's); the line search always checks
 * the whole KL. `op` names the caller in errors.
 */
export function trustRegionStep(op: string, params: readonly Tensor[], loss: () => Tensor, kl: () => Tensor, options: TRPOOptions = {}, parts: TrustRegionParts = {}): TRPOStep {
  options = expectOptions(op, options);
  const maxKL = expectNumber(op, 'maxKL', options.maxKL ?? 0.01, { min: 0, above: true });
  const cgIters = expectNumber(op, 'cgIters', options.cgIters ?? 10, { integer: true, min: 1 });
  const damping = expectNumber(op, 'damping', options.damping ?? 0.01, { min: 0 });
  const ratio = expectNumber(op, 'ratio', options.ratio ?? 0.5, { min: 0, above: true, max: 1 });
  const steps = expectNumber(op, 'lineSearchSteps', options.lineSearchSteps ?? 15, { integer: true, min: 1 });
  const fisher = parts.fisher ?? (() => hessianVectorProduct(kl(), params));
  const values = parts.values ?? ((): [number, number] => [loss().item(), kl().item()]);
  // in a tidy: the tape of the surrogate, the KL and every Fisher-vector product lives in WASM
  // memory and is released at the end, instead of being copied out to the JS heap op by op
  return tidy(() => searchStep(params, loss, fisher, values, { maxKL, cgIters, damping, ratio, steps }));
}

function searchStep(params: readonly Tensor[], loss: () => Tensor, fisher: () => (v: Float64Array) => Float64Array, values: () => [number, number], o: { maxKL: number; cgIters: number; damping: number; ratio: number; steps: number }): TRPOStep {
  const { maxKL, cgIters, damping, ratio, steps } = o;
  const before = loss();
  const g = flatten(grad(before, params));
  const product = fisher();
  const fvp = (v: Float64Array): Float64Array => {
    const hv = product(v);
    for (let i = 0; i < hv.length; i++) hv[i] += damping * v[i];
    return hv;
  };
  const dir = conjugateGradient(fvp, Float64Array.from(g, (x) => -x), cgIters);
  const shs = 0.5 * dot(dir, fvp(dir));
  const scale = shs > 0 ? Math.sqrt(maxKL / shs) : 0;
  const start = flatten(params);
  const setParams = (frac: number) => {
    let at = 0;
    for (const p of params) {
      for (let i = 0; i < p.size; i++) p.data[i] = start[at + i] + frac * scale * dir[at + i];
      at += p.size;
    }
  };
  const lossBefore = before.item();
  let frac = 1;
  for (let k = 0; k < steps; k++, frac *= ratio) {
    setParams(frac);
    const [newLoss, newKL] = tidy(values);
    if (newLoss < lossBefore && newKL <= maxKL) return { lossBefore, lossAfter: newLoss, kl: newKL, backtracks: k, accepted: true };
  }
  setParams(0);
  return { lossBefore, lossAfter: lossBefore, kl: 0, backtracks: steps, accepted: false };
}
