// MAML's half-cheetahs (Finn et al. 2017, section 5.3; pytorch-maml-rl's HalfCheetahVel and
// HalfCheetahDir) on CheetahLite: run at a target velocity U[0, 2] or forward or backward (±1).
// pytorch-maml-rl's settings where they fit the budget: a 64-64 tanh Gaussian policy, one
// policy-gradient inner step at 0.1, TRPO outer steps (KL 0.01, 10 conjugate-gradient
// iterations), discount 0.99, GAE λ 1 over the linear feature baseline, and its action scale:
// the policy acts in [-10, 10], a tenth of that drives the motors (rescaleAction). At scale 1
// the policy's initial unit noise saturates the motors and its control cost swamps the
// direction task's signal: 300 meta-steps at scale 1 left MAML-TRPO at returns of -30; at
// scale 10 the same run adapts within 75 meta-steps. Rows as the point robot's:
// MAML-TRPO; the pretrained policy (TRPO across tasks, no adaptation in training); a random
// initialisation; the oracle (the task in its observation, trained like the pretrained policy).
// The budget is far below the paper's (500 meta-steps of 40 tasks × 20 episodes): CHEETAH below,
// with MAML-TRPO's Fisher-vector products on a fifth of the episodes (its line search checks the
// whole KL).
import { setReproducible } from '../src/kernels/backend.ts';
import { CheetahLite } from '../src/envs/rl/cheetah.ts';
import { withTaskInObservation } from '../src/envs/rl/oracle.ts';
import { rescaleAction } from '../src/envs/rl/rescale-action.ts';
import type { EnvFamily } from '../src/envs/rl/env.ts';
import { GaussianPolicy } from '../src/rl/policy.ts';
import { evaluateRL, metaTrainRL, type MetaTrainRLOptions, type RLEvalResult } from '../src/rl/meta-rl.ts';
import { Rng } from '../src/rng.ts';
import { POINTNAV_ROWS, returnsTable, type PointnavResult, type PointnavRow } from './pointnav.ts';

export const CHEETAH_TASKS = ['velocity', 'direction'] as const;
export type CheetahTaskName = (typeof CHEETAH_TASKS)[number];
export const CHEETAH_ROWS = POINTNAV_ROWS;

/** The policy's action scale; the budget: meta-steps, tasks and episodes per meta-step, held-out tasks and their episodes. */
export const CHEETAH = { actionScale: 10, metaSteps: 300, metaBatch: 20, episodes: 10, fisherSubsample: 5, heldOut: 20, evalEpisodes: 10, steps: 2, alpha: 0.1 } as const;

/** A pointnav-shaped result (row, seed, curve, held-out evaluation, seconds) of one task family. */
export interface CheetahResult extends PointnavResult {
  task: CheetahTaskName;
}

const familyOf = (task: CheetahTaskName, row: PointnavRow): EnvFamily => {
  const base = rescaleAction(new CheetahLite({ task }), CHEETAH.actionScale);
  return row === 'oracle' ? withTaskInObservation(base) : base;
};

/** A fresh policy of this row (17 observations, the oracle's 18), as cheetahRun starts it. */
export function cheetahPolicy(row: PointnavRow, seed: number): GaussianPolicy {
  return new GaussianPolicy(row === 'oracle' ? 18 : 17, 6, { hidden: [64, 64], rng: new Rng(seed) });
}

/** The first `metaSteps` meta-steps of a row's training (none for random), in place. */
export function cheetahTrain(task: CheetahTaskName, row: PointnavRow, policy: GaussianPolicy, seed: number, metaSteps: number, onStep?: MetaTrainRLOptions['onStep']): { before: number[]; after: number[] } {
  setReproducible(true);
  if (row === 'random') return { before: [], after: [] };
  return metaTrainRL({
    family: familyOf(task, row), policy, metaSteps, metaBatch: CHEETAH.metaBatch, episodes: CHEETAH.episodes, rng: new Rng(2000 + seed),
    mode: row === 'maml' ? 'maml' : 'pretrain', ...(row === 'maml' ? { fisherSubsample: CHEETAH.fisherSubsample } : {}), ...(onStep ? { onStep } : {}),
  });
}

/** One task family, one row, one seed: train (unless random), then evaluate on held-out tasks. */
export function cheetahRun(task: CheetahTaskName, row: PointnavRow, seed: number, metaSteps: number = CHEETAH.metaSteps, onStep?: MetaTrainRLOptions['onStep']): CheetahResult {
  const policy = cheetahPolicy(row, seed);
  const t0 = performance.now();
  const curve = cheetahTrain(task, row, policy, seed, metaSteps, onStep);
  const ev = cheetahEval(task, row, policy, seed);
  return { task, row, policy, seed, metaSteps: row === 'random' ? 0 : metaSteps, curve, eval: ev, seconds: (performance.now() - t0) / 1000 };
}

/** The held-out evaluation of a policy of this row: returns after 0..steps policy-gradient steps. */
export function cheetahEval(task: CheetahTaskName, row: PointnavRow, policy: GaussianPolicy, seed: number): RLEvalResult {
  setReproducible(true);
  const tasks = new CheetahLite({ task }).evalTasks(new Rng(88_000 + seed), CHEETAH.heldOut);
  return evaluateRL(policy, familyOf(task, row), { tasks, steps: CHEETAH.steps, episodes: CHEETAH.evalEpisodes, alpha: CHEETAH.alpha, rng: new Rng(6000 + seed) });
}

/** The README's table: per task family, mean (± standard error) and CVaR of the return after 0..steps. */
export function cheetahTable(results: readonly CheetahResult[]): string {
  return CHEETAH_TASKS.map((task) => `${task}:\n\n${returnsTable(results.filter((r) => r.task === task), CHEETAH.steps, CHEETAH.alpha)}`).join('\n\n');
}
