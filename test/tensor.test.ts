import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, ShapeError, DTypeError, Tensor, arange, eye, full, manualSeed, ones, rand, randn, tensor, zeros } from '../src/index.ts';
import { assertClose, assertShape, assertThrowsTyped } from './helpers.ts';

test('tensor from nested arrays infers shape and defaults to float32', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assertShape(t, [2, 3]);
  assert.is(t.dtype, 'float32');
  assert.ok(t.data instanceof Float32Array);
  assert.is(t.size, 6);
  assert.is(t.ndim, 2);
  assert.equal(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
});

test('tensor from a number is 0-d; item() reads it', () => {
  const t = tensor(3.5, { dtype: 'float64' });
  assertShape(t, []);
  assert.is(t.item(), 3.5);
  assert.is(t.toArray(), 3.5);
});

test('tensor from a typed array copies it and honours shape', () => {
  const src = new Float64Array([1, 2, 3, 4]);
  const t = tensor(src, { shape: [2, 2] });
  assert.is(t.dtype, 'float64');
  src[0] = 99;
  assert.is(t.data[0], 1);
  assert.equal(t.toArray(), [[1, 2], [3, 4]]);
});

test('ragged nested arrays and wrong shapes are ShapeErrors', () => {
  assertThrowsTyped(() => tensor([[1, 2], [3]]), ShapeError, 'tensor', 'ragged');
  assertThrowsTyped(() => tensor([1, 2, 3], { shape: [2, 2] }), ShapeError, 'tensor', '[2,2]');
  assertThrowsTyped(() => tensor([1], { dtype: 'int8' as never }), DTypeError, 'int8');
  assertThrowsTyped(() => zeros([2, 3]).item(), ShapeError, 'item', '[2,3]');
});

test('zeros ones full arange eye', () => {
  assert.equal(zeros([2]).toArray(), [0, 0]);
  assert.equal(ones([2, 1]).toArray(), [[1], [1]]);
  assert.equal(full([3], 7, { dtype: 'float64' }).toArray(), [7, 7, 7]);
  assert.equal(arange(4).toArray(), [0, 1, 2, 3]);
  assert.equal(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.equal(arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.equal(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
});

test('Rng: same seed, same stream; different seeds differ; known first values are stable', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.equal(xs, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.not.equal(xs, Array.from({ length: 5 }, () => new Rng(43).nextUint32()));
  // Golden values pin the generator so a refactor cannot silently change every seeded result.
  // They equal the C reference xoshiro128** seeded by splitmix32 from 0 (checked with gcc).
  const r0 = new Rng(0);
  assert.equal([r0.nextUint32(), r0.nextUint32(), r0.nextUint32()], [3809008728, 1133695204, 53579671]);
});

test('Rng uniform in [0,1), normal has mean ~0 and variance ~1, int in range', () => {
  const rng = new Rng(7);
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    const z = rng.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.03, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.05, `var ${s2 / n}`);
  for (let i = 0; i < 100; i++) {
    const k = rng.int(3);
    assert.ok(k === 0 || k === 1 || k === 2);
  }
});

test('rand/randn are deterministic given an rng or manualSeed', () => {
  assertClose(randn([4], { rng: new Rng(3) }), randn([4], { rng: new Rng(3) }), 0, 0);
  manualSeed(11);
  const a = rand([3]);
  manualSeed(11);
  assertClose(rand([3]), a, 0, 0);
});

test('detach shares data and drops the tape; to() converts dtype', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  assert.ok(y.requiresGrad);
  const d = y.detach();
  assert.is(d.requiresGrad, false);
  assert.is(d.node, null);
  assert.is(d.data, y.data);
  const z = x.to('float64');
  assert.ok(z.data instanceof Float64Array);
  assert.ok(z instanceof Tensor);
});

test.run();
