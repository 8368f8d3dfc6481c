// Function transforms in the style of torch.autograd.functional / JAX: vjp, jvp and hvp, all
// built on grad() with createGraph (double backward), so they work through every op.
import { GradError, expectFunction } from '../errors.ts';
import { grad } from './grad.ts';
import { enableGrad } from './tape.ts';
import { Tensor, expectTensor, expectTensors, zerosLike } from './tensor.ts';
import { add, mul } from './ops/elementwise.ts';
import { sum } from './ops/reduce.ts';

type Fn = (...xs: Tensor[]) => Tensor;

const primals = (xs: readonly Tensor[]) => xs.map((x) => x.detach().requiresGrad_());

/** Σ_i sum(g_i * v_i) over the gradients still on the tape; null when none is (f linear). */
export function dotWith(gs: readonly Tensor[], vs: readonly Tensor[]): Tensor | null {
  let dot: Tensor | null = null;
  for (let i = 0; i < gs.length; i++) {
    if (!gs[i].requiresGrad) continue;
    const term = sum(mul(gs[i], vs[i]));
    dot = dot ? add(dot, term) : term;
  }
  return dot;
}

function checkPairs(op: string, xs: readonly Tensor[], vs: readonly Tensor[]): void {
  expectTensors(op, xs, 'xs');
  expectTensors(op, vs, 'vs');
  if (xs.length !== vs.length) throw new GradError(`${op}: ${xs.length} inputs but ${vs.length} vectors`);
}

/**
 * Value of f and the vector-Jacobian product vᵀ ∂f/∂x for each input.
 * @example const [y, [gx]] = vjp((x) => mul(x, x), [x], onesLike(x)); // gx = 2x
 */
export function vjp(f: Fn, xs: readonly Tensor[], v: Tensor): [Tensor, Tensor[]] {
  expectFunction('vjp', f, 'f');
  expectTensors('vjp', xs, 'xs');
  expectTensor('vjp', v, 'v');
  const ps = primals(xs);
  const y = enableGrad(() => f(...ps));
  return [y.detach(), grad(y, ps, { gradOutput: v, allowUnused: true })];
}

/**
 * Value of f and the Jacobian-vector product ∂f/∂x · v (forward mode through the
 * double-backward trick: vᵀJ is linear in its cotangent u, and differentiating it by u gives Jv).
 * @example const [y, t] = jvp((x) => exp(x), [x], [onesLike(x)]); // t = exp(x)
 */
export function jvp(f: Fn, xs: readonly Tensor[], vs: readonly Tensor[]): [Tensor, Tensor] {
  expectFunction('jvp', f, 'f');
  checkPairs('jvp', xs, vs);
  const ps = primals(xs);
  return enableGrad(() => {
    const y = f(...ps);
    const u = zerosLike(y).requiresGrad_();
    const gs = grad(y, ps, { gradOutput: u, createGraph: true, allowUnused: true });
    const dot = dotWith(gs, vs);
    const t = dot ? grad(dot, [u], { allowUnused: true })[0] : zerosLike(y);
    return [y.detach(), t];
  });
}

/**
 * Value of a scalar f and the Hessian-vector products H·v (one per input), by
 * differentiating ∇f · v: one gradient with createGraph, then one more backward.
 * @example const [y, [hv]] = hvp((x) => sum(pow(x, 3)), [x], [v]); // 6 x v
 */
export function hvp(f: Fn, xs: readonly Tensor[], vs: readonly Tensor[]): [Tensor, Tensor[]] {
  expectFunction('hvp', f, 'f');
  checkPairs('hvp', xs, vs);
  const ps = primals(xs);
  return enableGrad(() => {
    const y = f(...ps);
    const gs = grad(y, ps, { createGraph: true, allowUnused: true });
    const dot = dotWith(gs, vs);
    const hv = dot ? grad(dot, ps, { allowUnused: true }) : ps.map(zerosLike);
    return [y.detach(), hv];
  });
}
