// `npm run experiment -- NAME [--quick] [--json] [--meta-steps N] [--seeds N|0,1,2] [--tasks N]
// [--shard K/N] [--out FILE]`: the long experiments, apart from npm test. Prints a markdown table
// (the README's; with --json the results as JSON instead) and writes every number to
// runs/experiments/NAME.json (or FILE), trained weights and pictures beside it. NAME:
// robust-sine, armaml-sine, reach2d-ptb, pcgrad, msr, pointnav, cheetah, fewshot or arm. --quick: a tenth of
// the meta-steps or less, one seed, a minute or so; --shard K/N runs every N-th of the runs
// from the K-th (run two side by side on two cores, then join their JSON).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { MODELS, RANKS, msrPicture, msrRun, msrTable, msrWeights } from './msr.ts';
import { pcgradPlot, pcgradTable, pcgradToy } from './pcgrad.ts';
import { METHODS, PAPER, robustSineRun, robustSineTable } from './robust-sine.ts';
import { ARMAML_METHODS, ARMAML_SINE, armamlDensityPlot, armamlRun, armamlTable } from './armaml-sine.ts';
import { FEWSHOT, FEWSHOT_LEARNERS, FEWSHOT_SHOTS, FEWSHOT_SLUG, FINE_TUNE, fewshotTable, fineTuneClassifier, pretrainFewshot, testAccuracy, trainFewshot } from './fewshot.ts';
import { asClassifier, pixelNearestNeighbour } from '../src/meta/fewshot.ts';
import { readDigitFiles } from '../src/cli/digit-files.ts';
import { toSafetensors } from '../src/nn/safetensors.ts';
import { POINTNAV, POINTNAV_ROWS, pointnavRun, pointnavTable, type PointnavRow } from './pointnav.ts';
import { CHEETAH, CHEETAH_ROWS, CHEETAH_TASKS, cheetahRun, cheetahTable } from './cheetah.ts';
import { ARM, ARM_NAMES, armData, armRun, armTable, armWeights } from './arm.ts';
import { GROUP_METHODS } from '../src/meta/arm.ts';
import { REACH2D_PTB, STRATEGIES, reachPlot, reachRun, reachTable } from './reach2d-ptb.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'meta-steps': { type: 'string' }, seeds: { type: 'string' }, tasks: { type: 'string' }, shard: { type: 'string' }, out: { type: 'string' },
    quick: { type: 'boolean' }, json: { type: 'boolean' },
  },
});
const fail = (message: string) => {
  console.error(`experiment: ${message}`);
  process.exit(2);
};
const int = (v: string | undefined, dflt: number, what: string) => {
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${what} must be a positive integer, got '${v}'`);
  return n;
};
const [k, n] = (values.shard ?? '0/1').split('/').map(Number);
if (!(Number.isInteger(k) && Number.isInteger(n) && n >= 1 && k >= 0 && k < n)) fail(`--shard must be K/N with 0 <= K < N, got '${values.shard}'`);
const name = positionals[0] ?? 'robust-sine';
const NAMES = ['robust-sine', 'armaml-sine', 'reach2d-ptb', 'pcgrad', 'msr', 'pointnav', 'cheetah', 'fewshot', 'arm'];
if (!NAMES.includes(name)) fail(`unknown experiment '${name}'; expected one of ${NAMES.join(', ')}`);
const quick = Boolean(values.quick);
/** --seeds: a list (0,1,2) or a count (3: seeds 0, 1 and 2). */
const seedList = (): number[] | null => {
  if (values.seeds === undefined) return null;
  if (/^\d+$/.test(values.seeds)) return Array.from({ length: int(values.seeds, 1, '--seeds') }, (_, i) => i);
  return values.seeds.split(',').map((s) => {
    const v = Number(s);
    if (s === '' || !Number.isInteger(v) || v < 0) fail(`--seeds must be a count or a list of seeds (integers >= 0), got '${values.seeds}'`);
    return v;
  });
};
/** The meta-steps: --meta-steps, else the quick budget with --quick, else the experiment's. */
const budget = (full: number, short: number) => int(values['meta-steps'], quick ? short : full, '--meta-steps');
/** The table under its header, or with --json the results. */
const report = (header: string, table: string, json: unknown) => console.log(values.json ? JSON.stringify(json) : `${header}\n\n${table}`);
const save = (file: string, json: unknown) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(json) + '\n');
};
if (name === 'armaml-sine') {
  const metaSteps = budget(ARMAML_SINE.metaSteps, 1000);
  const seeds = seedList() ?? (quick ? [0] : [...ARMAML_SINE.seeds]);
  const mine = seeds.flatMap((seed) => ARMAML_METHODS.map((m) => ({ m, seed }))).filter((_, i) => i % n === k);
  const runs = mine.map(({ m, seed }) => {
    const t0 = performance.now();
    const r = armamlRun(m, seed, metaSteps);
    console.error(`${m.name}, seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(1)} s, mean ${r.uniform[0].toFixed(3)}, CVaR worst 10% ${r.uniform[3].toFixed(3)}`);
    return r;
  });
  const out = values.out ?? 'runs/experiments/armaml-sine.json';
  save(out, runs.map(({ weights: _, ...r }) => r));
  writeFileSync(out.replace(/\.json$/, '.safetensors'), toSafetensors(Object.fromEntries(runs.flatMap((r) => Object.entries(r.weights).map(([key, t]) => [`${r.method}/${r.seed}/${key}`, t]))), { experiment: name, metaSteps: String(metaSteps) }));
  const flow = runs.find((r) => r.density);
  if (flow) writeFileSync(out.replace(/\.json$/, '') + '-flow.svg', armamlDensityPlot(flow));
  report(`armaml-sine: ${metaSteps} meta-steps, seeds ${seeds.join(', ')}, ${ARMAML_SINE.tasks} held-out tasks each set, 5-shot, after one step`, armamlTable(runs), runs.map(({ weights: _, ...r }) => r));
  process.exit(0);
}
if (name === 'arm') {
  const steps = budget(ARM.steps, 300);
  const seeds = seedList() ?? (quick ? [0] : [...ARM.seeds]);
  const data = armData(readDigitFiles());
  const out = values.out ?? 'runs/experiments/arm.json';
  mkdirSync(dirname(out), { recursive: true });
  const jobs = seeds.flatMap((seed) => GROUP_METHODS.map((method) => ({ method, seed }))).filter((_, i) => i % n === k);
  const weights: Record<string, import('../src/autograd/tensor.ts').Tensor> = {};
  const results = jobs.map(({ method, seed }) => {
    const { result, learner } = armRun(method, data, seed, steps);
    console.error(`${ARM_NAMES[method]}, seed ${seed}: ${result.seconds.toFixed(0)} s, worst group ${(100 * result.accuracy.worst).toFixed(1)}%, average ${(100 * result.accuracy.average).toFixed(1)}%`);
    for (const [key, t] of Object.entries(armWeights(learner))) weights[`${method}/${seed}/${key}`] = t;
    return result;
  });
  save(out, results);
  writeFileSync(out.replace(/\.json$/, '.safetensors'), toSafetensors(weights, { experiment: 'arm', steps: String(steps) }));
  report(`arm: rotated digits, ${steps} steps of batches of ${ARM.batchSize}, seeds ${seeds.join(', ')}, 14 groups of ${data.testBatches(0, ARM.batchSize).length * ARM.batchSize} test digits`, armTable(results), results);
  process.exit(0);
}
if (name === 'fewshot') {
  const metaSteps = budget(FEWSHOT.metaSteps, 60);
  const images = readDigitFiles();
  const out = values.out ?? 'runs/experiments/fewshot.json';
  // six trainings (three learners, two shot counts), MAML's the longest: every n-th from the k-th
  const jobs = FEWSHOT_SHOTS.flatMap((shots) => [...FEWSHOT_LEARNERS, FINE_TUNE].map((kind) => ({ shots, kind }))).filter((_, i) => i % n === k);
  mkdirSync(dirname(out), { recursive: true });
  const rows = jobs.map(({ shots, kind }) => {
    const t0 = performance.now();
    const trained = kind === FINE_TUNE ? pretrainFewshot(images, shots, metaSteps) : trainFewshot(kind, images, shots, metaSteps);
    const model = 'learner' in trained ? trained.learner.model : trained.net;
    const result = testAccuracy(images, 'learner' in trained ? asClassifier(trained.learner, 1) : fineTuneClassifier(trained.features), shots);
    console.error(`${kind}, ${shots}-shot: ${((performance.now() - t0) / 1000).toFixed(0)} s, ${(100 * result.accuracy).toFixed(1)}%`);
    writeFileSync(out.replace(/\.json$/, '') + `-${shots}shot-${FEWSHOT_SLUG[kind]}.safetensors`, toSafetensors(model.stateDict(), { experiment: 'fewshot', shots: String(shots), metaSteps: String(metaSteps) }));
    return { method: kind as string, shots, result, losses: trained.losses };
  });
  if (k === 0) for (const shots of FEWSHOT_SHOTS) rows.push({ method: 'pixel nearest neighbour', shots, result: testAccuracy(images, pixelNearestNeighbour, shots), losses: [] });
  save(out, rows);
  report(`fewshot: digits, 5-way, ${metaSteps} meta-steps of ${FEWSHOT.metaBatch} episodes, ${FEWSHOT.episodes} test episodes of the held-out classes`, fewshotTable(rows), rows);
  process.exit(0);
}
if (name === 'pointnav') {
  const metaSteps = budget(POINTNAV.metaSteps, 10);
  // the MAML row costs about as much as the other three together: shard 0 takes it alone
  const rows = POINTNAV_ROWS.filter((_, i) => (n === 1 ? true : (i === 0 ? 0 : 1 + ((i - 1) % (n - 1))) === k)) as PointnavRow[];
  const out = values.out ?? 'runs/experiments/pointnav.json';
  mkdirSync(dirname(out), { recursive: true });
  const results = rows.map((row) => {
    const { policy, ...r } = pointnavRun(row, 0, metaSteps);
    console.error(`${row}: ${r.seconds.toFixed(0)} s, return after 0..${POINTNAV.steps}: ${r.eval.mean.map((v) => v.toFixed(1)).join(' ')}`);
    writeFileSync(out.replace(/\.json$/, '') + `-${row}.safetensors`, toSafetensors(policy!.stateDict(), { experiment: 'pointnav', row, metaSteps: String(r.metaSteps) }));
    return r;
  });
  save(out, results);
  report(`pointnav: ${metaSteps} meta-steps of ${POINTNAV.metaBatch} goals x ${POINTNAV.episodes} episodes, seed 0; ${POINTNAV.heldOut} held-out goals x ${POINTNAV.evalEpisodes} episodes`, pointnavTable(results), results);
  process.exit(0);
}
if (name === 'cheetah') {
  const metaSteps = budget(CHEETAH.metaSteps, 5);
  // MAML-TRPO costs about twice a TRPO row and random nothing: each run to the least-loaded shard
  const load = new Array(n).fill(0);
  const runs = CHEETAH_TASKS.flatMap((task) => CHEETAH_ROWS.map((row) => ({ task, row })))
    .map((r) => ({ ...r, cost: r.row === 'maml' ? 2 : r.row === 'random' ? 0 : 1 }))
    .sort((a, b) => b.cost - a.cost)
    .filter((r) => {
      const shard = load.indexOf(Math.min(...load));
      load[shard] += r.cost + 0.01;
      return shard === k;
    });
  const out = values.out ?? 'runs/experiments/cheetah.json';
  mkdirSync(dirname(out), { recursive: true });
  const results = runs.map(({ task, row }) => {
    const { policy, ...r } = cheetahRun(task, row, 0, metaSteps, (step, st) => {
      if (step % 10 === 9) console.error(`${task} ${row} meta-step ${step + 1}/${metaSteps}: return ${st.before.toFixed(1)} before, ${st.after.toFixed(1)} after adapting`);
    });
    console.error(`${task} ${row}: ${r.seconds.toFixed(0)} s, return after 0..${CHEETAH.steps}: ${r.eval.mean.map((v) => v.toFixed(1)).join(' ')}`);
    writeFileSync(out.replace(/\.json$/, '') + `-${task}-${row}.safetensors`, toSafetensors(policy!.stateDict(), { experiment: 'cheetah', task, row, metaSteps: String(r.metaSteps) }));
    return r;
  });
  save(out, results);
  report(`cheetah: ${metaSteps} meta-steps of ${CHEETAH.metaBatch} tasks x ${CHEETAH.episodes} episodes, seed 0; ${CHEETAH.heldOut} held-out tasks x ${CHEETAH.evalEpisodes} episodes`, cheetahTable(results), results);
  process.exit(0);
}
if (name === 'reach2d-ptb') {
  const seeds = Array.from({ length: REACH2D_PTB.seeds }, (_, i) => i);
  const runs = seeds.flatMap((seed) => STRATEGIES.map((s) => reachRun(s, seed)));
  const out = values.out ?? 'runs/experiments/reach2d-ptb.json';
  save(out, runs.map(({ strategy, seed, distance }) => ({ strategy, seed, distance })));
  writeFileSync(out.replace(/\.json$/, '') + '.svg', reachPlot(runs));
  const { metaBatch, metaSteps, lr } = REACH2D_PTB;
  report(`reach2d-ptb: ${metaSteps} meta-steps of ${metaBatch} goals, rate ${lr}, seeds 0-${seeds.length - 1}; picture: ${out.replace(/\.json$/, '')}.svg`, reachTable(runs),
    runs.map(({ strategy, seed, distance }) => ({ strategy, seed, distance })));
  process.exit(0);
}
if (name === 'msr') {
  const all = RANKS.flatMap((rank) => MODELS.map((model) => ({ rank, model })));
  const mine = all.filter((_, i) => i % n === k);
  const weights: Record<string, import('../src/autograd/tensor.ts').Tensor> = {};
  const runs = mine.map(({ rank, model }) => {
    const t0 = performance.now();
    const { run, learner } = msrRun(rank, model, budget(1000, 100));
    console.error(`${model}, rank ${rank}: ${((performance.now() - t0) / 1000).toFixed(1)} s, query MSE ${run.mse.toFixed(3)}`);
    for (const [key, t] of Object.entries(msrWeights(learner))) weights[`${rank}/${model}/${key}`] = t;
    return run;
  });
  const out = values.out ?? 'runs/experiments/msr.json';
  save(out, runs);
  writeFileSync(out.replace(/\.json$/, '.safetensors'), toSafetensors(weights, { experiment: 'msr', metaSteps: String(budget(1000, 100)) }));
  const rank1 = runs.find((r) => r.rank === 1 && r.weights);
  if (rank1) writeFileSync(out.replace(/\.json$/, '') + '-rank1-weights.svg', msrPicture(rank1));
  report(`msr: ${budget(1000, 100)} meta-steps, 300 held-out tasks, query MSE after one step ± 95% interval`, msrTable(runs), runs);
  process.exit(0);
}
if (name === 'pcgrad') {
  const runs = (['sum', 'pcgrad'] as const).map((c) => pcgradToy(c));
  const out = values.out ?? 'runs/experiments/pcgrad.json';
  save(out, runs);
  writeFileSync(out.replace(/\.json$/, '') + '.svg', pcgradPlot(runs));
  report(`pcgrad toy: Adam 0.01, 25,000 steps from (0.5, -3); picture: ${out.replace(/\.json$/, '')}.svg`, pcgradTable(runs), runs);
  process.exit(0);
}
const o = {
  metaSteps: budget(PAPER.metaSteps, 1000),
  seeds: seedList() ?? (quick ? [0] : [...PAPER.seeds]),
  tasks: int(values.tasks, quick ? 500 : PAPER.tasks, '--tasks'),
};
const runs = o.seeds.flatMap((seed) => METHODS.map((m) => ({ m, seed }))).filter((_, i) => i % n === k);
const results = runs.map(({ m, seed }) => {
  const t0 = performance.now();
  const r = robustSineRun(m, seed, o);
  console.error(`${m.name}, seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(1)} s, CVaR@0.05 after 1..4: ${r.cvar.slice(1, 5).map((v) => v.toFixed(2)).join(' ')}`);
  return { method: m.name, seed, r };
});
const out = values.out ?? `runs/experiments/${name}.json`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ options: o, results: results.map(({ method, seed, r }) => ({ method, seed, r: { ...r, perTask: undefined, weights: undefined } })) }, null, 2) + '\n');
writeFileSync(out.replace(/\.json$/, '.safetensors'), toSafetensors(Object.fromEntries(results.flatMap(({ method, seed, r }) =>
  Object.entries(r.weights).map(([k, t]) => [`${method}/${seed}/${k}`, t]))), { experiment: name, metaSteps: String(o.metaSteps) }));
report(`${name}: ${o.metaSteps} meta-steps, seeds ${o.seeds.join(', ')}, ${o.tasks} held-out tasks (10-shot)`, robustSineTable(results),
  results.map(({ method, seed, r }) => ({ method, seed, mean: r.mean, cvar: r.cvar, bestStep: r.bestStep })));
