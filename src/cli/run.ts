// A training run as data: the config that rebuilds the model and learner, training with a
// progress bar, evaluation, and the files of a run folder (config.json, model.safetensors,
// metrics.json, plots). Shared by the train, eval and demo commands.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rng } from '../rng.ts';
import { setReproducible } from '../kernels/backend.ts';
import { Adam } from '../nn/optim.ts';
import { heldOutRng, type TaskFamily } from '../envs/task.ts';
import type { Learner } from '../meta/learner.ts';
import { evaluate, type EvalResult } from '../meta/metrics.ts';
import { metaTrain } from '../meta/train.ts';
import { parallelTasks, type ParallelLearner } from '../meta/parallel.ts';
import { CheckpointError, DivergedError } from '../errors.ts';
import { Tensor } from '../autograd/tensor.ts';
import { Progress } from './progress.ts';
import { heatMap, linePlot, type Series } from '../plot.ts';
import { loadCheckpoint, readJson, saveCheckpoint, writeAtomic, UsageError } from './io.ts';
import { configFromJson, configJson, type RunConfig } from './config.ts';
import { makeFamily, makeLearner, makeSampler } from '../meta/run-config.ts';
import type { TaskSampler } from '../meta/samplers/sampler.ts';
import { drawsPicturable, recordDraws } from '../meta/samplers/draws.ts';
import { environment, type Adapter } from '../envs/registry.ts';
import { CHECKPOINT_FILE, loadTrainCheckpoint, samplerTensors, saveTrainCheckpoint } from './runfolder.ts';

export type { RunConfig } from './config.ts';
export { makeFamily, makeLearner } from '../meta/run-config.ts';

/** A trained learner as the environment's pictures see it. */
export function adapterOf(learner: Learner): Adapter {
  return {
    name: learner.name,
    initial: () => learner.model.paramMap(),
    adapt: (params, support, steps) => learner.adapt(params, support, steps),
    predict: (x, params) => learner.model.call(x, params),
  };
}

/** The environment's pictures of held-out tasks, if it draws any. */
export function taskPlots(c: RunConfig, r: { learner: Learner; family: TaskFamily }, o: { shots: number; steps: number }): string[] {
  return environment(c.env).plots?.(r.family, adapterOf(r.learner), { ...o, seed: c.seed }) ?? [];
}

export interface TrainResult {
  learner: Learner;
  family: TaskFamily;
  sampler: TaskSampler;
  losses: number[];
  seconds: number;
  /** Set when training stopped at a non-finite loss; the learner holds the step before it. */
  diverged?: DivergedError;
}

export interface TrainOptions {
  quiet: boolean;
  label?: string;
  /** The run folder: checkpoints go there, and --resume reads from there. */
  dir?: string;
  /** Write checkpoint.safetensors every N meta-steps (0: never). */
  checkpointEvery?: number;
  /** Continue from the folder's checkpoint.safetensors. */
  resume?: boolean;
}

