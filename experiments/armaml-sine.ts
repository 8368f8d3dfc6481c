// AR-MAML's sinusoid experiment (Wang et al. 2025, seed 000; lvyiqin/AR-MAML): Finn's sines
// (amplitude U[0.1, 5], phase U[0, π], x U[-5, 5]), 5 support points, 25 tasks a meta-batch,
// the flow adversary at the reference's command-line settings (KL weight 0.2, an update every
// 10 meta-steps, Adam 1e-4) against uniform MAML, both with one inner step at 0.01 and Adam
// 1e-3 on a 40-40 ReLU MLP; and the adversary with a five times larger KL weight. Evaluated
// after one step on held-out uniform tasks by the mean and the CVaR of the worst 10%, 30% and
// 50% of tasks (the paper's table), and on the shifted set (amplitudes in the top third).
import { Adam } from '../src/nn/optim.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { evaluate, summarize } from '../src/meta/metrics.ts';
import { makeFamily, makeLearner, makeSampler, runConfig } from '../src/meta/run-config.ts';
import { metaTrain } from '../src/meta/train.ts';
import { heldOutRng } from '../src/envs/task.ts';
import type { FlowAdversary } from '../src/meta/samplers/adversary.ts';
import { heatMap } from '../src/plot.ts';
import { Rng } from '../src/rng.ts';
import type { Tensor } from '../src/autograd/tensor.ts';

export const ARMAML_METHODS = [
  { name: 'MAML', flags: {} },
  { name: 'AR-MAML (flow, λ 0.2)', flags: { sampler: 'flow' } },
  { name: 'AR-MAML (flow, λ 1)', flags: { sampler: 'flow', 'flow-lambda': 1 } },
] as const;

export const ARMAML_SINE = { metaSteps: 10000, seeds: [0, 1, 2], tasks: 2000, alphas: [0.5, 0.3, 0.1] } as const;

export interface ArmamlRun {
  method: string;
  seed: number;
  /** Mean, then CVaR at each of ARMAML_SINE.alphas, after one step: uniform tasks, then shifted. */
  uniform: number[];
  shifted: number[];
  /** The adversary's density on a 40 x 40 grid of the box (amplitude fastest), for the flow. */
  density?: number[];
  /** The first meta-losses (a test retrains and compares them). */
  firstLosses: number[];
}

/** How many of the first meta-losses a run keeps. */
export const LOSS_PREFIX = 200;

const GRID = 40;

/** A method's learner for a seed, as the experiment builds it (untrained), with what trains and evaluates it. */
export function armamlSetup(method: (typeof ARMAML_METHODS)[number], seed: number, metaSteps: number) {
  setReproducible(true);
  const c = runConfig({ env: 'sinusoid', 'meta-steps': metaSteps, 'meta-batch': 25, shots: 5, 'query-size': 10, 'inner-lr': 0.01, 'outer-lr': 1e-3, seed, ...method.flags });
  const family = makeFamily(c);
  const learner = makeLearner(c, family);
  const sampler = makeSampler(c, family);
  const train = (steps = c.metaSteps) => metaTrain({ learner, family, optimizer: new Adam(learner.metaParameters(), { lr: c.outerLr }), metaSteps: steps, metaBatch: c.metaBatch,
    shots: c.shots, querySize: c.querySize, rng: new Rng(c.seed + 1), ...(c.sampler ? { sampler } : {}) });
  /** Mean, then CVaR at each alpha, after one step: on uniform held-out tasks, then on shifted ones. */
  const evaluateHeldOut = (): { uniform: number[]; shifted: number[] } => {
    setReproducible(true);
    const row = (tasks: ReturnType<typeof family.sample>, rng: Rng) => {
      const losses = evaluate(learner, family, { tasks, shots: 5, steps: 1, querySize: 100, rng }).perTask[1];
      return [summarize(losses, 1).mean, ...ARMAML_SINE.alphas.map((a) => summarize(losses, a).cvar)];
    };
    const rng = heldOutRng(2000 + seed);
    const shiftRng = heldOutRng(3000 + seed);
    return { uniform: row(family.sample(rng, ARMAML_SINE.tasks), rng), shifted: row(family.shifted!(shiftRng, ARMAML_SINE.tasks), shiftRng) };
  };
  const density = (): number[] | undefined => {
    if (c.sampler !== 'flow' || c.flowLambda !== 0.2) return undefined;
    const at = (j: number, i: number) => family.idLow[j] + ((i + 0.5) / GRID) * (family.idHigh[j] - family.idLow[j]);
    const ids = Array.from({ length: GRID * GRID }, (_, k) => [at(0, k % GRID), at(1, Math.floor(k / GRID))]);
    return (sampler as FlowAdversary).logDensity(ids).map(Math.exp);
  };
  return { learner, train, evaluateHeldOut, density };
}

/** One method and seed: train, then evaluate one-step adaptation on 2,000 held-out tasks of each set. */
export function armamlRun(method: (typeof ARMAML_METHODS)[number], seed: number, metaSteps: number = ARMAML_SINE.metaSteps): ArmamlRun & { weights: Record<string, Tensor> } {
  const run = armamlSetup(method, seed, metaSteps);
  const losses = run.train();
  const density = run.density();
  return { method: method.name, seed, ...run.evaluateHeldOut(), ...(density ? { density } : {}), firstLosses: losses.slice(0, LOSS_PREFIX), weights: run.learner.model.stateDict() };
}

/** The README's table: mean and CVaR after one step on both sets, each method averaged over its seeds. */
export function armamlTable(runs: readonly ArmamlRun[]): string {
  const cols = ['mean', ...ARMAML_SINE.alphas.map((a) => `CVaR worst ${Math.round(a * 100)}%`)];
  const lines = [`| method | ${cols.join(' | ')} | shifted: ${cols.join(' | ')} |`, `|---|${'---:|'.repeat(2 * cols.length)}`];
  for (const m of ARMAML_METHODS.map((x) => x.name as string).filter((name) => runs.some((r) => r.method === name))) {
    const mine = runs.filter((r) => r.method === m);
    const avg = (pick: (r: ArmamlRun) => number[]) => cols.map((_, k) => (mine.reduce((s, r) => s + pick(r)[k], 0) / mine.length).toFixed(3));
    lines.push(`| ${m} | ${avg((r) => r.uniform).join(' | ')} | ${avg((r) => r.shifted).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The adversary's density over the task box at the end of training (one seed's run). */
export function armamlDensityPlot(run: ArmamlRun): string {
  return heatMap(run.density!, GRID, GRID, {
    title: `AR-MAML on sines: the flow adversary's density after training (seed ${run.seed})`, xLabel: 'amplitude', yLabel: 'phase',
    valueLabel: 'density', xRange: [0.1, 5], yRange: [0, Math.PI],
  });
}
