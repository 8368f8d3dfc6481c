// The metarl suite of `npm run bench`: simulation speed (the point robot, CheetahLite against
// MuJoCo's anchor), collecting episodes, one MAML-TRPO meta-iteration split into its phases, and
// the outer step's Fisher-vector products two ways, side by side.
import { CheetahLite, GaussianPolicy, PointNav2D, Rng, Tensor, VectorEnv, adaptPolicy, baselineAdvantages, collectEpisodes, mamlTrpoStep, metaTrainRL, policyKL, type RLStepSeconds } from '../src/index.ts';
import { addScaled, div } from '../src/autograd/ops/elementwise.ts';
import { noGrad } from '../src/autograd/tape.ts';
import { episodeRows } from '../src/rl/rollout.ts';
import { ratioSurrogate, trustRegionStep } from '../src/rl/trpo.ts';

export interface BenchRow { suite: string; case: string; unit: string; median: number; spreadPct: number; samples: number }

export function metaRLRows(quick: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  // Meta-RL on the point robot at the pointnav experiment's size (20 goals x 10 episodes of 100
  // steps, a 64-64 policy): stepping the environments alone, collecting episodes (environments,
  // policy forward, sampling), and one MAML-TRPO meta-iteration split into its phases. Seconds
  // per call are slow for tinybench's loop: the median of a few timed calls, spread = MAD.
  const timed = (label: string, unit: string, calls: number, fn: () => number, work = 1) => {
    const xs: number[] = [];
    for (let i = 0; i < calls; i++) xs.push(fn());
    const sorted = [...xs].sort((a, b) => a - b);
    const med = sorted[calls >> 1];
    const mad = [...xs.map((x) => Math.abs(x - med))].sort((a, b) => a - b)[calls >> 1];
    rows.push({ suite: 'metarl', case: label, unit, median: unit === 's' ? med : work / med, spreadPct: (100 * mad) / med, samples: calls });
  };
  const family = new PointNav2D();
  const env = new VectorEnv(family, 200);
  env.setTasks(family.sampleTasks(new Rng(0), 200));
  const actions = Float64Array.from({ length: 400 }, (_, i) => (i % 2 ? 0.05 : -0.03));
  timed('PointNav2D, 200 copies x 100 steps, fixed actions (simulation only)', 'steps/s', 25, () => {
    const t0 = performance.now();
    env.reset(0);
    for (let k = 0; k < 100; k++) env.step(actions);
    return (performance.now() - t0) / 1000;
  }, 200 * 100);
  const policy = new GaussianPolicy(2, 2, { hidden: [64, 64], rng: new Rng(0) });
  timed('collectEpisodes: 200 copies x 100 steps with a 64-64 Gaussian policy', 'steps/s', 5, () => {
    const t0 = performance.now();
    collectEpisodes(env, policy, new Rng(1), { seed: 0 });
    return (performance.now() - t0) / 1000;
  }, 200 * 100);
  // CheetahLite: 1,000 copies x 200 steps (100 with --quick), random actions drawn beforehand;
  // an env step is five integrator steps of 0.01 s, MuJoCo's anchor counts integrator steps
  const copies = quick ? 100 : 1000;
  const cheetah = new VectorEnv(new CheetahLite(), copies);
  cheetah.setTasks(new CheetahLite().sampleTasks(new Rng(0), copies));
  const rngA = new Rng(3);
  const cheetahActions = Array.from({ length: 8 }, () => Float64Array.from({ length: copies * 6 }, () => rngA.uniform(-1, 1)));
  timed(`CheetahLite, ${copies} copies x 200 steps, random actions (simulation only)`, 'steps/s', 5, () => {
    const t0 = performance.now();
    cheetah.reset(0);
    for (let k = 0; k < 200; k++) cheetah.step(cheetahActions[k & 7]);
    return (performance.now() - t0) / 1000;
  }, copies * 200);
  const perEnvStep = rows[rows.length - 1].median;
  rows.push({ suite: 'metarl', case: 'CheetahLite integrator steps (5 per env step) per second; MuJoCo 2.2.2 half-cheetah: ~100,000', unit: 'steps/s', median: perEnvStep * 5, spreadPct: rows[rows.length - 1].spreadPct, samples: 5 });
  rows.push({ suite: 'metarl', case: 'CheetahLite integrator steps / MuJoCo 2.2.2\'s 100,000 a second (MEASUREMENTS.md)', unit: '× MuJoCo', median: (perEnvStep * 5) / 100_000, spreadPct: rows[rows.length - 1].spreadPct, samples: 5 });
  const phases: RLStepSeconds[] = [];
  metaTrainRL({ family, policy, metaSteps: quick ? 2 : 4, metaBatch: 20, episodes: 10, rng: new Rng(2), onStep: (_, r) => phases.push(r.seconds) });
  const steady = phases.slice(1); // the first grows the memory the later ones reuse
  for (const [label, pick] of [['whole', (p: RLStepSeconds) => p.collect + p.adapt + p.outer], ['collecting the 200 episodes', (p: RLStepSeconds) => p.collect],
    ['adapting: baselines, inner steps, the adapted policies\' 200 episodes', (p: RLStepSeconds) => p.adapt], ['the outer TRPO step (second order, 10 CG iterations, line search)', (p: RLStepSeconds) => p.outer]] as const) {
    let i = 0;
    timed(`MAML-TRPO meta-iteration, 20 goals x 10 episodes: ${label}`, 's', steady.length, () => pick(steady[i++]));
  }

  rows.push(...outerStepRows(quick));
  return rows;
}

