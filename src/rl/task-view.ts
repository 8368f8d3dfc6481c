// An RL environment family seen as a TaskFamily of ids, so the task samplers of src/meta/samplers
// (a prioritized buffer, RoML's cross-entropy method, CVaR-ML, the flow adversary, group DRO)
// choose and weigh meta-RL tasks unchanged: they only draw ids in the family's box and read
// each task's loss, which for a meta-RL task is minus its mean return after adaptation. The
// tasks have no supervised batches.
import { ArgumentError, describe } from '../errors.ts';
import type { Task, TaskFamily } from '../envs/task.ts';
import type { EnvFamily } from '../envs/rl/env.ts';
import { spaceSize } from '../envs/rl/env.ts';

/**
 * The env family's tasks as ids in its box, for a TaskSampler.
 * @example rlTaskFamily(new PointNav2D()).idNames // ['goal x', 'goal y']
 */
export function rlTaskFamily(family: EnvFamily): TaskFamily {
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function' || typeof family.sampleTasks !== 'function') {
    throw new ArgumentError(`rlTaskFamily: family must be an EnvFamily (PointNav2D, CheetahLite, ...), got ${describe(family)}`);
  }
  const task = (id: readonly number[]): Task => ({
    id: [...id],
    sample: () => {
      throw new ArgumentError(`${family.name}: a meta-RL task has no supervised batches; its data are episodes`);
    },
  });
  const idMean = (family as { idMean?: readonly (number | undefined)[] }).idMean;
  return {
    name: family.name, idNames: family.idNames, idLow: family.idLow, idHigh: family.idHigh, ...(idMean ? { idMean } : {}),
    inputSize: family.observationSpace.low.length, outputSize: spaceSize(family.actionSpace), loss: 'mse',
    sample: (rng, n) => family.sampleTasks(rng, n).map(task),
    task,
  };
}
