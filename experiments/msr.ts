// MSR's synthetic experiment (Zhou et al. 2021, section 6.1 and its code): tasks from a
// bias-free locally connected layer of width 3 on x of length 70, with filter structure of rank
// 1 (a convolution), 2 or 5; four one-layer models meta-trained with MAML: fully connected (FC),
// locally connected (LC), a convolution (Conv) and MSR-FC (vec W = U v, only v adapted). The
// reference's settings: 1 support and 19 query points, 32 tasks a meta-batch, one inner step at
// a learned per-layer rate starting at 0.1, Adam 1e-3, 1,000 meta-steps; query MSE after one
// step on 300 held-out tasks, with 95% intervals. Trained weights are kept so that a test can
// re-evaluate each run without retraining it.
import { Adam } from '../src/nn/optim.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { Linear } from '../src/nn/layers.ts';
import { LocallyConnected1d, MSRLinear } from '../src/nn/msr.ts';
import { Scope, type Module } from '../src/nn/module.ts';
import { MAML } from '../src/meta/maml.ts';
import { evaluate } from '../src/meta/metrics.ts';
import { metaTrain } from '../src/meta/train.ts';
import { LocalFilters } from '../src/envs/local-filters.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { Rng } from '../src/rng.ts';
import { matrixPlot } from '../src/plot.ts';
import type { Tensor } from '../src/autograd/tensor.ts';

export const RANKS = [1, 2, 5] as const;
export const MODELS = ['MAML-FC', 'MAML-LC', 'MAML-Conv', 'MSR-FC'] as const;
const LATENT = { 1: 3, 2: 6, 5: 30 } as const;

export interface MSRRun {
  rank: number;
  model: (typeof MODELS)[number];
  mse: number;
  interval: number;
  /** The mean query loss of the first meta-steps (a test retrains them). */
  firstLosses: number[];
  /** The learned W after adapting to one held-out task, and that task's true W (MSR-FC, rank 1). */
  weights?: { learned: number[]; truth: number[] };
}
type Rank = 1 | 2 | 5;
type Model = (typeof MODELS)[number];

function build(model: Model, rank: Rank): { net: Module; inner?: string[] } {
  const rng = new Rng(0);
  if (model === 'MAML-FC') return { net: new Linear(70, 68, { bias: false, rng }) };
  if (model === 'MAML-LC') return { net: new LocallyConnected1d(70, 3, { rng }) };
  if (model === 'MAML-Conv') return { net: new LocallyConnected1d(70, 3, { shared: true, rng }) };
  return { net: new MSRLinear(70, 68, { latent: LATENT[rank], rng }), inner: ['v'] };
}

/** The untrained learner of one run: the model and its learned per-layer inner rate. */
export function msrLearner(rank: Rank, model: Model): MAML {
  const { net, inner } = build(model, rank);
  return new MAML(net, { innerLr: 0.1, learnInnerLr: 'layer', innerSteps: 1, ...(inner ? { innerParameters: inner } : {}) });
}

/** Meta-trains one run (reproducible arithmetic); its loss per meta-step. */
export function msrTrain(rank: Rank, model: Model, metaSteps: number): { learner: MAML; losses: number[] } {
  setReproducible(true);
  const learner = msrLearner(rank, model);
  const losses = metaTrain({ learner, family: new LocalFilters({ rank }), optimizer: new Adam(learner.metaParameters(), { lr: 1e-3 }), metaSteps, metaBatch: 32, shots: 1, querySize: 19, rng: new Rng(1) });
  return { learner, losses };
}

/** A learner's weights and learned inner rates, as the experiment stores them. */
export function msrWeights(learner: MAML): Record<string, Tensor> {
  const out: Record<string, Tensor> = { ...learner.model.stateDict() };
  for (const [key, rate] of learner.innerRates()) out[`innerLr.${key}`] = rate;
  return out;
}

/** Puts stored weights and rates (msrWeights' form) into a learner from msrLearner. */
export function loadMsrWeights(learner: MAML, weights: Record<string, Tensor>): void {
  const rates = learner.innerRates();
  learner.model.loadStateDict(Object.fromEntries(Object.entries(weights).filter(([k]) => !k.startsWith('innerLr.'))));
  for (const [key, rate] of rates) rate.data.set(weights[`innerLr.${key}`].data);
}

/** Query MSE after one step on 300 held-out tasks; for MSR-FC on rank 1, W adapted to the first. */
export function msrEvaluate(learner: MAML, rank: Rank, model: Model, testTasks = 300): Omit<MSRRun, 'firstLosses'> {
  setReproducible(true);
  const family = new LocalFilters({ rank });
  const rng = new Rng(1000 + rank);
  const tasks = family.sample(rng, testTasks);
  const r = evaluate(learner, family, { tasks, shots: 1, steps: 1, querySize: 19, rng });
  const run: Omit<MSRRun, 'firstLosses'> = { rank, model, mse: r.mean[1], interval: 1.96 * r.stderr[1] };
  const net = learner.model;
  if (net instanceof MSRLinear && rank === 1) {
    const support = tasks[0].sample(new Rng(7), 1);
    const adapted = learner.adapt(net.paramMap(), support, 1);
    const w = noGrad(() => net.weight(new Scope(net, adapted, '')));
    const truth = new Array(68 * 70).fill(0);
    const f = family.filters(tasks[0].id);
    for (let p = 0; p < 68; p++) for (let j = 0; j < 3; j++) truth[p * 70 + p + j] = f[p * 3 + j];
    run.weights = { learned: Array.from(w.data), truth };
  }
  return run;
}

export const FIRST_LOSSES = 3;

/** One run: trained, evaluated; its first losses and its trained learner too. */
export function msrRun(rank: Rank, model: Model, metaSteps = 1000, testTasks = 300): { run: MSRRun; learner: MAML } {
  const { learner, losses } = msrTrain(rank, model, metaSteps);
  const { weights, ...r } = msrEvaluate(learner, rank, model, testTasks);
  return { run: { ...r, firstLosses: losses.slice(0, FIRST_LOSSES), ...(weights ? { weights } : {}) }, learner };
}

/** The README's table: query MSE after one step, ± the 95% interval, per rank and model. */
export function msrTable(runs: readonly MSRRun[]): string {
  const lines = [`| model | ${RANKS.map((r) => `rank ${r}`).join(' | ')} |`, `|---|${RANKS.map(() => '---:|').join('')}`];
  for (const m of MODELS) {
    const cells = RANKS.map((r) => runs.find((x) => x.rank === r && x.model === m)).map((x) => (x ? `${x.mse.toFixed(3)} ± ${x.interval.toFixed(3)}` : '—'));
    lines.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** MSR-FC's weight after one inner step on a held-out rank-1 task, beside the task's true W. */
export function msrPicture(run: MSRRun): string {
  return matrixPlot([
    { title: 'true W (68 x 70): a convolution', rows: 68, cols: 70, values: run.weights!.truth },
    { title: 'MSR-FC after one inner step', rows: 68, cols: 70, values: run.weights!.learned },
  ], `MSR on rank ${run.rank}: the learned U makes W a banded Toeplitz matrix`);
}