/**
 * MAML-TRPO's outer step on cheetah-dir (10 tasks × 10 episodes of 200 steps, a 64-64 policy)
 * three ways, interleaved after a warm-up of each (the arena grows on the first): the Fisher
 * products by a double backward through the KL's gradient through the inner step (third order,
 * what mamlTrpoStep did before mamlFisherProduct), mamlTrpoStep's mean JᵀFJ, and the same on a
 * fifth of the episodes (fisherSubsample 5). Medians of seconds, and each against the first.
 */
function outerStepRows(quick: boolean): BenchRow[] {
  const family = new CheetahLite({ task: 'direction' });
  const make = () => new GaussianPolicy(17, 6, { hidden: [64, 64], rng: new Rng(5) });
  const p0 = make();
  const tasks = family.sampleTasks(new Rng(1), 10).map((goal, k) => {
    const env = new VectorEnv(family, 10);
    env.setTasks(new Array(10).fill(goal));
    const train = collectEpisodes(env, p0, new Rng(k), { seed: k });
    const trainAdvantages = baselineAdvantages(train);
    const params = new Map([...adaptPolicy(p0, train, trainAdvantages, 0.1, { firstOrder: true })].map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape).requiresGrad_()]));
    const valid = collectEpisodes(env, p0, new Rng(k + 99), { seed: k + 50, params });
    return { train, trainAdvantages, valid, validAdvantages: baselineAdvantages(valid) };
  });
  const thirdOrder = () => {
    const policy = make();
    const olds = tasks.map((t) => new Map([...adaptPolicy(policy, t.train, t.trainAdvantages, 0.1, { firstOrder: true })].map(([n, p]) => [n, new Tensor(p.data.slice(), p.shape)])));
    const data = tasks.map((t, i) => {
      const r = episodeRows(policy, t.valid, t.validAdvantages);
      return { r, oldLogp: noGrad(() => policy.logProb(r.obs, r.act, olds[i])) };
    });
    const adapted = () => tasks.map((t) => adaptPolicy(policy, t.train, t.trainAdvantages, 0.1));
    const mean = (ts: Tensor[]) => div(ts.reduce((a, b) => addScaled(a, b, 1)), ts.length);
    const loss = () => { const a = adapted(); return mean(data.map((d, i) => ratioSurrogate(policy, d.r, d.oldLogp, a[i]))); };
    const kl = () => { const a = adapted(); return mean(tasks.map((t, i) => policyKL(policy, t.valid, olds[i], a[i]))); };
    trustRegionStep('bench', policy.parameters(), loss, kl);
  };
  const cases: [string, () => void][] = [
    ['Fisher products by double backward through the inner step (third order)', thirdOrder],
    ['mamlFisherProduct: mean JᵀFJ, each a Hessian-vector product of second order', () => mamlTrpoStep(make(), tasks)],
    ['mamlFisherProduct on a fifth of the episodes (fisherSubsample 5)', () => mamlTrpoStep(make(), tasks, { fisherSubsample: 5 })],
  ];
  const seconds = cases.map(() => [] as number[]);
  for (let round = -1; round < (quick ? 2 : 5); round++) {
    cases.forEach(([, fn], i) => {
      const t0 = performance.now();
      fn();
      if (round >= 0) seconds[i].push((performance.now() - t0) / 1000);
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const spread = (xs: number[]) => (100 * median(xs.map((x) => Math.abs(x - median(xs))))) / median(xs);
  const base = median(seconds[0]);
  return cases.flatMap(([label], i) => [
    { suite: 'metarl', case: `MAML-TRPO outer step, cheetah-dir 10 tasks x 10 episodes: ${label}`, unit: 's', median: median(seconds[i]), spreadPct: spread(seconds[i]), samples: seconds[i].length },
    ...(i === 0 ? [] : [{ suite: 'metarl', case: `... ${label}: speed against the first, interleaved`, unit: '×', median: base / median(seconds[i]), spreadPct: spread(seconds[i]), samples: seconds[i].length }]),
  ]);
}
