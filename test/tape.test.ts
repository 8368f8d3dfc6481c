// What the tape records and when: nothing under noGrad or in a backward without createGraph;
// the backward of a createGraph pass is itself on the tape; leaves accumulate .grad.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { grad, mul, noGrad, sum, tanh, tensor } from '../src/index.ts';

test('noGrad records nothing; grad without createGraph returns tensors off the tape', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => tanh(mul(x, 3)));
  assert.is(y.node, null);
  assert.is(y.requiresGrad, false);
  const loss = sum(tanh(mul(x, x)));
  const [g] = grad(loss, [x]);
  assert.is(g.node, null);
  assert.is(g.requiresGrad, false);
  assert.is(loss.node!.vjp, null, 'the backward released the graph it walked');
});

test('createGraph puts the backward on the tape, with the ops a reader expects', () => {
  const x = tensor([0.5], { dtype: 'float64', requiresGrad: true });
  const [g] = grad(tanh(x), [x], { createGraph: true });
  assert.ok(g.requiresGrad);
  const ops = new Set<string>();
  const walk = (t: typeof g) => {
    if (!t.node) return;
    ops.add(t.node.op);
    t.node.inputs.forEach(walk);
  };
  walk(g);
  // d tanh = g * (1 - out*out): a mul of the saved output, a sub, a mul by the cotangent
  assert.ok(ops.has('mul') && ops.has('sub') && ops.has('tanh'), [...ops].join(','));
});

test('backward() accumulates .grad on leaves, like PyTorch', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  sum(mul(w, w)).backward();
  assert.equal(w.grad!.toArray(), [2, 4]);
  sum(mul(w, 3)).backward();
  assert.equal(w.grad!.toArray(), [5, 7]);
});

test('grad with respect to a non-leaf stops there and leaves the graph below it intact', () => {
  const w = tensor([1, 2], { requiresGrad: true });
  const h = mul(w, 3); // non-leaf
  const [gh] = grad(sum(mul(h, h)), [h]);
  assert.equal(gh.toArray(), [6, 12]);
  assert.ok(h.node!.vjp !== null, 'the node that made h was not walked or released');
  assert.equal(grad(sum(h), [w])[0].toArray(), [3, 3]);
});

test('10,000 first-order gradients of an MLP do not grow the heap (bench/memory.ts)', () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/memory.ts', '--reps', '10000', '--json'], { encoding: 'utf8' });
  const r = JSON.parse(out) as { growthBytes: number; gradsOnTape: number; reps: number };
  assert.is(r.reps, 10000);
  assert.is(r.gradsOnTape, 0);
  // A leaked tape would hold ~20 tensors per step: 10,000 steps would add megabytes.
  assert.ok(r.growthBytes < 512 * 1024, `heap grew by ${r.growthBytes} bytes`);
});

test.run();
