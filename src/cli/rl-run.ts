// Meta-RL runs on the command line: `metagrad train --env pointnav|cheetah-vel|... --algo
// maml-trpo|fomaml-trpo|pretrain|oracle` trains with metaTrainRL (progress: returns before and
// after adapting, KL, seconds) and writes config.json, model.safetensors (the policy),
// metrics.json and learning-curve.svg (plus paths.svg for the point robots, xpos.svg for the
// cheetahs); `metagrad eval` on such a folder reports the held-out return after 0..k
// policy-gradient steps: mean, standard error, CVaR of the lowest returns, worst.
import { join } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { setReproducible } from '../kernels/backend.ts';
import { CheckpointError } from '../errors.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { TaskSampler } from '../meta/samplers/sampler.ts';
import { Rng } from '../rng.ts';
import { linePlot } from '../plot.ts';
import type { EnvFamily } from '../envs/rl/env.ts';
import { VectorEnv } from '../envs/rl/env.ts';
import { khazadDumCell } from '../envs/rl/khazad-dum.ts';
import { collectEpisodes } from '../rl/rollout.ts';
import { adaptPolicy } from '../rl/maml-trpo.ts';
import { baselineAdvantages, evaluateRL, metaTrainRL, type RLEvalResult } from '../rl/meta-rl.ts';
import type { Policy } from '../rl/policy.ts';
import { checkedRLRunConfig, makeRLFamily, makeRLPolicy, makeRLSampler, rlConfigJson, rlHeldOutTasks, rlTrainOptions, type RLRunConfig } from '../rl/run-config.ts';
import { Progress } from './progress.ts';
import { CHECKPOINT_FILE, restoreSampler, samplerTensors } from './runfolder.ts';
import { samplerPlots } from '../meta/samplers/plots.ts';
import { loadCheckpoint, readJson, saveCheckpoint, writeAtomic, UsageError } from './io.ts';

export interface RLEvalOptions {
  tasks: number;
  episodes: number;
  steps: number;
  alpha: number;
  seed: number;
}

/**
 * The evaluation train runs at its end: as many held-out tasks and episodes as a meta-batch
 * has, at most 20 x 10 (eval's defaults are larger: 40 tasks x 20 episodes).
 */
export const rlTrainEval = (c: RLRunConfig): RLEvalOptions => ({ tasks: Math.min(20, c.metaBatch), episodes: Math.min(10, c.episodes), steps: 3, alpha: 0.1, seed: c.seed });

/** Held-out returns of a policy after 0..steps adaptation steps. */
export function evalRL(c: RLRunConfig, policy: Policy, family: EnvFamily, o: RLEvalOptions): RLEvalResult {
  setReproducible(c.reproducible === true);
  return evaluateRL(policy, family, {
    tasks: rlHeldOutTasks(c, o.tasks, o.seed), steps: o.steps, episodes: o.episodes, alpha: o.alpha, innerLr: c.innerLr, gamma: c.gamma, lambda: c.lambda, rng: new Rng(5000 + o.seed),
  });
}

const RL_CHECKPOINT_FORMAT = 'metagrad-rl-checkpoint/1';
const CURVES = ['before', 'after', 'kl', 'seconds'] as const;
type Curve = Record<(typeof CURVES)[number], number[]>;

// Fault injection for the resume test, as in run.ts: SIGKILL right after this meta-step.
const KILL_AFTER_STEP = Number(process.env.METAGRAD_TEST_KILL_AFTER_STEP ?? NaN);

function saveRLCheckpoint(dir: string, c: RLRunConfig, policy: Policy, sampler: TaskSampler | undefined, step: number, curve: Curve, rng: Rng): void {
  const tensors: Record<string, Tensor> = { ...policy.stateDict(), ...(sampler ? samplerTensors(sampler) : {}), 'train.rng': new Tensor(Float64Array.from(rng.state()), [5]) };
  for (const k of CURVES) tensors[`train.${k}`] = new Tensor(Float64Array.from(curve[k]), [step]);
  saveCheckpoint(join(dir, CHECKPOINT_FILE), tensors, { format: RL_CHECKPOINT_FORMAT, config: JSON.stringify(c), step: String(step) });
}

