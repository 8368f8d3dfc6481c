// Tail-aware metrics of a task distribution: mean, standard error, CVaR at alpha (the mean of
// the worst alpha fraction of tasks: the highest losses) and the worst case.
import { ArgumentError, MetagradError, describe, expectNumber, expectOptions } from '../errors.ts';
import { expectRng, type Rng } from '../rng.ts';
import { noGrad } from '../autograd/tape.ts';
import { tidy } from '../autograd/tidy.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { TaskFamily, Task } from '../envs/task.ts';
import type { Learner } from './learner.ts';
import { lossFn } from './learner.ts';

export interface Summary {
  mean: number;
  stderr: number;
  cvar: number;
  worst: number;
  /** Tasks whose loss is not finite (adaptation diverged); they count as +Infinity. */
  diverged: number;
}

/**
 * Summary of per-task losses (higher is worse). CVaR_α averages the ⌈α·n⌉ highest losses.
 * @example summarize([1, 2, 3, 10], 0.25) // { mean: 4, cvar: 10, worst: 10, ... }
 */
export function summarize(losses: readonly number[], alpha: number): Summary {
  if (!Array.isArray(losses) || losses.some((l) => typeof l !== 'number')) throw new ArgumentError(`summarize: losses must be an array of numbers, got ${describe(losses)}`);
  if (losses.length === 0) throw new MetagradError('summarize: no losses');
  if (!(alpha > 0 && alpha <= 1)) throw new MetagradError(`summarize: alpha must be in (0, 1], got ${alpha}`);
  const n = losses.length;
  // A NaN loss means adaptation blew up: rank it as the worst possible outcome, not as "unknown".
  const ls = losses.map((l) => (Number.isFinite(l) ? l : Infinity));
  const diverged = ls.filter((l) => l === Infinity).length;
  const mean = ls.reduce((a, b) => a + b, 0) / n;
  const variance = diverged ? Infinity : n > 1 ? ls.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const sorted = [...ls].sort((a, b) => b - a);
  const k = Math.max(1, Math.ceil(alpha * n));
  const cvar = sorted.slice(0, k).reduce((a, b) => a + b, 0) / k;
  return { mean, stderr: Math.sqrt(variance / n), cvar, worst: sorted[0], diverged };
}

export interface EvalOptions {
  tasks: Task[];
  shots: number;
  /** Adaptation steps: losses are reported after 0..steps. */
  steps: number;
  /** Query points per task (default 100). */
  querySize?: number;
  alpha?: number;
  rng: Rng;
}

export interface EvalResult {
  tasks: number;
  shots: number;
  alpha: number;
  steps: number[];
  mean: number[];
  stderr: number[];
  cvar: number[];
  worst: number[];
  /** Tasks whose adaptation diverged (non-finite loss) after each step count. */
  diverged: number[];
  /** perTask[s][i]: loss of task i after s steps. */
  perTask: number[][];
  /**
   * Classification families: the query accuracy after each step count, averaged over tasks, and
   * its 95% interval's half-width (1.96 standard errors over tasks).
   */
  accuracy?: { mean: number[]; ci95: number[] };
}

/**
 * The class of each row: the index of its highest score (ties: the first).
 * @example Array.from(predictedClasses(tensor([[2, 1], [0, 3]]))) // [0, 1]
 */
export function predictedClasses(scores: Tensor): Int32Array {
  if (!(scores instanceof Tensor) || scores.ndim !== 2) throw new ArgumentError(`predictedClasses: scores must be [n, classes], got ${describe(scores)}`);
  const [n, classes] = scores.shape;
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores.data[i * classes + c] > scores.data[i * classes + best]) best = c;
    return best;
  });
}

/**
 * The fraction of rows whose highest score is their label (ties: the first class).
 * @example classificationAccuracy(tensor([[2, 1], [0, 3], [5, 4]]), tensor([0, 1, 1])) // 2 / 3
 */
