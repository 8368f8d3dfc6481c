// gradcheck / gradgradcheck: analytical gradients from the tape against central finite
// differences, in float64. Reports the worst error and where it is, like torch.autograd.gradcheck.
import { DTypeError, expectFunction, expectOptions } from '../errors.ts';
import { Rng } from '../rng.ts';
import { grad } from './grad.ts';
import { enableGrad, isGradEnabled, noGrad } from './tape.ts';
import { Tensor, expectTensors, randn } from './tensor.ts';

type MultiFn = (...xs: Tensor[]) => Tensor | Tensor[];

export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Pass when |analytical - numerical| <= atol + rtol * |numerical|. Defaults 1e-5, 1e-3. */
  atol?: number;
  rtol?: number;
  /** Seed of the random output cotangent. Default 0. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytical - numerical| - rtol*|numerical| excess seen, as the raw absolute error. */
  maxError: number;
  /** Input and flat element index of the worst entry. */
  input: number;
  index: number;
  analytical: number;
  numerical: number;
}

const asList = (y: Tensor | Tensor[]) => (y instanceof Tensor ? [y] : y);

/**
 * Checks the gradient of f at inputs (float64 tensors): with a random cotangent u, compares
 * grad(uᵀf) with central differences of uᵀf, element by element of every input.
 * @example
 * const x = randn([3], { dtype: 'float64' });
 * gradcheck((x) => tanh(x), [x]).ok; // true
 */
export function gradcheck(f: MultiFn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  expectFunction('gradcheck', f, 'f');
  expectTensors('gradcheck', inputs, 'inputs');
  options = expectOptions('gradcheck', options);
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64') throw new DTypeError(`gradcheck: input ${i} is ${x.dtype}; finite differences need float64`);
  });
  const xs = inputs.map((x) => new Tensor(Float64Array.from(x.data), x.shape, true));
  const rng = new Rng(options.seed ?? 0);
  const ys = enableGrad(() => asList(f(...xs)));
  const us = ys.map((y) => randn(y.shape, { dtype: 'float64', rng }));
  const objective = (outs: Tensor[]) => outs.reduce((acc, y, k) => {
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * us[k].data[i];
    return acc + s;
  }, 0);
  const live = ys.map((y) => y.requiresGrad);
  const analytical = live.some(Boolean)
    ? grad(ys.filter((_, k) => live[k]), xs, { gradOutput: us.filter((_, k) => live[k]), allowUnused: true })
    : xs.map((x) => new Tensor(new Float64Array(x.size), x.shape));

  const worst: GradcheckResult = { ok: true, maxError: 0, input: -1, index: -1, analytical: 0, numerical: 0 };
  let worstExcess = -Infinity;
  noGrad(() => {
    xs.forEach((x, i) => {
      for (let j = 0; j < x.size; j++) {
        const orig = x.data[j];
        x.data[j] = orig + eps;
        const plus = objective(asList(f(...xs)));
        x.data[j] = orig - eps;
        const minus = objective(asList(f(...xs)));
        x.data[j] = orig;
        const numerical = (plus - minus) / (2 * eps);
        const a = analytical[i].data[j];
        const err = Math.abs(a - numerical);
        const excess = err - (atol + rtol * Math.abs(numerical));
        if (excess > worstExcess || Number.isNaN(err)) {
          worstExcess = Number.isNaN(err) ? Infinity : excess;
          Object.assign(worst, { maxError: err, input: i, index: j, analytical: a, numerical });
        }
      }
    });
  });
  worst.ok = worstExcess <= 0 || worst.input === -1;
  return worst;
}

/**
 * Checks second derivatives: gradcheck of x -> grad(uᵀf(x), x, createGraph), the function
 * whose correctness MAML's meta-gradient and Hessian-vector products depend on.
 * @example gradgradcheck((x) => softmax(x), [randn([4], { dtype: 'float64' })]).ok // true
 */
export function gradgradcheck(f: MultiFn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  expectFunction('gradgradcheck', f, 'f');
  expectTensors('gradgradcheck', inputs, 'inputs');
  options = expectOptions('gradgradcheck', options);
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64') throw new DTypeError(`gradgradcheck: input ${i} is ${x.dtype}; finite differences need float64`);
  });
  const rng = new Rng((options.seed ?? 0) + 1);
  let us: Tensor[] | null = null;
  const firstGrad = (...xs: Tensor[]): Tensor[] => {
    const ys = asList(f(...xs));
    us ??= ys.map((y) => randn(y.shape, { dtype: 'float64', rng }));
    const live = ys.map((y) => y.requiresGrad);
    if (!live.some(Boolean)) return xs.map((x) => new Tensor(new Float64Array(x.size), x.shape));
    return grad(ys.filter((_, k) => live[k]), xs, { gradOutput: us.filter((_, k) => live[k]), createGraph: true, allowUnused: true });
  };
  // gradcheck's finite differences call this under noGrad; the first gradient still needs a
  // tape of its own there, on fresh leaves sharing the perturbed data.
  const inner = (...xs: Tensor[]): Tensor[] => {
    if (isGradEnabled()) return firstGrad(...xs);
    return enableGrad(() => firstGrad(...xs.map((x) => new Tensor(x.data, x.shape, true))));
  };
  return gradcheck(inner, inputs, options);
}
