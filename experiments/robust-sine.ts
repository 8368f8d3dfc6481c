// RoML's sine experiment (Greenberg et al. 2023, section 6 and appendix): MAML, RoML (the
// cross-entropy sampler), CVaR-ML, AR-MAML's flow adversary and RMAML's task buffer (each
// sampler at its defaults) on sines with amplitude, phase and frequency, the paper's
// settings: 10 support and 10 query points, one inner step at 0.01, Adam 1e-3, 20 tasks a
// meta-batch, a 40-40 ReLU MLP, equal meta-steps for every method, the best parameters on 200
// validation tasks (checked every 500 meta-steps, after one step: by the mean for MAML, by
// CVaR_0.05 for the others) kept; evaluated on held-out tasks after 0..5 steps (10 support, 32
// query points) by mean and CVaR at alpha 0.05.
import { Adam } from '../src/nn/optim.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { evaluate, type EvalResult } from '../src/meta/metrics.ts';
import { makeFamily, makeLearner, makeSampler, runConfig } from '../src/meta/run-config.ts';
import { metaTrain } from '../src/meta/train.ts';
import { heldOutRng } from '../src/envs/task.ts';
import { Rng } from '../src/rng.ts';
import { Tensor } from '../src/autograd/tensor.ts';

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

/** A method's learner for a seed, as the experiment builds it (untrained), with what trains it. */
export function robustSineSetup(method: (typeof METHODS)[number], seed: number, metaSteps: number) {
  setReproducible(true); // the table's bytes on every machine
  const c = runConfig({ env: 'robust-sine', 'meta-steps': metaSteps, 'meta-batch': 20, shots: 10, 'query-size': 10, 'inner-lr': 0.01, 'outer-lr': 1e-3, seed, ...method.flags });
  const family = makeFamily(c);
  const learner = makeLearner(c, family);
  const sampler = makeSampler(c, family);
  // validation tasks from a stream of their own; the criterion: the mean for MAML, the tail for the robust ones
  const validate = () => {
    const rng = heldOutRng(500 + seed);
    const r = evaluate(learner, family, { tasks: family.sample(rng, VALIDATION.tasks), shots: 10, steps: 1, querySize: 32, alpha: 0.05, rng });
    return method.name === 'MAML' ? r.mean[1] : r.cvar[1];
  };
  let best = { score: Infinity, step: 0, weights: learner.model.stateDict() };
  /** Meta-trains for `steps` meta-steps, keeping the best parameters on validation; returns each step's loss. */
  const train = (steps = c.metaSteps) => {
    const losses = metaTrain({ learner, family, optimizer: new Adam(learner.metaParameters(), { lr: c.outerLr }), metaSteps: steps, metaBatch: c.metaBatch, shots: c.shots,
      querySize: c.querySize, rng: new Rng(c.seed + 1), ...(c.sampler ? { sampler } : {}),
      onStep: (step) => {
        if ((step + 1) % VALIDATION.every !== 0 && step + 1 !== steps) return;
        const score = validate();
        if (score < best.score) best = { score, step: step + 1, weights: copyState(learner.model.stateDict()) };
      },
    });
    learner.model.loadStateDict(best.weights);
    return losses;
  };
  /** The held-out evaluation (stream seed 1000 + seed, `tasks` tasks, 0..5 steps). */
  const evaluateHeldOut = (tasks: number): EvalResult => {
    setReproducible(true);
    const rng = heldOutRng(1000 + seed);
    return evaluate(learner, family, { tasks: family.sample(rng, tasks), shots: 10, steps: 5, querySize: 32, alpha: 0.05, rng });
  };
  return { learner, train, evaluateHeldOut, bestStep: () => best.step };
}

/** Validation: every 500 meta-steps (and at the end), on 200 tasks. */
export const VALIDATION = { every: 500, tasks: 200 } as const;

const copyState = (state: Record<string, Tensor>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(state).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape)]));

/** The meta-losses a test retrains and compares: the first LOSS_PREFIX of each run. */
export const LOSS_PREFIX = 200;

/** One method and seed: train, then evaluate on held-out tasks; the trained weights and the first losses too. */
export function robustSineRun(method: (typeof METHODS)[number], seed: number, o: RobustSineOptions): EvalResult & { weights: Record<string, Tensor>; firstLosses: number[]; bestStep: number } {
  const run = robustSineSetup(method, seed, o.metaSteps);
  const losses = run.train();
  return { ...run.evaluateHeldOut(o.tasks), weights: run.learner.model.stateDict(), firstLosses: losses.slice(0, LOSS_PREFIX), bestStep: run.bestStep() };
}

/**
 * The README's table: CVaR_0.05 and the mean after 0..4 steps, each method's average over the
 * seeds ± the standard error across them.
 */
export function robustSineTable(results: { method: string; seed: number; r: EvalResult }[]): string {
  const steps = [0, 1, 2, 3, 4];
  const lines = [`| method | ${steps.map((s) => `CVaR@0.05 after ${s}`).join(' | ')} | ${steps.map((s) => `mean after ${s}`).join(' | ')} |`, `|---|${'---:|'.repeat(2 * steps.length)}`];
  for (const m of METHODS.map((x) => x.name as string).filter((name) => results.some((x) => x.method === name))) {
    const mine = results.filter((x) => x.method === m);
    const cell = (pick: (r: EvalResult) => number) => {
      const v = mine.map((x) => pick(x.r));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const se = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length) : 0;
      return `${mean.toFixed(2)} ± ${se.toFixed(2)}`;
    };
    lines.push(`| ${m} | ${steps.map((s) => cell((r) => r.cvar[s])).join(' | ')} | ${steps.map((s) => cell((r) => r.mean[s])).join(' | ')} |`);
  }
  return lines.join('\n');
}
