// The README's fewshot table: recomputed from the stored results; the first test episodes of
// every row recomputed, episode by episode, from the stored weights (ProtoNet, MAML, ANIL, the
// pretrained net of the fine-tune baseline) or the data (pixel nearest neighbour); the first
// steps of each training retrained to the stored losses (see test/stored.ts); and the issue's
// bar: the meta-learners above both baselines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FEWSHOT_LEARNERS, FEWSHOT_SHOTS, FEWSHOT_SLUG, FINE_TUNE, fewshotLearner, fewshotTable, fineTuneClassifier, pretrainFewshot, pretrainNet, testAccuracy, trainFewshot,
  type FewshotRow,
} from '../experiments/fewshot.ts';
import { asClassifier, pixelNearestNeighbour } from '../src/index.ts';
import { readDigitFiles } from '../src/cli/digit-files.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

const rows = storedJson<FewshotRow[]>('fewshot');
const images = readDigitFiles();
const row = (method: string, shots: number) => rows.find((r) => r.method === method && r.shots === shots)!;
const EPISODES = 40; // of the 600: each episode's classes and images come in turn, so these are the first 40

test('the README\'s fewshot table is the stored results\'; ProtoNet, MAML and ANIL beat both baselines, intervals apart', () => {
  assert.fixture(fewshotTable(rows), readmeTable('fewshot'));
  for (const shots of FEWSHOT_SHOTS) {
    for (const baseline of ['pixel nearest neighbour', FINE_TUNE]) {
      const b = row(baseline, shots).result;
      for (const kind of ['ProtoNet (conv, 3 blocks)', 'MAML (2nd order, 1 step)', 'ANIL (1 step)']) {
        const r = row(kind, shots).result;
        assert.ok(r.accuracy - r.ci95 > b.accuracy + b.ci95, `${kind}, ${shots}-shot: ${r.accuracy} ± ${r.ci95} vs ${baseline} ${b.accuracy} ± ${b.ci95}`);
      }
    }
  }
  for (const r of rows) assert.ok(Math.abs(r.result.perEpisode.reduce((a, b) => a + b, 0) / r.result.perEpisode.length - r.result.accuracy) < 1e-12, 'accuracy = mean of episodes');
});

test('the first test episodes of every row, from the stored weights and the data', () => {
  for (const shots of FEWSHOT_SHOTS) {
    for (const kind of FEWSHOT_LEARNERS) {
      const learner = fewshotLearner(kind, shots);
      learner.model.loadStateDict(storedWeights(`fewshot-${shots}shot-${FEWSHOT_SLUG[kind]}`));
      assert.equal(testAccuracy(images, asClassifier(learner, 1), shots, EPISODES).perEpisode, row(kind, shots).result.perEpisode.slice(0, EPISODES), `${kind}, ${shots}-shot`);
    }
    const { net, features } = pretrainNet(shots);
    net.loadStateDict(storedWeights(`fewshot-${shots}shot-${FEWSHOT_SLUG[FINE_TUNE]}`));
    assert.equal(testAccuracy(images, fineTuneClassifier(features), shots, EPISODES).perEpisode, row(FINE_TUNE, shots).result.perEpisode.slice(0, EPISODES), `fine-tune, ${shots}-shot`);
    assert.equal(testAccuracy(images, pixelNearestNeighbour, shots, EPISODES).perEpisode, row('pixel nearest neighbour', shots).result.perEpisode.slice(0, EPISODES), `pixel, ${shots}-shot`);
  }
});

test('training reproduces each learner\'s stored first meta-losses', () => {
  for (const shots of FEWSHOT_SHOTS) {
    for (const kind of FEWSHOT_LEARNERS) {
      assert.equal(trainFewshot(kind, images, shots, 5).losses, row(kind, shots).losses!.slice(0, 5), `${kind}, ${shots}-shot`);
    }
    assert.equal(pretrainFewshot(images, shots, 5).losses, row(FINE_TUNE, shots).losses!.slice(0, 5), `pretraining, ${shots}-shot`);
  }
});

test.run();
