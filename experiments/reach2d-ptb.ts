// RMAML's 2-D reaching study (Nguyen et al. 2021, seed 004): 300 goal points from a mixture of
// three normals, Reach2D's modes (200 in the main mode, 50 in each noise mode), and an idealised
// learner whose "weights" are a point that moves toward each sampled goal in proportion to its
// distance: w ← w + lr · mean over the batch of (g − w), the loss of a goal ‖w − g‖. The batch
// comes from the prioritized task buffer (src/meta/samplers/buffer.ts, its defaults: up to a
// quarter of the batch from the buffer, ramped over half the run) with the easy, medium or hard
// strategy, or uniformly. Uniform sampling ends at the mixture's mean, pulled off the main mode
// by the noise; hard chases the noise; medium skips both the far noise and the goals already
// reached, and ends nearest the main mode, as in RMAML's figure.
import { ArgumentError } from '../src/errors.ts';
import { Reach2D } from '../src/envs/rl/pointnav.ts';
import type { Task, TaskFamily } from '../src/envs/task.ts';
import { TaskBuffer, type BufferStrategy } from '../src/meta/samplers/buffer.ts';
import { uniformSampler, type TaskSampler } from '../src/meta/samplers/sampler.ts';
import { linePlot } from '../src/plot.ts';
import { Rng } from '../src/rng.ts';

export const STRATEGIES = ['uniform', 'easy', 'medium', 'hard'] as const;
export type Reach2DStrategy = (typeof STRATEGIES)[number];

export const REACH2D_PTB = { points: [200, 50, 50], metaBatch: 20, metaSteps: 500, lr: 0.05, seeds: 10 } as const;

/** The study's 300 goals for a seed: exactly 200, 50 and 50 from Reach2D's three modes. */
export function reachGoals(seed: number, env = new Reach2D()): { goals: number[][]; mode: number[] } {
  const rng = new Rng(seed);
  const goals: number[][] = [];
  const mode: number[] = [];
  REACH2D_PTB.points.forEach((count, k) => {
    const [cx, cy] = env.centres[k];
    for (let i = 0; i < count; i++) {
      goals.push([rng.normal(cx, env.spreads[k]), rng.normal(cy, env.spreads[k])]);
      mode.push(k);
    }
  });
  return { goals, mode };
}

/** The goals as a task family for the samplers: a uniform draw picks one of them. */
function goalFamily(goals: readonly number[][]): TaskFamily {
  const task = (id: readonly number[]): Task => ({
    id,
    sample: () => {
      throw new ArgumentError('reach2d-ptb: its goals have no data; the idealised learner reads only their ids');
    },
  });
  return {
    name: 'reach2d-points', idNames: ['goal x', 'goal y'], idLow: [-1, -1], idHigh: [1, 1], inputSize: 2, outputSize: 2, loss: 'mse', task,
    sample: (rng, n) => Array.from({ length: n }, () => task(goals[Math.floor(rng.uniform() * goals.length)])),
  };
}

export interface ReachRun {
  strategy: Reach2DStrategy;
  seed: number;
  /** The learner's point after each meta-step, the start (0, 0) first. */
  path: number[][];
  /** Its final distance to the main mode's centre. */
  distance: number;
}

/** One strategy and seed: the idealised learner over REACH2D_PTB.metaSteps meta-steps. */
export function reachRun(strategy: Reach2DStrategy, seed: number): ReachRun {
  const { metaBatch, metaSteps, lr } = REACH2D_PTB;
  const env = new Reach2D();
  const family = goalFamily(reachGoals(seed, env).goals);
  const sampler: TaskSampler = strategy === 'uniform' ? uniformSampler(family) : new TaskBuffer({ family, metaBatch, metaSteps }, { strategy: strategy as BufferStrategy });
  const rng = new Rng(1000 + seed);
  let w = [0, 0];
  const path = [w];
  for (let step = 0; step < metaSteps; step++) {
    const tasks = sampler.sample(rng, metaBatch, step);
    const losses = tasks.map((t) => Math.hypot(w[0] - t.id[0], w[1] - t.id[1]));
    const pull = [0, 1].map((d) => tasks.reduce((s, t) => s + t.id[d] - w[d], 0) / metaBatch);
    w = [w[0] + lr * pull[0], w[1] + lr * pull[1]];
    path.push(w);
    sampler.observe?.(tasks, losses, step);
  }
  const [cx, cy] = env.centres[0];
  return { strategy, seed, path, distance: Math.hypot(w[0] - cx, w[1] - cy) };
}

/** The README's table: each strategy's final distance to the main mode, mean ± standard error over seeds. */
export function reachTable(runs: readonly ReachRun[]): string {
  const lines = ['| strategy | final distance to the main mode | standard error |', '|---|---:|---:|'];
  for (const s of STRATEGIES) {
    const d = runs.filter((r) => r.strategy === s).map((r) => r.distance);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const se = d.length > 1 ? Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1) / d.length) : 0;
    lines.push(`| ${s} | ${mean.toFixed(3)} | ${se.toFixed(3)} |`);
  }
  return lines.join('\n');
}

/** The picture: seed `seed`'s goals by mode and each strategy's path, averaged over the seeds, over them. */
export function reachPlot(runs: readonly ReachRun[], seed = 0): string {
  const { goals, mode } = reachGoals(seed);
  const names = ['main mode', 'noise mode 1', 'noise mode 2'];
  const colors = ['#999999', '#c7c7c7', '#c7c7c7'];
  const pathColors: Record<Reach2DStrategy, string> = { uniform: '#1f77b4', easy: '#2ca02c', medium: '#d62728', hard: '#9467bd' };
  return linePlot([
    ...names.map((label, k) => {
      const mine = goals.filter((_, i) => mode[i] === k);
      return { label: `goals: ${label}`, xs: mine.map((g) => g[0]), ys: mine.map((g) => g[1]), points: true, color: colors[k] };
    }),
    ...STRATEGIES.map((s) => {
      const mine = runs.filter((r) => r.strategy === s);
      const mean = (d: number) => mine[0].path.map((_, j) => mine.reduce((a, r) => a + r.path[j][d], 0) / mine.length);
      return { label: `path: ${s}`, xs: mean(0), ys: mean(1), color: pathColors[s] };
    }),
  ], { title: `reach2d-ptb: the learner's mean path under each strategy (${new Set(runs.map((r) => r.seed)).size} seeds)`, xLabel: 'x', yLabel: 'y', width: 560, height: 520, legend: 'bottom-left' });
}
