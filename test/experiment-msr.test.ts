// The README's MSR table and picture: recomputed from the stored results, every run's held-out
// query MSE (and MSR-FC's adapted W) re-evaluated from its stored weights, and each run's first
// meta-steps retrained to the stored losses (see test/stored.ts); the paper's claims, which the
// stored results must show.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { FIRST_LOSSES, MODELS, RANKS, loadMsrWeights, msrEvaluate, msrLearner, msrPicture, msrTable, msrTrain, type MSRRun } from '../experiments/msr.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

const runs = storedJson<MSRRun[]>('msr');
const run = (rank: number, model: string) => runs.find((r) => r.rank === rank && r.model === model)!;

test('the README\'s MSR table and picture are the stored results\'; MSR-FC meets the paper\'s claims', () => {
  assert.equal(runs.map((r) => `${r.rank} ${r.model}`).sort(), RANKS.flatMap((rank) => MODELS.map((m) => `${rank} ${m}`)).sort());
  assert.fixture(msrTable(runs), readmeTable('msr'));
  assert.is(readFileSync('docs/img/msr-rank1-weights.svg', 'utf8'), msrPicture(run(1, 'MSR-FC')));
  const mse = (rank: number, model: string) => run(rank, model).mse;
  assert.ok(mse(1, 'MSR-FC') < 2 * mse(1, 'MAML-Conv') && mse(1, 'MSR-FC') < mse(1, 'MAML-FC') / 5, 'rank 1: MSR-FC near Conv, far below FC');
  for (const rank of [2, 5]) {
    for (const other of ['MAML-FC', 'MAML-LC', 'MAML-Conv']) assert.ok(mse(rank, 'MSR-FC') < mse(rank, other), `rank ${rank}: MSR-FC below ${other}`);
  }
});

test('every run\'s held-out MSE and interval (and MSR-FC\'s adapted W), from its stored weights', () => {
  for (const stored of runs) {
    const rank = stored.rank as 1 | 2 | 5;
    const learner = msrLearner(rank, stored.model);
    loadMsrWeights(learner, storedWeights('msr', `${rank}/${stored.model}/`));
    const { firstLosses: _, ...want } = stored;
    assert.equal(msrEvaluate(learner, rank, stored.model), want, `${stored.model}, rank ${rank}`);
  }
});

test('training reproduces each run\'s stored first meta-losses', () => {
  for (const stored of runs) {
    assert.equal(msrTrain(stored.rank as 1 | 2 | 5, stored.model, FIRST_LOSSES).losses, stored.firstLosses, `${stored.model}, rank ${stored.rank}`);
  }
});

test.run();
