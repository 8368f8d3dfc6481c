// `npm run experiment -- NAME [--meta-steps N] [--seeds 0,1,2] [--tasks N] [--shard K/N] [--out FILE]`:
// the long experiments, apart from npm test. Prints a markdown table (the README's) and writes
// every number to runs/experiments/NAME.json (or FILE), pictures beside it. NAME: robust-sine
// (--shard K/N runs every N-th of the method-and-seed runs from the K-th; a test runs two
// shards side by side and joins them; armaml-sine and msr too), reach2d-ptb or pcgrad.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { MODELS, RANKS, msrPicture, msrRun, msrTable } from './msr.ts';
import { pcgradPlot, pcgradTable, pcgradToy } from './pcgrad.ts';
import { METHODS, PAPER, robustSineRun, robustSineTable } from './robust-sine.ts';
import { ARMAML_METHODS, ARMAML_SINE, armamlDensityPlot, armamlRun, armamlTable } from './armaml-sine.ts';
import { POINTNAV, POINTNAV_ROWS, pointnavRun, pointnavTable, type PointnavRow } from './pointnav.ts';
import { REACH2D_PTB, STRATEGIES, reachPlot, reachRun, reachTable } from './reach2d-ptb.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'meta-steps': { type: 'string' }, seeds: { type: 'string' }, tasks: { type: 'string' }, shard: { type: 'string' }, out: { type: 'string' } },
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
const NAMES = ['robust-sine', 'armaml-sine', 'reach2d-ptb', 'pcgrad', 'msr', 'pointnav'];
if (!NAMES.includes(name)) fail(`unknown experiment '${name}'; expected one of ${NAMES.join(', ')}`);
const save = (file: string, json: unknown) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(json) + '\n');
};
if (name === 'armaml-sine') {
  const metaSteps = int(values['meta-steps'], ARMAML_SINE.metaSteps, '--meta-steps');
  const seeds = values.seeds ? values.seeds.split(',').map((s) => int(s, 0, '--seeds')) : [...ARMAML_SINE.seeds];
  const mine = seeds.flatMap((seed) => ARMAML_METHODS.map((m) => ({ m, seed }))).filter((_, i) => i % n === k);
  const runs = mine.map(({ m, seed }) => {
    const t0 = performance.now();
    const r = armamlRun(m, seed, metaSteps);
    console.error(`${m.name}, seed ${seed}: ${((performance.now() - t0) / 1000).toFixed(1)} s, mean ${r.uniform[0].toFixed(3)}, CVaR worst 10% ${r.uniform[3].toFixed(3)}`);
    return r;
  });
  const out = values.out ?? 'runs/experiments/armaml-sine.json';
  save(out, runs);
  const flow = runs.find((r) => r.density);
  if (flow) writeFileSync(out.replace(/\.json$/, '') + '-flow.svg', armamlDensityPlot(flow));
  console.log(`armaml-sine: ${metaSteps} meta-steps, seeds ${seeds.join(', ')}, ${ARMAML_SINE.tasks} held-out tasks each set, 5-shot, after one step\n`);
  console.log(armamlTable(runs));
  process.exit(0);
}
if (name === 'pointnav') {
  const metaSteps = int(values['meta-steps'], POINTNAV.metaSteps, '--meta-steps');
  // the MAML row costs about as much as the other three together: shard 0 takes it alone
  const rows = POINTNAV_ROWS.filter((_, i) => (n === 1 ? true : (i === 0 ? 0 : 1 + ((i - 1) % (n - 1))) === k)) as PointnavRow[];
  const results = rows.map((row) => {
    const r = pointnavRun(row, 0, metaSteps);
    console.error(`${row}: ${r.seconds.toFixed(0)} s, return after 0..${POINTNAV.steps}: ${r.eval.mean.map((v) => v.toFixed(1)).join(' ')}`);
    return r;
  });
  save(values.out ?? 'runs/experiments/pointnav.json', results);
  console.log(`pointnav: ${metaSteps} meta-steps of ${POINTNAV.metaBatch} goals x ${POINTNAV.episodes} episodes, seed 0; ${POINTNAV.heldOut} held-out goals x ${POINTNAV.evalEpisodes} episodes\n`);
  console.log(pointnavTable(results));
  process.exit(0);
}
if (name === 'reach2d-ptb') {
  const seeds = Array.from({ length: REACH2D_PTB.seeds }, (_, i) => i);
  const runs = seeds.flatMap((seed) => STRATEGIES.map((s) => reachRun(s, seed)));
  const out = values.out ?? 'runs/experiments/reach2d-ptb.json';
  save(out, runs.map(({ strategy, seed, distance }) => ({ strategy, seed, distance })));
  writeFileSync(out.replace(/\.json$/, '') + '.svg', reachPlot(runs));
  const { metaBatch, metaSteps, lr } = REACH2D_PTB;
  console.log(`reach2d-ptb: ${metaSteps} meta-steps of ${metaBatch} goals, rate ${lr}, seeds 0-${seeds.length - 1}; picture: ${out.replace(/\.json$/, '')}.svg\n`);
  console.log(reachTable(runs));
  process.exit(0);
}
if (name === 'msr') {
  const all = RANKS.flatMap((rank) => MODELS.map((model) => ({ rank, model })));
  const mine = all.filter((_, i) => i % n === k);
  const runs = mine.map(({ rank, model }) => {
    const t0 = performance.now();
    const r = msrRun(rank, model, values['meta-steps'] ? int(values['meta-steps'], 1000, '--meta-steps') : 1000);
    console.error(`${model}, rank ${rank}: ${((performance.now() - t0) / 1000).toFixed(1)} s, query MSE ${r.mse.toFixed(3)}`);
    return r;
  });
  const out = values.out ?? 'runs/experiments/msr.json';
  save(out, runs);
  const rank1 = runs.find((r) => r.rank === 1 && r.weights);
  if (rank1) writeFileSync(out.replace(/\.json$/, '') + '-rank1-weights.svg', msrPicture(rank1));
  console.log('msr: 1,000 meta-steps, 300 held-out tasks, query MSE after one step ± 95% interval\n');
  console.log(msrTable(runs));
  process.exit(0);
}
if (name === 'pcgrad') {
  const runs = (['sum', 'pcgrad'] as const).map((c) => pcgradToy(c));
  const out = values.out ?? 'runs/experiments/pcgrad.json';
  save(out, runs);
  writeFileSync(out.replace(/\.json$/, '') + '.svg', pcgradPlot(runs));
  console.log(`pcgrad toy: Adam 0.01, 25,000 steps from (0.5, -3); picture: ${out.replace(/\.json$/, '')}.svg\n`);
  console.log(pcgradTable(runs));
  process.exit(0);
}
const o = {
  metaSteps: int(values['meta-steps'], PAPER.metaSteps, '--meta-steps'),
  seeds: values.seeds ? values.seeds.split(',').map((s) => int(s, 0, '--seeds')) : [...PAPER.seeds],
  tasks: int(values.tasks, PAPER.tasks, '--tasks'),
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
writeFileSync(out, JSON.stringify({ options: o, results: results.map(({ method, seed, r }) => ({ method, seed, r: { ...r, perTask: undefined } })) }, null, 2) + '\n');
console.log(`${name}: ${o.metaSteps} meta-steps, seeds ${o.seeds.join(', ')}, ${o.tasks} held-out tasks (10-shot)\n`);
console.log(robustSineTable(results));