export function classificationAccuracy(scores: Tensor, labels: Tensor): number {
  if (!(scores instanceof Tensor) || scores.ndim !== 2 || !(labels instanceof Tensor) || labels.size !== scores.shape[0]) {
    throw new ArgumentError(`classificationAccuracy: scores must be [n, classes] and labels hold n classes, got ${describe(scores)} and ${describe(labels)}`);
  }
  const predicted = predictedClasses(scores);
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels.data[i]) right++;
  return right / predicted.length;
}

/**
 * Post-adaptation query loss of a learner on held-out tasks after 0..steps inner steps (and,
 * on a classification family, the query accuracy). A learner with classify() (ProtoNet) is
 * scored by it, others by model.call.
 * @example evaluate(new MAML(new MLP([1, 8, 1])), new Sinusoid(), { tasks: new Sinusoid().sample(new Rng(0), 10), shots: 5, steps: 1, rng: new Rng(1) }).mean // [loss before, after 1 step]
 */
export function evaluate(learner: Learner, family: TaskFamily, options: EvalOptions): EvalResult {
  if (learner === null || typeof learner !== 'object' || typeof learner.adapt !== 'function' || !learner.model) {
    throw new ArgumentError(`evaluate: learner must be a Learner (MAML, Reptile, Pretrain, ...), got ${describe(learner)}`);
  }
  if (family === null || typeof family !== 'object' || typeof family.sample !== 'function') {
    throw new ArgumentError(`evaluate: family must be a TaskFamily, got ${describe(family)}`);
  }
  options = expectOptions('evaluate', options);
  const { tasks, rng } = options;
  if (!Array.isArray(tasks) || tasks.length === 0) throw new ArgumentError(`evaluate: tasks must be a non-empty array of tasks, got ${describe(tasks)}`);
  const shots = expectNumber('evaluate', 'shots', options.shots, { integer: true, min: 1 });
  const steps = expectNumber('evaluate', 'steps', options.steps, { integer: true, min: 0 });
  const alpha = expectNumber('evaluate', 'alpha', options.alpha ?? 0.1, { min: 0, above: true, max: 1 });
  const querySize = expectNumber('evaluate', 'querySize', options.querySize ?? family.evalQuerySize ?? 100, { integer: true, min: 1 });
  expectRng('evaluate', rng);
  const loss = lossFn(family.loss);
  const perTask: number[][] = Array.from({ length: steps + 1 }, () => []);
  const classification = family.loss === 'crossEntropy';
  const accuracy: number[][] = Array.from({ length: classification ? steps + 1 : 0 }, () => []);
  const theta = learner.model.paramMap();
  for (const task of tasks) {
    const support = task.sample(rng, shots);
    const query = task.sample(rng, querySize);
    tidy(() => { // one task's adapted weights and predictions, in recycled memory
      let params = theta;
      for (let s = 0; s <= steps; s++) {
        if (s > 0) params = learner.adapt(params, support, 1);
        const p = params;
        const scores = noGrad(() => (learner.classify ? learner.classify(support, query.x, p) : learner.model.call(query.x, p)));
        perTask[s].push(noGrad(() => loss(scores, query.y).item()));
        if (classification) accuracy[s].push(classificationAccuracy(scores, query.y));
      }
    });
  }
  const sums = perTask.map((l) => summarize(l, alpha));
  return {
    tasks: tasks.length, shots, alpha, steps: perTask.map((_, s) => s),
    mean: sums.map((s) => s.mean), stderr: sums.map((s) => s.stderr), cvar: sums.map((s) => s.cvar), worst: sums.map((s) => s.worst),
    diverged: sums.map((s) => s.diverged), perTask,
    ...(classification ? { accuracy: { mean: accuracy.map((a) => summarize(a, 1).mean), ci95: accuracy.map((a) => 1.96 * summarize(a, 1).stderr) } } : {}),
  };
}
