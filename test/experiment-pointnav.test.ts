// The README's pointnav table: recomputed from the stored results, each policy's held-out
// evaluation from its stored weights, the first meta-steps of training retrained to the stored
// returns (see test/stored.ts); and the paper's ordering, which the stored results must show.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { POINTNAV, POINTNAV_ROWS, pointnavEval, pointnavPolicy, pointnavTable, type PointnavResult } from '../experiments/pointnav.ts';
import { GaussianPolicy, PointNav2D, Rng, metaTrainRL, withTaskInObservation } from '../src/index.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

const results = storedJson<PointnavResult[]>('pointnav');
const row = (name: string) => results.find((r) => r.row === name)!;

test('the README\'s pointnav table is the stored results\'; MAML adapts as in the paper', () => {
  assert.equal(results.map((r) => r.row).sort(), [...POINTNAV_ROWS].sort());
  assert.fixture(pointnavTable(results), readmeTable('pointnav'));
  const [maml, pre, random, oracle] = ['maml', 'pretrained', 'random', 'oracle'].map((n) => row(n).eval.mean);
  assert.ok(maml[1] > maml[0] + 15, `one step: ${maml[0]} -> ${maml[1]}`);
  assert.ok(maml[1] > pre[1] + 10, `MAML after one step ${maml[1]} vs pretrained ${pre[1]}`);
  assert.ok(oracle[0] > maml[1] && random[1] < pre[1], 'oracle above, random below');
});

test('every policy\'s held-out evaluation, from its stored weights', () => {
  for (const r of results) {
    const policy = pointnavPolicy(r.row, r.seed);
    policy.loadStateDict(storedWeights(`pointnav-${r.row}`));
    const ev = pointnavEval(r.row, policy, r.seed);
    assert.equal([ev.mean, ev.cvar, ev.worst, ev.stderr], [r.eval.mean, r.eval.cvar, r.eval.worst, r.eval.stderr], r.row);
  }
});

test('training reproduces the stored returns of the first meta-steps (MAML-TRPO and the oracle\'s pretraining)', () => {
  for (const name of ['maml', 'oracle'] as const) {
    const r = row(name);
    const policy: GaussianPolicy = pointnavPolicy(name, r.seed);
    const family = name === 'oracle' ? withTaskInObservation(new PointNav2D()) : new PointNav2D();
    const curve = metaTrainRL({ family, policy, metaSteps: 2, metaBatch: POINTNAV.metaBatch, episodes: POINTNAV.episodes, rng: new Rng(1000 + r.seed), mode: name === 'maml' ? 'maml' : 'pretrain' });
    assert.equal(curve, { before: r.curve.before.slice(0, 2), after: r.curve.after.slice(0, 2) }, name);
  }
});

test.run();
