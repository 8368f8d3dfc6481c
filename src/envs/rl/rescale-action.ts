// gymnasium's RescaleAction with the clip of rllab's NormalizedEnv (pytorch-maml-rl's
// NormalizedActionWrapper): the policy acts in the box [-scale, scale]^n, each action clipped
// there and mapped affinely onto the environment's own box. pytorch-maml-rl runs its
// half-cheetahs at scale 10, so a policy's initial unit noise is a tenth of the motors' range
// and costs a hundredth of the control cost it would at scale 1.
import { ArgumentError, describe, expectNumber } from '../../errors.ts';
import type { Rng } from '../../rng.ts';
import { WithSpec, boxAction, type BoxSpace, type Env, type EnvFamily, type EnvSpec, type StepResult } from './env.ts';

class RescaledAction extends WithSpec implements Env {
  private readonly a: Float64Array;

  constructor(spec: EnvSpec, private readonly inner: Env, private readonly scale: number) {
    super(spec);
    this.a = new Float64Array(spec.actionSpace.kind === 'box' ? spec.actionSpace.low.length : 0);
  }

  setTask(id: readonly number[]): void {
    this.inner.setTask(id);
  }

  reset(seed?: number): Float64Array {
    return this.inner.reset(seed);
  }

  step(action: ArrayLike<number> | number): StepResult {
    const { low, high } = this.inner.actionSpace as BoxSpace;
    const s = this.scale;
    const a = boxAction(this, action, this.a); // checked and clipped into [-s, s]
    for (let i = 0; i < a.length; i++) a[i] = low[i] + ((a[i] + s) * (high[i] - low[i])) / (2 * s);
    return this.inner.step(a);
  }
}

/**
 * The family with its box actions rescaled: the policy acts in [-scale, scale]^n (clipped there),
 * mapped affinely onto the family's box; rewards, observations and tasks are the family's.
 * @example rescaleAction(new CheetahLite(), 10).actionSpace.high // [10, 10, 10, 10, 10, 10]
 */
export function rescaleAction(family: EnvFamily, scale: number): EnvFamily {
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function' || typeof family.sampleTasks !== 'function') {
    throw new ArgumentError(`rescaleAction: family must be an EnvFamily (CheetahLite, ...), got ${describe(family)}`);
  }
  expectNumber('rescaleAction', 'scale', scale, { min: 0, above: true });
  if (!Number.isFinite(scale)) throw new ArgumentError(`rescaleAction: scale must be finite, got ${scale}`);
  const box = family.actionSpace;
  if (box.kind !== 'box' || !box.low.every((lo, i) => Number.isFinite(lo) && Number.isFinite(box.high[i]) && lo < box.high[i])) {
    throw new ArgumentError(`rescaleAction: ${family.name}'s actions must be a bounded box, got ${describe(box)}`);
  }
  const n = box.low.length;
  const spec = {
    name: family.name, observationSpace: family.observationSpace,
    actionSpace: { kind: 'box' as const, low: new Array<number>(n).fill(-scale), high: new Array<number>(n).fill(scale) },
    idNames: family.idNames, idLow: family.idLow, idHigh: family.idHigh, horizon: family.horizon,
  };
  return {
    ...spec,
    make: () => new RescaledAction(spec, family.make(), scale),
    sampleTasks: (rng: Rng, n: number) => family.sampleTasks(rng, n),
  };
}
