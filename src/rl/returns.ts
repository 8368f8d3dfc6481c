// Returns and advantages of batches of episodes, over flat arrays [N, T] (episode-major) with a
// mask of the steps that happened (an episode that ended early is padded with zeros): the
// discounted return, and generalized advantage estimation (Schulman et al. 2016) with the
// baseline's values, as pytorch-maml-rl computes them (the value after the last step is 0).
import { ArgumentError, describe, expectNumber } from '../errors.ts';

function checkShape(op: string, n: number, t: number, arrays: Record<string, ArrayLike<number>>): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(t) || t < 1) throw new ArgumentError(`${op}: episodes and steps must be positive integers, got ${describe(n)} and ${describe(t)}`);
  for (const [name, a] of Object.entries(arrays)) {
    if (a === null || typeof a !== 'object' || a.length !== n * t) throw new ArgumentError(`${op}: ${name} must hold ${n} x ${t} numbers, got ${describe(a)}`);
  }
}

/**
 * G_t = r_t + γ G_{t+1} within each episode (masked steps count 0), for rewards [N, T].
 * @example Array.from(discountedReturns(Float64Array.of(1, 1, 1), Float64Array.of(1, 1, 1), 1, 3, 0.5)) // [1.75, 1.5, 1]
 */
export function discountedReturns(rewards: ArrayLike<number>, mask: ArrayLike<number>, n: number, t: number, gamma: number): Float64Array {
  checkShape('discountedReturns', n, t, { rewards, mask });
  expectNumber('discountedReturns', 'gamma', gamma, { min: 0, max: 1 });
  const out = new Float64Array(n * t);
  for (let e = 0; e < n; e++) {
    let g = 0;
    for (let s = t - 1; s >= 0; s--) {
      g = mask[e * t + s] ? rewards[e * t + s] + gamma * g : 0;
      out[e * t + s] = g;
    }
  }
  return out;
}

/**
 * Generalized advantage estimates for rewards and baseline values [N, T]: δ_t = r_t + γ V_{t+1}
 * − V_t (V 0 after the last real step), A_t = δ_t + γλ A_{t+1}; masked steps 0.
 * @example Array.from(gae(Float64Array.of(1, 1), Float64Array.of(0, 0), Float64Array.of(1, 1), 1, 2, 1, 1)) // [2, 1]
 */
export function gae(rewards: ArrayLike<number>, values: ArrayLike<number>, mask: ArrayLike<number>, n: number, t: number, gamma: number, lambda: number): Float64Array {
  checkShape('gae', n, t, { rewards, values, mask });
  expectNumber('gae', 'gamma', gamma, { min: 0, max: 1 });
  expectNumber('gae', 'lambda', lambda, { min: 0, max: 1 });
  const out = new Float64Array(n * t);
  for (let e = 0; e < n; e++) {
    let next = 0; // V_{t+1}, 0 past the end
    let acc = 0;
    for (let s = t - 1; s >= 0; s--) {
      const i = e * t + s;
      if (!mask[i]) {
        next = 0;
        acc = 0;
        continue;
      }
      const delta = rewards[i] + gamma * next - values[i];
      acc = delta + gamma * lambda * acc;
      out[i] = acc;
      next = values[i];
    }
  }
  return out;
}

/**
 * Advantages shifted and scaled to mean 0 and standard deviation 1 over the real steps (the
 * usual variance reduction before a policy-gradient step).
 * @example Array.from(normalizeAdvantages(Float64Array.of(1, 3), Float64Array.of(1, 1), 0)) // [-1, 1]
 */
export function normalizeAdvantages(advantages: ArrayLike<number>, mask: ArrayLike<number>, eps = 1e-8): Float64Array {
  if (advantages === null || typeof advantages !== 'object' || mask === null || typeof mask !== 'object' || advantages.length !== mask.length) {
    throw new ArgumentError(`normalizeAdvantages: advantages and mask must be arrays of one length, got ${describe(advantages)} and ${describe(mask)}`);
  }
  let count = 0;
  let sum = 0;
  for (let i = 0; i < advantages.length; i++) if (mask[i]) { sum += advantages[i]; count++; }
  const mean = count ? sum / count : 0;
  let sq = 0;
  for (let i = 0; i < advantages.length; i++) if (mask[i]) sq += (advantages[i] - mean) ** 2;
  const std = count ? Math.sqrt(sq / count) : 0;
  return Float64Array.from(advantages, (a, i) => (mask[i] ? (a - mean) / (std + eps) : 0));
}