/** dist/task-worker.js, next to dist/cli.js, or the built copy when running from src/cli. */
function taskWorkerScript(): string {
  for (const rel of ['./task-worker.js', '../../dist/task-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new UsageError('--workers needs dist/task-worker.js; run npm run build');
}

export function train(c: RunConfig, o: TrainOptions): TrainResult {
  setReproducible(c.reproducible === true);
  const family = makeFamily(c);
  const workers = c.workers ?? 1;
  const single = makeLearner(c, family);
  const learner = workers > 1
    ? parallelTasks(single, { threads: workers, spec: c, spawn: () => new Worker(taskWorkerScript()) })
    : single;
  try {
    return { ...trainWith(c, learner, single, family, o), learner: single };
  } finally {
    if (learner !== single) (learner as ParallelLearner).dispose();
  }
}

// Fault injection for the resume test: the process kills itself (SIGKILL, no clean-up) right
// after the meta-step of this number, as a crash or an out-of-memory kill would.
const KILL_AFTER_STEP = Number(process.env.METAGRAD_TEST_KILL_AFTER_STEP ?? NaN);

function trainWith(c: RunConfig, learner: Learner, single: Learner, family: TaskFamily, o: TrainOptions): TrainResult {
  const optimizer = new Adam(learner.metaParameters(), { lr: c.outerLr });
  // a non-uniform sampler on a family of one or two ids also records where it drew (sampler-draws.svg)
  const ctx = { family, metaBatch: c.metaBatch, metaSteps: c.metaSteps };
  const sampler = c.sampler !== undefined && drawsPicturable(ctx) ? recordDraws(makeSampler(c, family), ctx) : makeSampler(c, family);
  const every = o.checkpointEvery ?? 0;
  let state = { step: 0, losses: [] as number[], rng: new Rng(c.seed + 1) };
  if (o.resume) state = loadTrainCheckpoint(o.dir!, c, single, optimizer, sampler);
  const { losses, rng } = state;
  const progress = new Progress(o.label ?? c.algo, c.metaSteps, o.quiet);
  let running = NaN;
  const t0 = performance.now();
  let diverged: DivergedError | undefined;
  try {
    metaTrain({
      learner, family, optimizer, metaSteps: c.metaSteps, metaBatch: c.metaBatch, shots: c.shots, querySize: c.querySize,
      rng, startStep: state.step, ...(c.sampler === undefined ? {} : { sampler }), ...(c.gradientSurgery ? { gradientSurgery: c.gradientSurgery } : {}),
      onStep: (step, loss) => {
        losses.push(loss);
        running = Number.isNaN(running) ? loss : 0.98 * running + 0.02 * loss;
        progress.update(step + 1, `loss ${running.toFixed(3)}`);
        if (every > 0 && (step + 1) % every === 0 && step + 1 < c.metaSteps) {
          saveTrainCheckpoint(o.dir!, c, single, optimizer, { step: step + 1, losses, rng }, sampler);
        }
        if (step + 1 === KILL_AFTER_STEP) process.kill(process.pid, 'SIGKILL');
      },
    });
  } catch (e) {
    if (!(e instanceof DivergedError)) throw e;
    diverged = e;
  }
  return { learner, family, sampler, losses, seconds: (performance.now() - t0) / 1000, diverged };
}

/** Held-out tasks come from their own seed stream, never from the training one (and from the family's held-out split when it has one). */
export function heldOut(family: TaskFamily, n: number, seed: number) {
  const rng = heldOutRng(seed);
  return { tasks: family.heldOut ? family.heldOut(rng, n) : family.sample(rng, n), rng };
}

export function evalRun(learner: Learner, family: TaskFamily, o: { tasks: number; shots: number; steps: number; alpha: number; seed: number }): EvalResult {
  const { tasks, rng } = heldOut(family, o.tasks, o.seed);
  return evaluate(learner, family, { tasks, shots: o.shots, steps: o.steps, alpha: o.alpha, rng });
}

/** The same evaluation on the family's shifted held-out set (its own stream), or null when it has none. */
export function evalShifted(learner: Learner, family: TaskFamily, o: { tasks: number; shots: number; steps: number; alpha: number; seed: number }): EvalResult | null {
  if (!family.shifted) return null;
  const rng = heldOutRng(o.seed + 500_000);
  return evaluate(learner, family, { tasks: family.shifted(rng, o.tasks), shots: o.shots, steps: o.steps, alpha: o.alpha, rng });
}

/**
 * The held-out loss over the identifier box after one adaptation step, for families with one
 * identifier (a curve, with the loss before adapting) or two (a heat map); null otherwise.
 */
export function lossMapPlot(learner: Learner, family: TaskFamily, o: { shots: number; seed: number }): string | null {
  const d = family.idNames.length;
  if ((d !== 1 && d !== 2) || ![...family.idLow, ...family.idHigh].every(Number.isFinite)) return null;
  const n = d === 1 ? 60 : 24;
  const at = (j: number, i: number) => family.idLow[j] + ((i + 0.5) / n) * (family.idHigh[j] - family.idLow[j]);
  const ids = d === 1 ? Array.from({ length: n }, (_, i) => [at(0, i)]) : Array.from({ length: n * n }, (_, k) => [at(0, k % n), at(1, Math.floor(k / n))]);
  const r = evaluate(learner, family, { tasks: ids.map((id) => family.task(id)), shots: o.shots, steps: 1, rng: heldOutRng(o.seed + 700_000) });
  const title = `${learner.name}: held-out loss over the task box after one step (${o.shots}-shot)`;
  if (d === 1) {
    const xs = ids.map((id) => id[0]);
    return linePlot([{ label: 'before adapting', xs, ys: r.perTask[0], dashed: true }, { label: 'after one step', xs, ys: r.perTask[1] }], { title, xLabel: family.idNames[0], yLabel: 'query loss' });
  }
  return heatMap(r.perTask[1], n, n, { title, xLabel: family.idNames[0], yLabel: family.idNames[1], valueLabel: 'query loss', xRange: [family.idLow[0], family.idHigh[0]], yRange: [family.idLow[1], family.idHigh[1]] });
}

/** Averages consecutive losses into at most n points, for metrics.json and the curve. */
export function downsample(xs: readonly number[], n = 500): { step: number[]; loss: number[] } {
  const k = Math.max(1, Math.ceil(xs.length / n));
  const step: number[] = [];
  const loss: number[] = [];
  for (let i = 0; i < xs.length; i += k) {
    const chunk = xs.slice(i, i + k);
    step.push(i + chunk.length);
    loss.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
  }
  return { step, loss };
}

/**
 * Starts a run in its folder: config.json now, and what an earlier run there left (its model,
 * metrics, checkpoint) removed, so no crash can pair this config with another run's weights.
 */
export function beginRun(dir: string, c: RunConfig): void {
  for (const f of ['model.safetensors', 'metrics.json', CHECKPOINT_FILE]) rmSync(join(dir, f), { force: true });
  writeAtomic(join(dir, 'config.json'), configJson(c));
}

/** The folder's config.json, checked; for --resume, which continues the run it describes. */
export function readRunConfig(dir: string): RunConfig {
  const path = join(dir, 'config.json');
  return configFromJson(readJson<unknown>(path, 'run config (config.json)'), path);
}

export function saveRun(dir: string, c: RunConfig, r: TrainResult): void {
  writeAtomic(join(dir, 'config.json'), configJson(c));
  const state: Record<string, Tensor> = { ...r.learner.model.stateDict(), ...(r.learner.extraState?.() ?? {}), ...samplerTensors(r.sampler) };
  saveCheckpoint(join(dir, 'model.safetensors'), state, { format: c.format, config: JSON.stringify(c) });
}

export function loadRun(dir: string): { config: RunConfig; learner: Learner; family: TaskFamily } {
  const config = readRunConfig(dir);
  setReproducible(config.reproducible === true); // adaptation runs the kernels the run trained with
  const family = makeFamily(config);
  const learner = makeLearner(config, family);
  const { tensors, metadata } = loadCheckpoint(join(dir, 'model.safetensors'));
  // The checkpoint carries the config it was trained with: a folder whose config.json was
  // rewritten by a later run that never finished must not pass its weights off as that run's.
  if (metadata.config !== undefined && metadata.config !== JSON.stringify(config)) {
    const stored = (() => {
      try {
        return JSON.parse(metadata.config) as Record<string, unknown>;
      } catch {
        return {};
      }
    })();
    const differ = Object.keys(config).filter((k) => JSON.stringify(stored[k]) !== JSON.stringify((config as unknown as Record<string, unknown>)[k]));
    throw new CheckpointError(`${dir}: config.json and model.safetensors disagree (${differ.map((k) => `${k}: ${JSON.stringify((config as unknown as Record<string, unknown>)[k])} vs ${JSON.stringify(stored[k])}`).join(', ')}); an interrupted train? Train again, or --resume it`);
  }
  const modelState = Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('innerLr.') && !k.startsWith('sampler.')));
  try {
    learner.model.loadStateDict(modelState);
  } catch (e) {
    throw new CheckpointError(`${dir}/model.safetensors does not fit the model in config.json: ${(e as Error).message}`);
  }
  const extra = learner.extraState?.() ?? {};
  for (const [k, t] of Object.entries(extra)) {
    const src = tensors[k];
    if (!src || src.size !== t.size) throw new CheckpointError(`${dir}/model.safetensors lacks learned inner rate '${k}'`);
    t.data.set(src.data);
  }
  return { config, learner, family };
}

