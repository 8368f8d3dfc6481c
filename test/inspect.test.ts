// toDot, toSvg and trace show what the tape really holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grad, mul, noGrad, reshape, sum, tanh, tapeBytes, tensor, toDot, toSvg, trace, type TraceEntry } from '../src/index.ts';

const f64 = { dtype: 'float64' as const, requiresGrad: true };

test('toDot lists each op with its output shape and every data-flow edge', () => {
  const w = tensor([1, 2], f64);
  const x = tensor([3, 4], { dtype: 'float64' });
  const dot = toDot(sum(tanh(mul(w, x))));
  const nodes = [...dot.matchAll(/n(\d+) \[label="([^"]+)"/g)].map((m) => m[2]);
  assert.equal(nodes, ['param [2]', 'input [2]', 'mul [2]', 'tanh [2]', 'sum []']);
  const edges = [...dot.matchAll(/n(\d+) -> n(\d+)/g)].map((m) => `${m[1]}->${m[2]}`);
  assert.equal(edges, ['0->2', '1->2', '2->3', '3->4']);
});

test('a second-order graph shows its backward ops, labelled with the op they differentiate', () => {
  const w = tensor([0.5, -1], f64);
  const [g] = grad(sum(tanh(w)), [w], { createGraph: true });
  const dot = toDot(g);
  // d tanh = g * (1 - out*out): mul(out, out), sub(1, ·), mul(g, ·), all from tanh's VJP
  assert.is((dot.match(/\(backward of tanh\)/g) ?? []).length, 3);
  assert.match(dot, /tanh \[2\]"/);
  const svg = toSvg(g);
  assert.ok(svg.startsWith('<svg'));
  assert.is((svg.match(/backward of tanh/g) ?? []).length, 3);
  assert.is((svg.match(/<rect x=/g) ?? []).length, dot.match(/label=/g)!.length);
});

test('trace logs every op in order with shapes, marking backward ops', () => {
  const w = tensor([1, 2, 3], f64);
  const log: TraceEntry[] = [];
  trace(() => grad(sum(mul(w, w)), [w], { createGraph: true }), (e) => log.push(e));
  assert.equal(log.map((e) => `${e.op} ${e.inputs.join(',')}->${e.output}${e.backwardOf ? ` <${e.backwardOf}` : ''}`), [
    'mul [3],[3]->[3]',
    'sum [3]->[]',
    'broadcastTo []->[3] <sum',
    'mul [3],[3]->[3] <mul',
    'mul [3],[3]->[3] <mul',
    'add [3],[3]->[3]',
  ]);
  assert.ok(log.every((e) => e.micros >= 0));
  const count = log.length;
  noGrad(() => sum(mul(w, w)));
  assert.is(log.length, count, 'nothing is traced after trace() returns');
});

test('tapeBytes counts each array the tape keeps once', () => {
  const w = tensor([1, 2, 3], f64);
  // w (24 B) + w*w (24 B) + sum (8 B); the reshape view shares w's array
  assert.is(tapeBytes(sum(mul(w, reshape(w, [1, 3])))), 24 + 24 + 8);
  const [g] = grad(sum(mul(w, w)), [w], { createGraph: true });
  assert.ok(tapeBytes(g) > tapeBytes(mul(w, w)), 'a gradient with createGraph keeps its forward too');
  assert.is(tapeBytes(noGrad(() => sum(mul(w, w)))), 8, 'nothing behind an untracked result');
});

test.run();
