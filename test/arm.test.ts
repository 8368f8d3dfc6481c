// ARM and its baselines under group shift: rotations by hand, rotated digits' skewed groups,
// ARM-BN normalising by the test batch, ARM-CML's context from the batch, ARM-LL's loss network
// trained through the inner step (finite differences), and on the synthetic family, ARM's
// worst group above ERM's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, GroupShift2D, GroupShiftLearner, RotatedDigits, Rng, Tensor, crossEntropy, digitImages, grad, rotateDigit } from '../src/index.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

const N = 27; // the last row and column of a 28x28 image

test('rotateDigit: a quarter turn moves pixels exactly (counter-clockwise), a whole turn is the identity', () => {
  const src = Float32Array.from({ length: 784 }, (_, i) => (i * 37) % 101 / 100);
  const q = rotateDigit(src, 90);
  // counter-clockwise: the top row becomes the left column, read bottom to top
  for (let r = 0; r <= N; r++) for (let c = 0; c <= N; c++) assert.is(q[r * 28 + c], src[c * 28 + N - r], `(${r}, ${c})`);
  assertClose(rotateDigit(src, 360), src, 1e-6);
  assertClose(rotateDigit(rotateDigit(src, 90), -90), src, 1e-6);
  // 45°: a corner pixel falls outside and the centre stays
  const one = new Float32Array(784);
  one[0] = 1;
  assert.is(rotateDigit(one, 45).reduce((a, b) => a + b, 0), 0);
  assertThrowsTyped(() => rotateDigit(new Float32Array(10), 10), ArgumentError, 'rotateDigit', '784 pixels');
});

test('RotatedDigits: training groups in the bands\' 7560 : 2160 : 648 : 324 : 108 ratio; a test image is shown in every group', () => {
  const images = digitImages(Array.from({ length: 10 }, (_, d) => Float32Array.from({ length: 784 * 300 }, (_, i) => ((i * (d + 3)) % 17) / 16)));
  const data = new RotatedDigits(images, { testPerGroup: 100 });
  const bands = [[0, 3], [3, 6], [6, 9], [9, 12], [12, 14]].map(([a, b]) => data.trainSizes.slice(a, b).reduce((s, v) => s + v, 0));
  const total = bands.reduce((a, b) => a + b, 0);
  assert.is(total, 10 * 240); // 80% of 300 images of each digit
  const want = [7560, 2160, 648, 324, 108].map((v) => v / 10800);
  bands.forEach((n, k) => assert.ok(Math.abs(n / total - want[k]) < 3 * Math.sqrt((want[k] * (1 - want[k])) / total) + 1e-9, `band ${k}: ${n} of ${total}`));
  const upright = data.testBatches(0, 50)[0];
  const turned = data.testBatches(9, 50)[0];
  assert.equal(Array.from(turned.y.data), Array.from(upright.y.data));
  assert.ok(new Set(upright.y.data).size >= 8, 'a test batch is a random draw of the group (its classes mixed), as ARM\'s are');
  assert.equal(Array.from(turned.x.data.subarray(784, 1568)), Array.from(rotateDigit(upright.x.data.subarray(784, 1568) as Float32Array, 90)));
  assert.is(data.testBatches(3, 50).length, 2);
});

test('ARM-BN normalises by the batch at hand: a shift of the whole batch changes nothing, other rows change a row\'s logits', () => {
  const bn = new GroupShiftLearner('arm-bn', new GroupShift2D(), { hidden: [8, 8], dtype: 'float64' });
  const x = new Tensor(Float32Array.of(0.1, 0.5, -1, 2, 0.3, -0.2, 1.5, 1), [4, 2]);
  const shifted = new Tensor(x.data.map((v, i) => v + (i % 2 ? -3 : 5)), [4, 2]);
  assertClose(bn.logits(shifted).data, bn.logits(x).data, 1e-9);
  const others = new Tensor(Float32Array.of(0.1, 0.5, 4, 4, 5, 3, 6, 6), [4, 2]);
  assert.ok(Math.abs(bn.logits(others).data[0] - bn.logits(x).data[0]) > 1e-3, 'the first row\'s logits depend on the batch');
});

test('ARM-CML: the context is the batch\'s mean, so permuting the batch permutes the logits and other rows change a row\'s', () => {
  const cml = new GroupShiftLearner('arm-cml', new GroupShift2D(), { hidden: [8, 8], dtype: 'float64' });
  const x = new Tensor(Float32Array.of(0.1, 0.5, -1, 2, 0.3, -0.2), [3, 2]);
  const perm = new Tensor(Float32Array.of(0.3, -0.2, 0.1, 0.5, -1, 2), [3, 2]);
  const a = cml.logits(x).data, b = cml.logits(perm).data;
  assertClose([b[0], b[1], b[2], b[3], b[4], b[5]], [a[4], a[5], a[0], a[1], a[2], a[3]], 1e-12);
  const alone = cml.logits(new Tensor(Float32Array.of(0.1, 0.5), [1, 2])).data;
  assert.ok(Math.abs(alone[0] - a[0]) > 1e-6, 'a row alone gets another context');
});

test('ARM-LL: the loss network gets its gradient through the inner step (finite differences)', () => {
  const ll = new GroupShiftLearner('arm-ll', new GroupShift2D(), { hidden: [6, 6], dtype: 'float64', innerLr: 0.5 });
  const b = new GroupShift2D(1).trainBatch(new Rng(2), 1, 10);
  const loss = () => crossEntropy(ll.logits(b.x), Int32Array.from(b.y.data));
  const phi = ll.lossNet!.parameters();
  const g = grad(loss(), phi);
  for (const k of [0, 2]) { // the loss network's first and second weight matrices, at their largest entry
    const gk = Array.from(g[k].data, Math.abs);
    const j = gk.indexOf(Math.max(...gk));
    const p = phi[k].data;
    const v = p[j];
    p[j] = v + 1e-6;
    const up = loss().item();
    p[j] = v - 1e-6;
    const down = loss().item();
    p[j] = v;
    assertClose([g[k].data[j]], [(up - down) / 2e-6], 1e-6);
    assert.ok(Math.abs(g[k].data[j]) > 1e-6, 'a gradient that is not zero');
  }
});

test('on the synthetic family, ARM-CML and ARM-LL beat ERM on the worst group; group DRO weighs the groups', () => {
  const data = new GroupShift2D(0);
  const run = (method: 'erm' | 'dro' | 'arm-cml' | 'arm-ll') => {
    const learner = new GroupShiftLearner(method, data, { hidden: [32, 32], lr: 3e-3 });
    const rng = new Rng(1);
    for (let s = 0; s < 500; s++) learner.trainStep(rng);
    return { learner, acc: learner.evaluate() };
  };
  const erm = run('erm').acc;
  for (const m of ['arm-cml', 'arm-ll'] as const) {
    const acc = run(m).acc;
    assert.ok(acc.worst > erm.worst + 0.2, `${m}: worst group ${acc.worst.toFixed(3)} vs ERM ${erm.worst.toFixed(3)}`);
  }
  const dro = run('dro').learner;
  assertClose([dro.groupWeights.reduce((a, b) => a + b, 0)], [1], 1e-12);
  assert.ok(Math.max(...dro.groupWeights) > 0.26, `weights ${dro.groupWeights}`);
  assertThrowsTyped(() => new GroupShiftLearner('irm' as never, data), ArgumentError, 'GroupShiftLearner', 'method must be one of');
});

test.run();
