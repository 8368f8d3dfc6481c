// PCGrad's two-objective toy (Yu et al. 2020, figure 1): L1 = 20 log max(|0.5 θ1 + tanh θ2|,
// 5e-6), L2 = 25 log max(|0.5 θ1 - tanh θ2 + 2|, 5e-6), from (0.5, -3) with Adam. The joint
// optimum is θ1 = -2 with θ2 → ∞; the summed gradient stalls in L1's valley where the two
// gradients conflict, and PCGrad's surgery walks along the valley to it. Adam at 0.01 (the
// paper's figure used 0.001 for far longer; at 0.001 and 100,000 steps both are still on the way).
import { Adam } from '../src/nn/optim.ts';
import { abs, add, log, maximum, mul, sub, tanh } from '../src/autograd/ops/elementwise.ts';
import { Tensor, tensor } from '../src/autograd/tensor.ts';
import { MultiTask, type GradientCombination } from '../src/meta/multitask.ts';
import { contourSegments, linePlot } from '../src/plot.ts';
import { slice } from '../src/autograd/ops/slice.ts';
import { reshape } from '../src/autograd/ops/reshape.ts';

/** The toy's two losses at θ (a [2] tensor), on the tape. */
export function toyLosses(theta: Tensor): [Tensor, Tensor] {
  const half = mul(reshape(slice(theta, [0], [1]), []), 0.5);
  const t = tanh(reshape(slice(theta, [1], [2]), []));
  return [mul(log(maximum(abs(add(half, t)), 5e-6)), 20), mul(log(maximum(abs(add(sub(half, t), 2)), 5e-6)), 25)];
}

const value = (a: number, b: number) => {
  const t = Math.tanh(b);
  return 20 * Math.log(Math.max(Math.abs(0.5 * a + t), 5e-6)) + 25 * Math.log(Math.max(Math.abs(0.5 * a - t + 2), 5e-6));
};

export interface ToyRun {
  combine: GradientCombination;
  path: number[][];
  final: number[];
  losses: number[];
}

/** Adam (lr) on the toy for `steps`, the gradients combined as `combine`; the path every `every` steps. */
export function pcgradToy(combine: GradientCombination, steps = 25000, lr = 0.01, every = 50): ToyRun {
  const theta = tensor([0.5, -3], { dtype: 'float64', requiresGrad: true });
  const trainer = new MultiTask([theta], new Adam([theta], { lr }), { combine });
  const path = [[0.5, -3]];
  let losses: number[] = [];
  for (let s = 1; s <= steps; s++) {
    losses = trainer.step(toyLosses(theta)).losses;
    if (s % every === 0) path.push(Array.from(theta.data));
  }
  return { combine, path, final: Array.from(theta.data), losses };
}

/** The picture: both paths over contours of L1 + L2. */
export function pcgradPlot(runs: readonly ToyRun[]): string {
  const levels = [-150, -100, -60, -30, 0, 20, 40, 60];
  return linePlot([
    ...runs.map((r, i) => ({ label: r.combine === 'pcgrad' ? 'PCGrad (Adam)' : `${r.combine} (Adam)`, xs: r.path.map((p) => p[0]), ys: r.path.map((p) => p[1]), color: ['#d62728', '#1f77b4'][i % 2] })),
    { label: 'start (0.5, -3)', xs: [0.5], ys: [-3], points: true, color: '#222' },
  ], {
    title: 'PCGrad toy: paths over contours of L1 + L2', xLabel: 'θ1', yLabel: 'θ2',
    background: contourSegments(value, [-4, 4], [-4, 6], 120, levels),
  });
}

/** The README's table: where each run ends and its two losses. */
export function pcgradTable(runs: readonly ToyRun[]): string {
  return ['| gradients | θ1 | θ2 | L1 | L2 |', '|---|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.combine} | ${r.final[0].toFixed(3)} | ${r.final[1].toFixed(3)} | ${r.losses[0].toFixed(1)} | ${r.losses[1].toFixed(1)} |`)].join('\n');
}
