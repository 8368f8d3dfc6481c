// The outer loop: sample a meta-batch of tasks (from the sampler, uniform by default), ask the
// learner for the meta-gradient (of the sampler's objective, the mean loss by default), step
// the outer optimizer, tell the sampler the tasks' losses. Deterministic given the rng. With
// gradientSurgery 'pcgrad' the tasks' meta-gradients are taken one by one and combined by
// PCGrad (each projected off the others it conflicts with), scaled as the mean.
import { ArgumentError, DivergedError, describe, expectOptions } from '../errors.ts';
import { expectRng, type Rng } from '../rng.ts';
import type { TaskFamily } from '../envs/task.ts';
import { mul } from '../autograd/ops/elementwise.ts';
import type { Tensor } from '../autograd/tensor.ts';
import { pcgrad } from './multitask.ts';
import type { Learner, TaskData } from './learner.ts';
import type { TaskSampler } from './samplers/sampler.ts';

interface OuterOptimizer {
  step(grads: readonly Tensor[]): void;
}

export interface MetaTrainOptions {
  learner: Learner;
  family: TaskFamily;
  optimizer: OuterOptimizer;
  metaSteps: number;
  metaBatch: number;
  shots: number;
  /** Query points per task (default: shots, as in Finn et al.). */
  querySize?: number;
  rng: Rng;
  /**
   * Chooses each meta-batch's tasks and may weigh them (src/meta/samplers); default: the
   * family's uniform draw and the mean loss, today's numbers for the same seed.
   */
  sampler?: TaskSampler;
  /** Called after every meta-step with its mean query loss. */
  onStep?: (step: number, loss: number) => void;
  /** The step a resumed run continues from (default 0); steps startStep..metaSteps-1 run. */
  startStep?: number;
  /**
   * Throw a DivergedError at the first non-finite meta-loss or meta-gradient, before the
   * optimizer applies it (default true), instead of training on with NaN weights.
   */
  stopOnNonFinite?: boolean;
  /**
   * 'pcgrad': the meta-batch's task gradients combined by PCGrad's surgery (Yu et al. 2020),
   * divided by the batch size (with no conflict, the mean gradient); its projection order is
   * drawn from rng. Default: the learner's mean (or the sampler's objective).
   */
  gradientSurgery?: 'pcgrad';
}

/**
 * Runs metaSteps outer steps; returns the mean query loss of each.
 * @example metaTrain({ learner: new MAML(new MLP([1, 8, 1])), family: new Sinusoid(), optimizer: new Adam(new MLP([1, 8, 1]).parameters()), metaSteps: 2, metaBatch: 4, shots: 5, rng: new Rng(0) })
 */
export function metaTrain(o: MetaTrainOptions): number[] {
  o = expectOptions('metaTrain', o);
  for (const [name, v] of [['metaSteps', o.metaSteps], ['metaBatch', o.metaBatch], ['shots', o.shots], ['querySize', o.querySize ?? 1]] as const) {
    if (!Number.isInteger(v) || v < (name === 'metaSteps' ? 0 : 1)) throw new ArgumentError(`metaTrain: ${name} must be ${name === 'metaSteps' ? 'an integer >= 0' : 'a positive integer'}, got ${describe(v)}`);
  }
  if (!o.learner || typeof o.learner.metaGradient !== 'function') throw new ArgumentError(`metaTrain: learner must be a Learner, got ${describe(o.learner)}`);
  if (!o.family || typeof o.family.sample !== 'function') throw new ArgumentError(`metaTrain: family must be a TaskFamily, got ${describe(o.family)}`);
  if (!o.optimizer || typeof o.optimizer.step !== 'function') throw new ArgumentError(`metaTrain: optimizer must have step(grads), got ${describe(o.optimizer)}`);
  expectRng('metaTrain', o.rng);
  const sampler = o.sampler;
  if (sampler !== undefined && (sampler === null || typeof sampler !== 'object' || typeof sampler.sample !== 'function')) {
    throw new ArgumentError(`metaTrain: sampler must be a TaskSampler (uniform, TaskBuffer, CVaRSampler, CEMSampler, GroupDRO, ...), got ${describe(sampler)}`);
  }
  const start = o.startStep ?? 0;
  if (!Number.isInteger(start) || start < 0 || start > o.metaSteps) throw new ArgumentError(`metaTrain: startStep must be an integer from 0 to metaSteps (${o.metaSteps}), got ${describe(start)}`);
  const stopOnNonFinite = o.stopOnNonFinite ?? true;
  const surgery = o.gradientSurgery;
  if (surgery !== undefined && surgery !== 'pcgrad') throw new ArgumentError(`metaTrain: gradientSurgery must be 'pcgrad' or absent, got ${describe(surgery)}`);
  if (surgery && o.learner.needsWholeBatch) throw new ArgumentError(`metaTrain: gradientSurgery '${surgery}' takes the tasks one by one; the learner '${o.learner.name}' needs the whole meta-batch at once (its inner-rate rule)`);
  const losses: number[] = [];
  for (let step = start; step < o.metaSteps; step++) {
    const drawn = sampler ? sampler.sample(o.rng, o.metaBatch, step) : o.family.sample(o.rng, o.metaBatch);
    const tasks: TaskData[] = drawn.map((t) => ({
      support: t.sample(o.rng, o.shots),
      query: t.sample(o.rng, o.querySize ?? o.shots),
    }));
    const objective = sampler?.objective?.(drawn);
    if (objective && surgery) throw new ArgumentError(`metaTrain: gradientSurgery '${surgery}' combines the tasks' gradients itself; the sampler '${sampler!.name}' weighs them by its objective`);
    const r = surgery ? surgeryStep(o.learner, tasks, o.rng) : objective ? o.learner.metaGradient(tasks, objective) : o.learner.metaGradient(tasks);
    const { loss, grads } = r;
    if (stopOnNonFinite) checkFinite(step, r.objective ?? loss, grads);
    o.optimizer.step(grads);
    o.learner.afterStep?.();
    sampler?.observe?.(drawn, r.taskLosses, step);
    losses.push(loss);
    o.onStep?.(step, loss);
  }
  return losses;
}

/** PCGrad over the tasks' own meta-gradients, divided by their number; the mean loss. */
function surgeryStep(learner: Learner, tasks: readonly TaskData[], rng: Rng): { loss: number; grads: Tensor[]; taskLosses: number[]; objective?: number } {
  const each = tasks.map((t) => learner.metaGradient([t]));
  const taskLosses = each.map((r) => r.loss);
  const grads = pcgrad(each.map((r) => r.grads), rng).map((g) => mul(g, 1 / tasks.length));
  return { loss: taskLosses.reduce((a, b) => a + b, 0) / tasks.length, grads, taskLosses };
}

function checkFinite(step: number, loss: number, grads: readonly Tensor[]): void {
  let bad = Number.isFinite(loss) ? -1 : -2;
  for (let i = 0; bad === -1 && i < grads.length; i++) {
    const d = grads[i].data;
    for (let j = 0; j < d.length; j++) {
      if (!Number.isFinite(d[j])) {
        bad = i;
        break;
      }
    }
  }
  if (bad === -1) return;
  const what = bad === -2 ? `the meta-loss is ${loss}` : `the meta-gradient of parameter ${bad} is not finite (loss ${loss})`;
  throw new DivergedError(`metaTrain: training diverged at meta-step ${step}: ${what}; the parameters are those before this step (lower the learning rates)`, step, loss);
}