export function curvePlot(curves: { label: string; losses: readonly number[] }[]): string {
  const series: Series[] = curves.map((c) => {
    // Each point averages a window of meta-steps (a single meta-batch's loss is noisy).
    const d = downsample(c.losses, Math.min(200, Math.max(10, Math.ceil(c.losses.length / 10))));
    return { label: c.label, xs: d.step, ys: d.loss };
  });
  return linePlot(series, { title: 'Meta-training: mean query loss (window averages)', xLabel: 'meta-step', yLabel: 'loss', logY: true });
}

export function evalTable(rows: { name: string; r: EvalResult }[], stepsShown: number[]): string {
  // a classification family's accuracy (± its 95% interval) beside the loss's tail
  const accuracy = rows.every(({ r }) => r.accuracy);
  const lines = [`| learner | after steps | mean | ± stderr | CVaR@${rows[0].r.alpha} | worst |${accuracy ? ' accuracy | ± 95% |' : ''}`, `|---|---:|---:|---:|---:|---:|${accuracy ? '---:|---:|' : ''}`];
  const notes: string[] = [];
  for (const { name, r } of rows) {
    for (const s of stepsShown) {
      if (s >= r.steps.length) continue;
      const acc = accuracy ? ` ${(100 * r.accuracy!.mean[s]).toFixed(1)}% | ${(100 * r.accuracy!.ci95[s]).toFixed(1)}% |` : '';
      lines.push(`| ${name} | ${s} | ${r.mean[s].toFixed(3)} | ${r.stderr[s].toFixed(3)} | ${r.cvar[s].toFixed(3)} | ${r.worst[s].toFixed(3)} |${acc}`);
      if (r.diverged[s]) notes.push(`${name}: ${r.diverged[s]} of ${r.tasks} tasks diverged (loss not finite) after ${s} steps; they count as Infinity`);
    }
  }
  return [...lines, ...notes].join('\n');
}
