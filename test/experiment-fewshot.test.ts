// The README's fewshot table: recomputed from the stored results, each ProtoNet's test accuracy
// from its stored weights and the baseline's from the data, and the first meta-steps retrained
// to the stored losses (see test/stored.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FEWSHOT_SHOTS, digitsEmbedding, fewshotTable, testAccuracy, trainProtoNet, type FewshotRow } from '../experiments/fewshot.ts';
import { ProtoNet, asClassifier, pixelNearestNeighbour } from '../src/index.ts';
import { readDigitFiles } from '../src/cli/digit-files.ts';
import { readmeTable, storedJson, storedWeights } from './stored.ts';

const rows = storedJson<FewshotRow[]>('fewshot');
const images = readDigitFiles();

test('the README\'s fewshot table is the stored results\'; ProtoNet beats the pixel baseline', () => {
  assert.fixture(fewshotTable(rows), readmeTable('fewshot'));
  for (const shots of FEWSHOT_SHOTS) {
    const [proto, pixel] = ['ProtoNet (conv, 3 blocks)', 'pixel nearest neighbour'].map((m) => rows.find((r) => r.method === m && r.shots === shots)!.result);
    assert.ok(proto.accuracy - proto.ci95 > pixel.accuracy + pixel.ci95, `${shots}-shot: ${proto.accuracy} vs ${pixel.accuracy}`);
  }
});

test('each accuracy, from the stored weights and the data', () => {
  for (const shots of FEWSHOT_SHOTS) {
    const learner = new ProtoNet(digitsEmbedding(shots), { ways: 5 });
    learner.model.loadStateDict(storedWeights(`fewshot-${shots}shot`));
    const stated = (m: string) => rows.find((r) => r.method === m && r.shots === shots)!.result;
    assert.equal(testAccuracy(images, asClassifier(learner, 0), shots), stated('ProtoNet (conv, 3 blocks)'), `ProtoNet ${shots}-shot`);
    assert.equal(testAccuracy(images, pixelNearestNeighbour, shots), stated('pixel nearest neighbour'), `pixel ${shots}-shot`);
  }
});

test('training reproduces the stored first meta-losses', () => {
  for (const shots of FEWSHOT_SHOTS) {
    const stored = rows.find((r) => r.shots === shots && r.losses)!.losses!;
    assert.equal(trainProtoNet(images, shots, 20).losses, stored.slice(0, 20), `${shots}-shot`);
  }
});

test.run();
