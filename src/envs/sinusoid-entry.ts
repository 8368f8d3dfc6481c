// The registry entries of the sinusoid families: Finn et al.'s (2017) and RoML's harder
// variant with a frequency (robust-sine); no options (the ranges are the papers'), and a picture
// of held-out tasks: the true curve, the support points, and the prediction before adaptation,
// after one step and after `steps`.
import { noGrad } from '../autograd/tape.ts';
import { tensor } from '../autograd/tensor.ts';
import { linePlot } from '../plot.ts';
import type { EnvironmentEntry } from './registry.ts';
import { Sinusoid, type SinusoidTask } from './sinusoid.ts';
import { heldOutRng } from './task.ts';

const plots: EnvironmentEntry['plots'] = (family, learner, o) => {
  const rng = heldOutRng(o.seed + 1); // a stream of its own, apart from eval's
  const tasks = family.sample(rng, 3) as SinusoidTask[];
  const [lo, hi] = (family as Sinusoid).xRange;
  const grid = Array.from({ length: 101 }, (_, i) => lo + ((hi - lo) * i) / 100);
  const x = tensor(grid, { shape: [grid.length, 1] });
  return tasks.map((task, i) => {
    const support = task.sample(rng, o.shots);
    const predict = (params: ReturnType<typeof learner.initial>) => Array.from(noGrad(() => learner.predict(x, params)).data);
    const theta = learner.initial();
    const one = learner.adapt(theta, support, 1);
    const many = learner.adapt(theta, support, o.steps);
    const [amp, phase, frequency] = task.id;
    return linePlot([
      { label: 'true function', xs: grid, ys: grid.map((v) => task.f(v)), color: '#222' },
      { label: `${o.shots} support points`, xs: Array.from(support.x.data), ys: Array.from(support.y.data), points: true, color: '#222' },
      { label: 'before adaptation', xs: grid, ys: predict(theta), dashed: true, color: '#999' },
      { label: 'after 1 step', xs: grid, ys: predict(one), color: '#1f77b4' },
      { label: `after ${o.steps} steps`, xs: grid, ys: predict(many), color: '#d62728' },
    ], {
      title: `${learner.name}: held-out task ${i + 1} (A=${amp.toFixed(2)}, phase=${phase.toFixed(2)}${frequency === undefined ? '' : `, f=${frequency.toFixed(2)}`})`,
      xLabel: 'x', yLabel: 'y',
    });
  });
};

export const sinusoidEntry: EnvironmentEntry = {
  name: 'sinusoid',
  summary: 'regression on y = A sin(x - phase), A in [0.1, 5], phase in [0, pi] (Finn et al. 2017)',
  options: [],
  create: () => new Sinusoid(),
  plots,
};

/** RoML's sine (Greenberg et al. 2023): a frequency too, so the hard tail is harder. */
export const robustSineEntry: EnvironmentEntry = {
  name: 'robust-sine',
  summary: 'y = A sin(f x - phase), A in [0.1, 5], phase in [0, 2 pi], f in [0.3, 3], x in [0, 2 pi] (RoML)',
  options: [],
  create: () => new Sinusoid({ amplitude: [0.1, 5], phase: [0, 2 * Math.PI], frequency: [0.3, 3], x: [0, 2 * Math.PI] }),
  plots,
};