/** The policy, sampler, stream and curve of the folder's checkpoint, for --resume. */
function loadRLCheckpoint(dir: string, c: RLRunConfig, policy: Policy, sampler: TaskSampler | undefined): { step: number; curve: Curve; rng: Rng } {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new UsageError(`--resume: '${dir}' has no ${CHECKPOINT_FILE} (train with --checkpoint-every N to write one)`);
  const { tensors, metadata } = loadCheckpoint(path);
  if (metadata.format !== RL_CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: unknown format '${String(metadata.format)}' (expected ${RL_CHECKPOINT_FORMAT})`);
  if (metadata.config !== JSON.stringify(c)) throw new CheckpointError(`${path} was written for another configuration than ${join(dir, 'config.json')}; the folder is inconsistent`);
  const step = Number(metadata.step);
  const rng = tensors['train.rng'];
  if (!Number.isInteger(step) || step < 0 || step > c.metaSteps || !rng || rng.size !== 5 || CURVES.some((k) => tensors[`train.${k}`]?.size !== step)) {
    throw new CheckpointError(`${path}: step ${metadata.step} does not match its curves or the RNG state`);
  }
  try {
    policy.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('train.') && !k.startsWith('sampler.'))));
  } catch (e) {
    throw new CheckpointError(`${path} does not fit the run's policy: ${(e as Error).message}`);
  }
  if (sampler) restoreSampler(sampler, tensors, path);
  const curve = Object.fromEntries(CURVES.map((k) => [k, Array.from(tensors[`train.${k}`].data)])) as Curve;
  return { step, curve, rng: Rng.fromState(Array.from(rng.data)) };
}

export interface TrainRLOptions {
  quiet: boolean;
  json: boolean;
  /** Write checkpoint.safetensors every N meta-steps (0: never). */
  checkpointEvery: number;
  /** Continue from the folder's checkpoint (config.json already there). */
  resume: boolean;
}

