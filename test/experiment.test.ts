// The README's robust-sine table: recomputed from the stored results, each of the 15 trained
// learners' held-out evaluation recomputed from its stored weights, and the first meta-steps of
// each method retrained to the stored losses (see test/stored.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LOSS_PREFIX, METHODS, robustSineSetup, robustSineTable } from '../experiments/robust-sine.ts';
import type { EvalResult } from '../src/index.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

type Stored = { options: { metaSteps: number; tasks: number; seeds: number[] }; results: { method: string; seed: number; r: EvalResult & { firstLosses: number[] } }[] };
const stored = storedJson<Stored>('robust-sine');
const method = (name: string) => METHODS.find((m) => m.name === name)!;

test('the README\'s robust-sine table is the stored results\'', () => {
  assert.is(stored.results.length, stored.options.seeds.length * METHODS.length);
  assert.fixture(robustSineTable(stored.results), readmeTable('robust-sine'));
});

test('every trained learner\'s held-out evaluation, from its stored weights', () => {
  for (const { method: name, seed, r } of stored.results) {
    const run = robustSineSetup(method(name), seed, stored.options.metaSteps);
    run.learner.model.loadStateDict(storedWeights('robust-sine', `${name}/${seed}/`));
    const ev = run.evaluateHeldOut(stored.options.tasks);
    assert.equal([ev.mean, ev.cvar, ev.worst, ev.stderr], [r.mean, r.cvar, r.worst, r.stderr], `${name}, seed ${seed}`);
  }
});

test('training reproduces each method\'s stored first meta-losses', () => {
  for (const m of METHODS) {
    const { r } = stored.results.find((x) => x.method === m.name && x.seed === 0)!;
    assert.is(r.firstLosses.length, LOSS_PREFIX);
    assert.equal(robustSineSetup(m, 0, stored.options.metaSteps).train(LOSS_PREFIX), r.firstLosses, m.name);
  }
});

test.run();
