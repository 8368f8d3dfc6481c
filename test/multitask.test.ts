// PCGrad and the multi-task trainer: projections by hand, no pairwise conflict after surgery,
// and the paper's toy, where the summed gradient stalls and PCGrad reaches the joint optimum
// (the README's table is this run).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { ArgumentError, MAML, MLP, MultiTask, Rng, SGD, Sinusoid, metaTrain, mul, pcgrad, sum, tensor, type Tensor } from '../src/index.ts';
import { pcgradPlot, pcgradTable, pcgradToy } from '../experiments/pcgrad.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

test('two conflicting gradients: each projected onto the other\'s normal plane, then summed', () => {
  const g1 = tensor([1, 0], { dtype: 'float64' });
  const g2 = tensor([-1, 1], { dtype: 'float64' });
  // g1' = g1 - (g1·g2/|g2|²) g2 = [0.5, 0.5]; g2' = g2 - (g2·g1/|g1|²) g1 = [0, 1]
  assertClose(pcgrad([[g1], [g2]])[0], [0.5, 1.5], 1e-15);
  assertClose([dot([0.5, 0.5], g2.data), dot([0, 1], g1.data)], [0, 0], 1e-15); // no conflict left
  // no conflict: the plain sum
  assertClose(pcgrad([[tensor([1, 2])], [tensor([3, 1])]])[0], [4, 3]);
});

test('three tasks, one conflicting pair: only that pair is projected, in any order', () => {
  const grads = [[1, 0, 0], [-1, 1, 0], [0, 0, 1]].map((g) => [tensor(g, { dtype: 'float64' })]);
  for (const seed of [0, 1, 2, 3]) assertClose(pcgrad(grads, new Rng(seed))[0], [0.5, 1.5, 1], 1e-15);
  // gradients over several parameters are one vector: [1 | 0] and [-1 | 1] as two tensors
  const split = pcgrad([[tensor([1]), tensor([0])], [tensor([-1]), tensor([1])]]);
  assert.equal(split.map((t) => Array.from(t.data)), [[0.5], [1.5]]);
  assertThrowsTyped(() => pcgrad([[tensor([1])], [tensor([1, 2])]]), ArgumentError, 'pcgrad', 'other sizes');
  assertThrowsTyped(() => pcgrad([]), ArgumentError, 'pcgrad', 'non-empty');
});

test('MultiTask: sum, mean and pcgrad steps; conflicts counted', () => {
  for (const [combine, expected] of [['sum', [1 - 0.1 * 2, 2 - 0.1 * 0]], ['mean', [1 - 0.1 * 1, 2]], ['pcgrad', [1 - 0.1 * 2, 2]]] as const) {
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const trainer = new MultiTask([w], new SGD([w], { lr: 0.1 }), { combine });
    // gradients [1, 1] and [1, -1]: orthogonal, so PCGrad leaves them alone
    const r = trainer.step([sum(w), sum(mul(w, tensor([1, -1], { dtype: 'float64' })))]);
    assert.equal(r.losses, [3, -1]);
    assert.is(r.conflicts, 0);
    assertClose(w, expected, 1e-15, 0, combine);
  }
  const p = tensor([1], { requiresGrad: true });
  assertThrowsTyped(() => new MultiTask([p], new SGD([p], { lr: 0.1 }), { combine: 'max' as never }), ArgumentError, 'MultiTask', 'combine');
});

test('the toy: the summed gradient stalls, PCGrad reaches the joint optimum; the README table is this run', () => {
  const runs = (['sum', 'pcgrad'] as const).map((c) => pcgradToy(c));
  const [plain, surgery] = runs;
  assert.ok(plain.losses[1] > 30 && plain.final[0] > 1.5, `sum stalls in L1's valley: ${plain.final}, ${plain.losses}`);
  assert.ok(Math.abs(surgery.final[0] + 2) < 0.5 && surgery.final[1] > 2, `PCGrad near θ1 = -2, θ2 large: ${surgery.final}`);
  assert.ok(surgery.losses.every((l) => l < -20), `both losses low: ${surgery.losses}`);
  const readme = readFileSync('README.md', 'utf8');
  assert.ok(readme.includes(pcgradTable(runs)), `README lacks\n${pcgradTable(runs)}`);
  assert.is(readFileSync('docs/img/pcgrad-toy.svg', 'utf8'), pcgradPlot(runs));
});

test('metaTrain with gradientSurgery pcgrad: each task\'s own meta-gradient, projected off the other where they conflict, averaged', () => {
  const make = () => new MAML(new MLP([1, 8, 1], { rng: new Rng(0), dtype: 'float64' }), { innerLr: 0.01 });
  const flat = (gs: readonly Tensor[]) => gs.flatMap((g) => Array.from(g.data));
  const seen = { conflict: 0, agree: 0 };
  for (let seed = 0; seed < 12 && (seen.conflict === 0 || seen.agree === 0); seed++) {
    let got: number[] = [];
    const losses = metaTrain({ learner: make(), family: new Sinusoid({ dtype: 'float64' }), optimizer: { step: (g) => (got = flat(g)) }, metaSteps: 1, metaBatch: 2, shots: 5, rng: new Rng(seed), gradientSurgery: 'pcgrad' });
    // the same draws by hand: the two tasks, then each one's support and query
    const rng = new Rng(seed);
    const tasks = new Sinusoid({ dtype: 'float64' }).sample(rng, 2).map((t) => ({ support: t.sample(rng, 5), query: t.sample(rng, 5) }));
    const [r1, r2] = tasks.map((t) => make().metaGradient([t]));
    const [g1, g2] = [flat(r1.grads), flat(r2.grads)];
    const d = dot(g1, g2);
    const want = g1.map((v, i) => (d < 0 ? v - (d / dot(g2, g2)) * g2[i] + g2[i] - (d / dot(g1, g1)) * v : v + g2[i]) / 2);
    assertClose(got, want, 1e-12, 1e-10, `seed ${seed}`);
    assertClose(losses, [(r1.loss + r2.loss) / 2], 1e-12, 1e-12);
    seen[d < 0 ? 'conflict' : 'agree']++;
  }
  assert.ok(seen.conflict > 0 && seen.agree > 0, `both cases met: ${JSON.stringify(seen)}`);
  assertThrowsTyped(() => metaTrain({ learner: make(), family: new Sinusoid(), optimizer: { step: () => {} }, metaSteps: 1, metaBatch: 2, shots: 5, rng: new Rng(0), gradientSurgery: 'mgda' as 'pcgrad' }),
    ArgumentError, 'metaTrain: gradientSurgery must be \'pcgrad\' or absent, got the string "mgda"');
  const rmaml = new MAML(new MLP([1, 8, 1]), { innerLrHypergradient: 1e-4, name: 'rmaml' });
  assertThrowsTyped(() => metaTrain({ learner: rmaml, family: new Sinusoid(), optimizer: { step: () => {} }, metaSteps: 1, metaBatch: 2, shots: 5, rng: new Rng(0), gradientSurgery: 'pcgrad' }),
    ArgumentError, "the learner 'rmaml' needs the whole meta-batch at once");
});

test.run();
