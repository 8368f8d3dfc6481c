// The oracle of the MAML-RL papers: the same environments with the task's identifier appended
// to every observation, so one policy trained across tasks knows which task it is in and needs
// no adaptation. Its returns bound what a meta-learner can reach after adapting.
import { ArgumentError, describe } from '../../errors.ts';
import type { Rng } from '../../rng.ts';
import { WithSpec, type Env, type EnvFamily, type StepResult } from './env.ts';

class TaskInObservation extends WithSpec implements Env {
  private id: readonly number[];

  constructor(family: EnvFamily, private readonly inner: Env) {
    super(oracleSpec(family));
    this.id = family.idLow.map((lo) => (Number.isFinite(lo) ? lo : 0));
  }

  setTask(id: readonly number[]): void {
    this.inner.setTask(id);
    this.id = [...id];
  }

  reset(seed?: number): Float64Array {
    return this.withId(this.inner.reset(seed));
  }

  step(action: ArrayLike<number> | number): StepResult {
    const r = this.inner.step(action);
    return { ...r, obs: this.withId(r.obs) };
  }

  private withId(obs: Float64Array): Float64Array {
    const out = new Float64Array(obs.length + this.id.length);
    out.set(obs);
    out.set(this.id, obs.length);
    return out;
  }
}

const oracleSpec = (f: EnvFamily) => ({
  name: `${f.name}-oracle`,
  observationSpace: { kind: 'box' as const, low: [...f.observationSpace.low, ...f.idLow], high: [...f.observationSpace.high, ...f.idHigh] },
  actionSpace: f.actionSpace, idNames: f.idNames, idLow: f.idLow, idHigh: f.idHigh, horizon: f.horizon,
});

/**
 * The family with each task's id appended to the observations (the oracle baseline's view).
 * @example withTaskInObservation(new PointNav2D()).make().reset() // Float64Array [0, 0, -0.5, -0.5] (position, then the goal)
 */
export function withTaskInObservation(family: EnvFamily): EnvFamily {
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function' || typeof family.sampleTasks !== 'function') {
    throw new ArgumentError(`withTaskInObservation: family must be an EnvFamily (PointNav2D, ...), got ${describe(family)}`);
  }
  const spec = oracleSpec(family);
  return {
    ...spec,
    make: () => new TaskInObservation(family, family.make()),
    sampleTasks: (rng: Rng, n: number) => family.sampleTasks(rng, n),
  };
}