/** Trains a meta-RL run into `out` and prints its summary (or one JSON line). */
export function trainRL(c: RLRunConfig, out: string, o: TrainRLOptions): void {
  setReproducible(c.reproducible === true);
  if (!o.resume) {
    for (const f of ['model.safetensors', 'metrics.json', CHECKPOINT_FILE]) rmSync(join(out, f), { force: true });
    writeAtomic(join(out, 'config.json'), rlConfigJson(c));
  }
  const family = makeRLFamily(c);
  const policy = makeRLPolicy(c, family);
  const sampler = c.sampler ? makeRLSampler(c, family) : undefined;
  const state = o.resume ? loadRLCheckpoint(out, c, policy, sampler) : { step: 0, curve: { before: [], after: [], kl: [], seconds: [] } as Curve, rng: new Rng(1000 + c.seed) };
  const { curve, rng } = state;
  const progress = new Progress(`${c.algo} ${c.env}`, c.metaSteps, o.quiet || o.json);
  const t0 = performance.now();
  metaTrainRL({
    family, policy, metaSteps: c.metaSteps, rng, startStep: state.step, ...rlTrainOptions(c), ...(sampler ? { sampler } : {}),
    onStep: (i, s) => {
      curve.before.push(s.before);
      curve.after.push(s.after);
      curve.kl.push(s.kl);
      curve.seconds.push(s.seconds.collect + s.seconds.adapt + s.seconds.outer);
      progress.update(i + 1, `return ${s.before.toFixed(1)}${s.after === s.before ? '' : ` -> ${s.after.toFixed(1)} adapted`} kl ${s.kl.toFixed(4)} ${curve.seconds[i].toFixed(1)} s`);
      if (o.checkpointEvery > 0 && (i + 1) % o.checkpointEvery === 0 && i + 1 < c.metaSteps) saveRLCheckpoint(out, c, policy, sampler, i + 1, curve, rng);
      if (i + 1 === KILL_AFTER_STEP) process.kill(process.pid, 'SIGKILL');
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  saveCheckpoint(join(out, 'model.safetensors'), { ...policy.stateDict(), ...(sampler ? samplerTensors(sampler) : {}) }, { format: c.format, config: JSON.stringify(c) });
  const ev = evalRL(c, policy, family, rlTrainEval(c));
  const history = sampler?.history?.();
  writeAtomic(join(out, 'metrics.json'), JSON.stringify({ metaSteps: c.metaSteps, seconds, curve, eval: { ...ev, perTask: undefined }, ...(history ? { sampler: { name: sampler!.name, history } } : {}) }, null, 2) + '\n');
  if (sampler) for (const [name, svg] of Object.entries(samplerPlots(sampler))) writeAtomic(join(out, `sampler-${name}.svg`), svg);
  rmSync(join(out, CHECKPOINT_FILE), { force: true });
  writeAtomic(join(out, 'learning-curve.svg'), rlCurvePlot(c, curve));
  const picture = adaptationPlot(c, policy, family);
  if (picture) writeAtomic(join(out, picture.file), picture.svg);
  if (o.json) {
    console.log(JSON.stringify({ metaSteps: c.metaSteps, seconds, out, finalReturn: { before: curve.before.at(-1) ?? null, after: curve.after.at(-1) ?? null } }));
  } else {
    console.log(`trained ${c.algo} on ${c.env}: ${c.metaSteps} meta-steps in ${seconds.toFixed(1)} s -> ${out}`);
    console.log(rlEvalTable(c.algo, ev, rlTrainEval(c)));
  }
}

/** The folder's config.json of a meta-RL run, checked. */
export function readRLRunConfig(dir: string): RLRunConfig {
  const path = join(dir, 'config.json');
  return checkedRLRunConfig(readJson<unknown>(path, 'run config (config.json)'), path);
}

/** A trained RL run's config, family and policy, the weights checked against the config. */
export function loadRLRun(dir: string): { config: RLRunConfig; family: EnvFamily; policy: Policy } {
  const config = readRLRunConfig(dir);
  const family = makeRLFamily(config);
  const policy = makeRLPolicy(config, family);
  const { tensors, metadata } = loadCheckpoint(join(dir, 'model.safetensors'));
  if (metadata.config !== JSON.stringify(config)) throw new CheckpointError(`${dir}: config.json and model.safetensors disagree (an interrupted train? train again)`);
  try {
    policy.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('sampler.'))));
  } catch (e) {
    throw new CheckpointError(`${dir}/model.safetensors does not fit the policy in config.json: ${(e as Error).message}`);
  }
  return { config, family, policy };
}

export function rlEvalTable(name: string, r: RLEvalResult, o: { tasks: number; alpha: number }): string {
  const lines = [`| policy | after steps | mean return | ± stderr | CVaR@${o.alpha} (lowest) | worst |`, '|---|---:|---:|---:|---:|---:|'];
  r.steps.forEach((s) => lines.push(`| ${name} | ${s} | ${r.mean[s].toFixed(2)} | ${r.stderr[s].toFixed(2)} | ${r.cvar[s].toFixed(2)} | ${r.worst[s].toFixed(2)} |`));
  return `${o.tasks} held-out tasks\n${lines.join('\n')}`;
}

function rlCurvePlot(c: RLRunConfig, curve: { before: number[]; after: number[] }): string {
  const xs = curve.before.map((_, i) => i + 1);
  const adapts = c.algo === 'maml-trpo' || c.algo === 'fomaml-trpo';
  return linePlot([{ label: adapts ? 'before adapting' : c.algo, xs, ys: curve.before }, ...(adapts ? [{ label: 'after one step', xs, ys: curve.after }] : [])],
    { title: `${c.algo} on ${c.env}: mean return of the meta-batch`, xLabel: 'meta-step', yLabel: 'return' });
}

