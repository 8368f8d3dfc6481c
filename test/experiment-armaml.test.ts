// The README's armaml-sine table: recomputed from the stored results, each trained learner's
// held-out evaluation from its stored weights, and the first meta-steps of each method retrained
// to the stored losses (see test/stored.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ARMAML_METHODS, ARMAML_SINE, LOSS_PREFIX, armamlSetup, armamlTable, type ArmamlRun } from '../experiments/armaml-sine.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

const runs = storedJson<ArmamlRun[]>('armaml-sine');
const method = (name: string) => ARMAML_METHODS.find((m) => m.name === name)!;

test('the README\'s armaml-sine table is the stored results\'', () => {
  assert.is(runs.length, ARMAML_SINE.seeds.length * ARMAML_METHODS.length);
  assert.fixture(armamlTable(runs), readmeTable('armaml-sine'));
  // every CVaR at least the mean, and the worse the tail, the higher
  for (const r of runs) for (const set of [r.uniform, r.shifted]) for (let k = 1; k < set.length; k++) assert.ok(set[k] >= set[k - 1], `${r.method} ${r.seed}`);
});

test('every trained learner\'s held-out evaluation, from its stored weights', () => {
  for (const r of runs) {
    const run = armamlSetup(method(r.method), r.seed, ARMAML_SINE.metaSteps);
    run.learner.model.loadStateDict(storedWeights('armaml-sine', `${r.method}/${r.seed}/`));
    assert.equal(run.evaluateHeldOut(), { uniform: r.uniform, shifted: r.shifted }, `${r.method}, seed ${r.seed}`);
  }
});

test('training reproduces each method\'s stored first meta-losses', () => {
  for (const m of ARMAML_METHODS) {
    const r = runs.find((x) => x.method === m.name && x.seed === 0)!;
    assert.is(r.firstLosses.length, LOSS_PREFIX);
    assert.equal(armamlSetup(m, 0, ARMAML_SINE.metaSteps).train(LOSS_PREFIX), r.firstLosses, m.name);
  }
});

test.run();
