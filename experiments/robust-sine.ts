// RoML's sine experiment (Greenberg et al. 2023, section 6 and appendix): MAML, RoML (the
// cross-entropy sampler), CVaR-ML, AR-MAML's flow adversary and RMAML's task buffer (each
// sampler at its defaults) on sines with amplitude, phase and frequency, the paper's
// settings: 10 support and 10 query points, one inner step at 0.01, Adam 1e-3, 20 tasks a
// meta-batch, a 40-40 ReLU MLP, equal meta-steps for every method; evaluated on held-out tasks
// after 0..5 steps (10 support, 32 query points) by mean and CVaR at alpha 0.05.
import { Adam } from '../src/nn/optim.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { evaluate, type EvalResult } from '../src/meta/metrics.ts';
import { makeFamily, makeLearner, makeSampler, runConfig } from '../src/meta/run-config.ts';
import { metaTrain } from '../src/meta/train.ts';
import { heldOutRng } from '../src/envs/task.ts';
import { Rng } from '../src/rng.ts';

export const METHODS = [
  { name: 'MAML', flags: {} },
  { name: 'RoML (cem)', flags: { sampler: 'cem', 'cem-alpha': 0.05 } },
  { name: 'CVaR-ML', flags: { sampler: 'cvar', 'cvar-alpha': 0.05 } },
  { name: 'AR-MAML (flow)', flags: { sampler: 'flow' } },
  { name: 'PTB (buffer, medium)', flags: { sampler: 'buffer' } },
] as const;

export interface RobustSineOptions {
  metaSteps: number;
  seeds: readonly number[];
  tasks: number;
}

export const PAPER: RobustSineOptions = { metaSteps: 10000, seeds: [0, 1, 2], tasks: 2000 };

/** One method and seed: train, then evaluate on held-out tasks (stream seed 1000 + seed). */
export function robustSineRun(method: (typeof METHODS)[number], seed: number, o: RobustSineOptions): EvalResult {
  setReproducible(true); // the table's bytes on every machine
  const c = runConfig({ env: 'robust-sine', 'meta-steps': o.metaSteps, 'meta-batch': 20, shots: 10, 'query-size': 10, 'inner-lr': 0.01, 'outer-lr': 1e-3, seed, ...method.flags });
  const family = makeFamily(c);
  const learner = makeLearner(c, family);
  const sampler = makeSampler(c, family);
  metaTrain({ learner, family, optimizer: new Adam(learner.metaParameters(), { lr: c.outerLr }), metaSteps: c.metaSteps, metaBatch: c.metaBatch, shots: c.shots,
    querySize: c.querySize, rng: new Rng(c.seed + 1), ...(c.sampler ? { sampler } : {}) });
  const rng = heldOutRng(1000 + seed);
  return evaluate(learner, family, { tasks: family.sample(rng, o.tasks), shots: 10, steps: 5, querySize: 32, alpha: 0.05, rng });
}

/** The README's table: mean and CVaR_0.05 after 1..4 steps, each method averaged over the seeds. */
export function robustSineTable(results: { method: string; seed: number; r: EvalResult }[]): string {
  const steps = [1, 2, 3, 4];
  const lines = [`| method | ${steps.map((s) => `CVaR@0.05 after ${s}`).join(' | ')} | ${steps.map((s) => `mean after ${s}`).join(' | ')} |`, `|---|${'---:|'.repeat(2 * steps.length)}`];
  for (const m of METHODS.map((x) => x.name as string).filter((name) => results.some((x) => x.method === name))) {
    const mine = results.filter((x) => x.method === m);
    const avg = (pick: (r: EvalResult) => number) => (mine.reduce((s, x) => s + pick(x.r), 0) / mine.length).toFixed(2);
    lines.push(`| ${m} | ${steps.map((s) => avg((r) => r.cvar[s])).join(' | ')} | ${steps.map((s) => avg((r) => r.mean[s])).join(' | ')} |`);
  }
  return lines.join('\n');
}
