// Few-shot classification on digits: the data checks (a truncated or malformed file is a clear
// error), the class splits and the episodes (disjoint splits, disjoint support and query,
// rotations by hand), prototypical networks (logits and gradient by hand and by finite
// differences) and the pixel nearest-neighbour baseline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArgumentError, DataError, DigitsFewShot, Flatten, MLP, ProtoNet, fineTuneHead, Rng, Tensor, asClassifier, digitClassSplits, digitImages, fewShotAccuracy, pixelNearestNeighbour, prototypeLogits, tensor,
} from '../src/index.ts';
import { readDigitFiles } from '../src/cli/digit-files.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-digits-'));

/** Ten digits of `per` images each; image i of digit d is filled with (d·per + i + 1) / 1000, so every image is told apart by its value. */
const numbered = (per: number) => digitImages(Array.from({ length: 10 }, (_, d) => Array.from({ length: per * 784 }, (_, k) => (d * per + Math.floor(k / 784) + 1) / 1000)));

test('the mnist package loads: ten digits of about 1,000 28x28 images, pixels in [0, 1]', () => {
  const images = readDigitFiles();
  const counts = images.perDigit.map((a) => a.length / 784);
  assert.equal(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  assert.ok(images.perDigit.every((a) => a.every((v) => v >= 0 && v <= 1)));
});

test('a truncated, malformed or missing data file is a DataError naming the file', () => {
  const good = JSON.stringify({ data: new Array(784).fill(0) });
  for (let d = 0; d < 10; d++) writeFileSync(join(dir, `${d}.json`), good);
  assert.is(readDigitFiles(dir).perDigit[9].length, 784);
  const bad = mkdtempSync(join(dir, 'bad-'));
  for (let d = 0; d < 10; d++) writeFileSync(join(bad, `${d}.json`), good);
  writeFileSync(join(bad, '3.json'), good.slice(0, 200)); // cut mid-array
  assertThrowsTyped(() => readDigitFiles(bad), DataError, '3.json', 'not valid JSON (truncated?)');
  writeFileSync(join(bad, '3.json'), JSON.stringify({ pixels: [] }));
  assertThrowsTyped(() => readDigitFiles(bad), DataError, '3.json', 'expected { "data"');
  writeFileSync(join(bad, '3.json'), JSON.stringify({ data: new Array(700).fill(0) }));
  assertThrowsTyped(() => readDigitFiles(bad), DataError, 'digit 3 has 700 values, not a whole number of 28x28 images');
  writeFileSync(join(bad, '3.json'), JSON.stringify({ data: [...new Array(783).fill(0), 2] }));
  assertThrowsTyped(() => readDigitFiles(bad), DataError, 'digit 3, value 783 is the number 2');
  rmSync(join(bad, '3.json'));
  assertThrowsTyped(() => readDigitFiles(bad), DataError, '3.json', 'cannot be read');
});

test('class splits are disjoint and cover the 40 classes; episodes never leave their split', () => {
  const s = digitClassSplits();
  assert.equal([s.train.length, s.val.length, s.test.length], [25, 5, 10]);
  assert.equal([...s.train, ...s.val, ...s.test].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
  const images = numbered(30);
  for (const split of ['train', 'val', 'test'] as const) {
    const family = new DigitsFewShot(images, { split });
    for (const task of family.sample(new Rng(1), 50)) {
      assert.is(new Set(task.id).size, 5);
      assert.ok(task.id.every((c) => s[split].includes(c)), `${split}: ${task.id}`);
    }
  }
  assertThrowsTyped(() => new DigitsFewShot(images, { split: 'val', ways: 6 }), ArgumentError, 'DigitsFewShot', 'ways');
});

test('a task\'s samples: labels in class order, new images on every call (support and query disjoint), rotations by hand', () => {
  const images = numbered(6);
  const family = new DigitsFewShot(images, { split: 'test', ways: 2 });
  const task = family.task([4 * 7 + 0, 4 * 2 + 1]); // digit 7 upright, digit 2 a quarter turn
  const rng = new Rng(3);
  const support = task.sample(rng, 2);
  const query = task.sample(rng, 4);
  assert.equal(support.x.shape, [4, 1, 28, 28]);
  assert.equal(Array.from(support.y.data), [0, 0, 1, 1]);
  const ids = (b: { x: Tensor }) => Array.from({ length: b.x.shape[0] }, (_, i) => Math.round(b.x.data[i * 784] * 1000));
  const seen = [...ids(support), ...ids(query)];
  assert.is(new Set(seen).size, 12, 'twelve different images');
  assert.ok(ids(support).slice(0, 2).every((v) => v > 42 && v <= 48), 'class 0 is digit 7');
  assertThrowsTyped(() => task.sample(rng, 1), ArgumentError, 'class 28 has 6 images, 6 used');
  // one bright pixel at row 0, column 1 of digit 0's only image: a quarter turn counter-clockwise takes it to row 26, column 0
  const raw = Array.from({ length: 10 }, () => new Array(784).fill(0));
  raw[0][1] = 1;
  const one = new DigitsFewShot(digitImages(raw), { split: 'train', ways: 2 }).task([1, 2]).sample(new Rng(0), 1).x.data;
  assert.is(one[26 * 28 + 0], 1);
  assert.is(Array.from(one).reduce((a, b) => a + b, 0), 2); // and a half turn (class 2) to row 27, column 26
  assert.is(one[784 + 27 * 28 + 26], 1);
});

test('prototype logits by hand; the ProtoNet gradient against finite differences', () => {
  // prototypes (1, 0) and (4, 0); the query (2, 0): logits −1 and −4
  const logits = prototypeLogits(tensor([[0, 0], [2, 0], [4, 0]], { dtype: 'float64' }), tensor([0, 0, 1]), tensor([[2, 0]], { dtype: 'float64' }), 2);
  assertClose(logits, [[-1, -4]], 1e-12);
  assertThrowsTyped(() => prototypeLogits(tensor([[0, 0]]), tensor([0]), tensor([[1, 1]]), 2), ArgumentError, 'every class 0..1 needs a support example');
  const learner = new ProtoNet(new MLP([3, 4], { rng: new Rng(0), dtype: 'float64' }), { ways: 2 });
  const rng = new Rng(5);
  const batch = (n: number) => ({ x: tensor(Array.from({ length: n * 2 * 3 }, () => rng.normal()), { shape: [2 * n, 3], dtype: 'float64' }), y: tensor(Array.from({ length: 2 * n }, (_, i) => (i < n ? 0 : 1))) });
  const tasks = [{ support: batch(2), query: batch(3) }, { support: batch(1), query: batch(2) }];
  const { loss, grads } = learner.metaGradient(tasks);
  const w = learner.metaParameters()[0];
  for (const i of [0, 5, 11]) {
    const old = w.data[i];
    w.data[i] = old + 1e-6;
    const up = learner.metaGradient(tasks).loss;
    w.data[i] = old - 1e-6;
    const down = learner.metaGradient(tasks).loss;
    w.data[i] = old;
    assertClose([grads[0].data[i]], [(up - down) / 2e-6], 1e-6, 1e-6, `weight ${i}`);
  }
  assert.ok(Number.isFinite(loss));
  assert.is(asClassifier(learner, 0).classify(tasks[0].support, tasks[0].query.x).shape.join(), '6,2');
});

test('the fine-tune baseline fits a new head on the support features and labels separable queries', () => {
  const support = { x: tensor([[0, 0], [0, 0.1], [3, 3], [3, 3.1], [-3, 2], [-3.1, 2]]), y: tensor([0, 0, 1, 1, 2, 2]) };
  const logits = fineTuneHead(new Flatten(), { ways: 3, steps: 200, lr: 0.1 }).classify(support, tensor([[0.05, 0], [2.9, 3], [-2.9, 2.1]]));
  const labels = [0, 1, 2].map((i) => [0, 1, 2].reduce((best, c) => (logits.data[i * 3 + c] > logits.data[i * 3 + best] ? c : best), 0));
  assert.equal(labels, [0, 1, 2]);
  assertThrowsTyped(() => fineTuneHead(new Flatten(), { ways: 1 }), ArgumentError, 'fineTuneHead', 'ways');
});

test('pixel nearest neighbour by hand; on images told apart by value it does far better than chance', () => {
  const scores = pixelNearestNeighbour.classify({ x: tensor([[0, 0], [4, 0], [1, 1]]), y: tensor([0, 1, 0]) }, tensor([[1, 0], [3, 0]]));
  assertClose(scores, [[-1, -9], [-5, -1]], 0);
  // numbered images: a query's nearest support image is mostly of its own digit (rotations of a constant image are alike)
  const family = new DigitsFewShot(numbered(40), { split: 'test' });
  const r = fewShotAccuracy(pixelNearestNeighbour, family, { episodes: 20, shots: 1, queries: 5, rng: new Rng(2) });
  assert.ok(r.accuracy > 0.6, `${r.accuracy}`);
  assert.is(r.perEpisode.length, 20);
  assert.ok(r.ci95 >= 0);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