/** Khazad-Dum's walls and abyss cells as outline segments [x0, y0, x1, y1] (cell (x, y) spans x ± 0.5, y ± 0.5). */
function khazadDumOutline(): number[][] {
  const segments: number[][] = [[0.5, 0.5, 9.5, 0.5], [9.5, 0.5, 9.5, 7.5], [9.5, 7.5, 0.5, 7.5], [0.5, 7.5, 0.5, 0.5]];
  for (let x = 1; x <= 9; x++) {
    for (let y = 1; y <= 7; y++) {
      if (khazadDumCell(x, y) !== -1) continue;
      segments.push([x - 0.5, y - 0.5, x + 0.5, y - 0.5], [x + 0.5, y - 0.5, x + 0.5, y + 0.5], [x + 0.5, y + 0.5, x - 0.5, y + 0.5], [x - 0.5, y + 0.5, x - 0.5, y - 0.5]);
    }
  }
  return segments;
}

/**
 * What one held-out task's first episode looks like before adapting and after one and two
 * steps: the point robots' and the Khazad-Dum map's paths (paths.svg), the cheetah's x position over time (xpos.svg,
 * replayed from the episode's actions on a copy reset the same way); null for the others.
 */
function adaptationPlot(c: RLRunConfig, policy: Policy, family: EnvFamily): { file: string; svg: string } | null {
  const robot = c.env === 'pointnav' || c.env === 'reach2d';
  const map = c.env === 'khazaddum';
  if (!robot && !map && !c.env.startsWith('cheetah-')) return null;
  const task = rlHeldOutTasks(c, 1, c.seed)[0];
  const env = new VectorEnv(family, 4);
  env.setTasks(new Array(4).fill(task));
  const rng = new Rng(7);
  let params = policy.paramMap();
  const series = [];
  for (let s = 0; s <= 2; s++) {
    const seed = 900 + 10 * s;
    const ep = collectEpisodes(env, policy, rng, { seed, params });
    const xs: number[] = [], ys: number[] = [];
    if (robot || map) {
      // the map's observations are (x/10, y/8): back to cells
      const [sx, sy] = map ? [10, 8] : [1, 1];
      for (let t = 0; t < ep.t && ep.mask[t]; t++) {
        xs.push(sx * ep.obs[t * ep.obsSize]);
        ys.push(sy * ep.obs[t * ep.obsSize + 1]);
      }
    } else {
      const replay = family.make();
      replay.setTask(task);
      replay.reset(seed);
      for (let t = 0; t < ep.t && ep.mask[t]; t++) {
        xs.push((t + 1) * 0.05);
        ys.push(replay.step(ep.actions.subarray(t * ep.actSize, (t + 1) * ep.actSize)).info!.x);
      }
    }
    series.push({ label: s === 0 ? 'before adapting' : `after ${s} step${s > 1 ? 's' : ''}`, xs, ys });
    if (s < 2) params = adaptPolicy(policy, ep, baselineAdvantages(ep, { gamma: c.gamma, lambda: c.lambda }), c.innerLr, { params, firstOrder: true });
  }
  if (robot) {
    series.push({ label: 'goal', xs: [task[0]], ys: [task[1]], points: true });
    return { file: 'paths.svg', svg: linePlot(series, { title: `${c.algo} on ${c.env}: a path to a held-out goal (first episode)`, xLabel: 'x', yLabel: 'y' }) };
  }
  if (map) {
    series.push({ label: 'goal', xs: [2], ys: [7], points: true });
    return { file: 'paths.svg', svg: linePlot(series, { title: `${c.algo} on khazaddum (noise σ ${task[0].toFixed(3)}): a path over the map (first episode; the abyss outlined)`, xLabel: 'x', yLabel: 'y', background: khazadDumOutline() }) };
  }
  const what = family.idNames.map((n, j) => `${n} ${task[j].toFixed(2)}`).join(', ');
  return { file: 'xpos.svg', svg: linePlot(series, { title: `${c.algo} on ${c.env} (${what}): the torso's x over the first episode`, xLabel: 'seconds', yLabel: 'x (m)' }) };
}
