// The README's arm table: recomputed from the stored results; every group's accuracy of seed
// 0's ERM and ARM-CML runs (the issue's comparison; the repository keeps only their weights,
// which the experiment writes for every run) recomputed from the stored weights; the first
// steps of every method retrained to the stored losses (see test/stored.ts); and the issue's
// bar: an ARM method's worst group above ERM's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ARM, armData, armLearner, armRun, armTable, type ArmResult } from '../experiments/arm.ts';
import { GROUP_METHODS } from '../src/index.ts';
import { readDigitFiles } from '../src/cli/digit-files.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

const results = storedJson<ArmResult[]>('arm');
const data = armData(readDigitFiles());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('the README\'s arm table is the stored results\'; an ARM method\'s worst group beats ERM\'s', () => {
  assert.fixture(armTable(results), readmeTable('arm'));
  assert.is(results.length, GROUP_METHODS.length * ARM.seeds.length);
  const worst = (m: string) => mean(results.filter((r) => r.method === m).map((r) => r.accuracy.worst));
  const best = Math.max(...['arm-cml', 'arm-bn', 'arm-ll'].map(worst));
  assert.ok(best > worst('erm'), `best ARM worst group ${best} vs ERM ${worst('erm')}`);
  for (const r of results) assert.is(r.accuracy.worst, Math.min(...r.accuracy.perGroup));
});

test('seed 0: ERM\'s and ARM-CML\'s every group\'s accuracy from the stored weights; every method\'s first 30 steps retrained to the stored losses', () => {
  setReproducible(true);
  for (const method of GROUP_METHODS) {
    const stored = results.find((r) => r.method === method && r.seed === 0)!;
    if (method === 'erm' || method === 'arm-cml') {
      const learner = armLearner(method, data, 0);
      for (const [prefix, m] of [['model', learner.model], ['context', learner.context]] as const) {
        if (m) m.loadStateDict(storedWeights('arm', `${method}/0/${prefix}.`));
      }
      assert.equal(learner.evaluate(ARM.batchSize).perGroup, stored.accuracy.perGroup, method);
    }
    assert.equal(armRun(method, data, 0, 30).result.losses, stored.losses.slice(0, 3), `${method}: the first 30 steps`);
  }
});

test.run();
