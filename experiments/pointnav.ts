// MAML's point robot (Finn et al. 2017, section 5.3; pytorch-maml-rl's 2D navigation): goals
// U[-0.5, 0.5]², a 64-64 tanh Gaussian policy, one policy-gradient inner step at 0.1, TRPO
// outer steps (KL 0.01, 10 conjugate-gradient iterations), discount 0.99, GAE λ 1 over the
// linear feature baseline. Rows: MAML-TRPO; the pretrained policy (TRPO across tasks, no
// adaptation in training); a random initialisation; the oracle (the goal in its observation,
// trained like the pretrained policy). All evaluated alike on held-out goals: returns after
// 0..3 policy-gradient steps, each step on fresh episodes of the policy adapted so far.
// The budget is smaller than the paper's (see PAPER below and the README).
import { setReproducible } from '../src/kernels/backend.ts';
import { PointNav2D } from '../src/envs/rl/pointnav.ts';
import { withTaskInObservation } from '../src/envs/rl/oracle.ts';
import type { EnvFamily } from '../src/envs/rl/env.ts';
import { GaussianPolicy } from '../src/rl/policy.ts';
import { evaluateRL, metaTrainRL, type RLEvalResult } from '../src/rl/meta-rl.ts';
import { Rng } from '../src/rng.ts';

export const POINTNAV_ROWS = ['maml', 'pretrained', 'random', 'oracle'] as const;
export type PointnavRow = (typeof POINTNAV_ROWS)[number];

/** The budget: meta-steps for the trained rows, tasks and episodes per meta-step, held-out goals. */
export const POINTNAV = { metaSteps: 100, metaBatch: 20, episodes: 10, heldOut: 40, evalEpisodes: 20, steps: 3, alpha: 0.1 } as const;

/** MAML's figure 4 (2D navigation, return after 0, 1, 2 steps; random initialisation after one). */
export const PAPER_POINTNAV = { maml: [-40.4, -11.7, -3.3], random: -82.7 } as const;

export interface PointnavResult {
  row: PointnavRow;
  /** The trained policy (not in the JSON: run.ts saves its weights beside it). */
  policy?: GaussianPolicy;
  seed: number;
  metaSteps: number;
  /** Per meta-step: the mean return before and after adaptation (equal for the non-adapting rows). */
  curve: { before: number[]; after: number[] };
  eval: RLEvalResult;
  seconds: number;
}

/** One row, one seed: train (unless random), then evaluate on the held-out goals. */
export function pointnavRun(row: PointnavRow, seed: number, metaSteps: number = POINTNAV.metaSteps): PointnavResult {
  setReproducible(true);
  const base = new PointNav2D();
  const family: EnvFamily = row === 'oracle' ? withTaskInObservation(base) : base;
  const policy = pointnavPolicy(row, seed);
  const t0 = performance.now();
  const curve = row === 'random'
    ? { before: [], after: [] }
    : metaTrainRL({ family, policy, metaSteps, metaBatch: POINTNAV.metaBatch, episodes: POINTNAV.episodes, rng: new Rng(1000 + seed), mode: row === 'maml' ? 'maml' : 'pretrain' });
  const ev = pointnavEval(row, policy, seed);
  return { row, policy, seed, metaSteps: row === 'random' ? 0 : metaSteps, curve, eval: ev, seconds: (performance.now() - t0) / 1000 };
}

/** The held-out evaluation of a policy of this row (its family's view), as pointnavRun does it. */
export function pointnavEval(row: PointnavRow, policy: GaussianPolicy, seed: number): RLEvalResult {
  setReproducible(true);
  const base = new PointNav2D();
  const family: EnvFamily = row === 'oracle' ? withTaskInObservation(base) : base;
  const goals = base.sampleTasks(new Rng(77_000 + seed), POINTNAV.heldOut);
  return evaluateRL(policy, family, { tasks: goals, steps: POINTNAV.steps, episodes: POINTNAV.evalEpisodes, alpha: POINTNAV.alpha, rng: new Rng(5000 + seed) });
}

/** A fresh policy of this row, as pointnavRun starts it (to load saved weights into). */
export function pointnavPolicy(row: PointnavRow, seed: number): GaussianPolicy {
  return new GaussianPolicy(row === 'oracle' ? 4 : 2, 2, { hidden: [64, 64], rng: new Rng(seed) });
}

/** The README's table: mean (± standard error) and CVaR of the return after 0..3 steps, per row. */
export function pointnavTable(results: readonly PointnavResult[]): string {
  return returnsTable(results, POINTNAV.steps, POINTNAV.alpha);
}

/** Rows of held-out returns (the point robot's, the cheetahs'): mean ± standard error and CVaR after 0..steps. */
export function returnsTable(results: readonly { row: PointnavRow; eval: RLEvalResult }[], steps: number, alpha: number): string {
  const ks = Array.from({ length: steps + 1 }, (_, s) => s);
  const lines = [`| policy | ${ks.map((s) => `after ${s}`).join(' | ')} | ${ks.map((s) => `CVaR@${alpha} after ${s}`).join(' | ')} |`, `|---|${'---:|'.repeat(2 * ks.length)}`];
  for (const row of POINTNAV_ROWS) {
    const r = results.find((x) => x.row === row);
    if (!r) continue;
    lines.push(`| ${row} | ${ks.map((s) => `${r.eval.mean[s].toFixed(1)} ± ${r.eval.stderr[s].toFixed(1)}`).join(' | ')} | ${ks.map((s) => r.eval.cvar[s].toFixed(1)).join(' | ')} |`);
  }
  return lines.join('\n');
}
