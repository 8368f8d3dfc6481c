// Every public function and class of metagrad, called with wrong types and sizes: each either
// returns or throws a MetagradError whose message names it. Never a raw TypeError or
// RangeError from deep inside, and never a message that names some other function.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as metagrad from '../src/index.ts';
import {
  Adam, ArgumentError, CheckpointError, DTypeError, MAML, MLP, MetagradError, Rng, SGD, ShapeError, Sinusoid, Tensor,
  arange, broadcastTo, conv2d, crossEntropy, evaluate, fromSafetensors, indexSelect, metaTrain, pad, tensor, toSafetensors, zeros,
} from '../src/index.ts';
import { assertThrowsTyped } from './helpers.ts';

const t2 = () => tensor([1, 2]);
// Wrong types (nothing, null, strings, objects, NaN, symbols, bigint arrays), then a tensor with
// wrong second arguments, then sizes far past any limit.
const BAD_ARGUMENTS: (() => unknown[])[] = [
  () => [], () => [undefined], () => [null], () => ['x'], () => [{}], () => [NaN], () => [-1], () => [Symbol('s')],
  () => [new BigInt64Array(2)], () => [[1e5, 1e5]], () => [[-1]], () => [() => 'not a tensor'],
  () => [t2(), 'x'], () => [t2(), NaN], () => [t2(), -1], () => [t2(), [-1]], () => [t2(), null], () => [t2(), {}],
  () => [t2(), 1e12], () => [t2(), 0, [2 ** 32]], () => [t2(), undefined, 'x'], () => [t2(), t2(), 'x'],
  () => [tensor([[1, 2]]), [[1e9, 1e9], [1e9, 1e9]]], () => [[1e5, 1e5], new Rng(0)], () => [[2], 'x'], () => [[2], 0, 'x'],
];

const ERROR_CLASSES = new Set(Object.entries(metagrad).filter(([, v]) => v === MetagradError || (typeof v === 'function' && v.prototype instanceof MetagradError)).map(([k]) => k));
const isClass = (f: unknown) => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
const show = (args: unknown[]) => args.map((a) => (a instanceof Tensor ? `Tensor[${a.shape}]` : typeof a === 'symbol' ? 'Symbol' : Array.isArray(a) ? JSON.stringify(a) : typeof a === 'object' && a ? a.constructor.name : String(a))).join(', ');

function judge(name: string, args: unknown[], e: unknown, problems: string[]): void {
  if (!(e instanceof MetagradError)) problems.push(`${name}(${show(args)}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  else if (!e.message.includes(name)) problems.push(`${name}(${show(args)}): the message does not name ${name}: ${e.message}`);
}

function restore(): void {
  metagrad.setBackend('wasm-simd');
  metagrad.detectAnomaly(false);
  metagrad.setGradEnabled(true);
  metagrad.manualSeed(0);
}

test('every public function and class: bad arguments give a MetagradError that names it', async () => {
  const problems: string[] = [];
  let calls = 0;
  for (const [name, f] of Object.entries(metagrad)) {
    if (typeof f !== 'function' || ERROR_CLASSES.has(name)) continue;
    for (const make of BAD_ARGUMENTS) {
      const args = make();
      calls++;
      try {
        const r = isClass(f) ? new (f as new (...a: unknown[]) => unknown)(...args) : (f as (...a: unknown[]) => unknown)(...args);
        if (r instanceof Promise) await r.then(() => undefined, (e) => judge(name, args, e, problems));
      } catch (e) {
        judge(name, args, e, problems);
      } finally {
        restore();
      }
    }
  }
  assert.ok(calls > 2000, `${calls} calls`);
  assert.equal(problems, [], `${problems.length} calls failed:\n${problems.slice(0, 40).join('\n')}`);
});

test('methods: bad operands name the op', () => {
  const x = t2();
  assertThrowsTyped(() => x.add('y' as never), ArgumentError, 'add', 'string');
  assertThrowsTyped(() => x.matmul(undefined as never), ArgumentError, 'matmul', 'undefined');
  assertThrowsTyped(() => x.reshape('3' as never), ArgumentError, 'reshape');
  assertThrowsTyped(() => x.sum('a' as never), ShapeError, 'sum', 'axis');
});

test('the issue\'s list: each is a typed error naming the function and the values', () => {
  assertThrowsTyped(() => zeros([1e5, 1e5]), ShapeError, 'zeros', '[100000,100000]', '2147483647');
  assertThrowsTyped(() => broadcastTo(t2(), [-1]), ShapeError, 'broadcastTo', '-1');
  assertThrowsTyped(() => pad(t2(), [[2e9, 2e9]]), ShapeError, 'pad', '4000000002');
  assertThrowsTyped(() => conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 2, 2]), null, { padding: 1e9 }), ShapeError, 'conv2d', 'elements');
  assertThrowsTyped(() => arange(0, Infinity), ArgumentError, 'arange', 'stop', 'Infinity');
  assertThrowsTyped(() => tensor(new BigInt64Array(2) as never), DTypeError, 'tensor', 'BigInt64Array');
  assertThrowsTyped(() => new MLP([1, 2, 1]).loadStateDict(null as never), ArgumentError, 'MLP.loadStateDict', 'null');
  assertThrowsTyped(() => new SGD(new MLP([1, 2, 1]).parameters(), undefined as never), ArgumentError, 'SGD', 'lr');
  const family = new Sinusoid();
  assertThrowsTyped(() => evaluate(new MAML(new MLP([1, 2, 1])), family, { tasks: family.sample(new Rng(0), 2), shots: 5, steps: 1 } as never), ArgumentError, 'evaluate', 'rng');
  assertThrowsTyped(() => fromSafetensors('abc' as never), ArgumentError, 'fromSafetensors', 'string');
  assertThrowsTyped(() => toSafetensors({ a: 3 } as never), ArgumentError, 'toSafetensors', "tensors['a']", 'number 3');
});

test('integers of 2^31 and above are refused, never wrapped (crossEntropy, indexSelect)', () => {
  const logits = zeros([2, 3]);
  assertThrowsTyped(() => crossEntropy(logits, [0, 2 ** 32]), DTypeError, 'crossEntropy', '4294967296');
  assertThrowsTyped(() => crossEntropy(logits, [0, 2 ** 31]), DTypeError, 'crossEntropy', '2147483648');
  assertThrowsTyped(() => indexSelect(tensor([1, 2, 3]), 0, [2 ** 32 + 1]), DTypeError, 'indexSelect', '4294967297');
  assertThrowsTyped(() => indexSelect(tensor([1, 2, 3]), 0, [-(2 ** 32) + 1]), DTypeError, 'indexSelect', '-4294967295');
  // in range, a large label is still out of the class range, and says so with its true value
  assertThrowsTyped(() => crossEntropy(logits, [0, 2 ** 31 - 1]), DTypeError, 'crossEntropy', '2147483647', '[0, 3)');
});

test('options that would give NaN or nonsense are refused, naming the option', () => {
  const params = new MLP([1, 2, 1]).parameters();
  assertThrowsTyped(() => new Adam(params, { eps: NaN }), ArgumentError, 'Adam', 'eps', 'NaN');
  assertThrowsTyped(() => new Adam(params, { eps: 0 }), ArgumentError, 'Adam', 'eps');
  assertThrowsTyped(() => new Adam(params, { lr: Infinity }), MetagradError, 'Adam', 'lr');
  const family = new Sinusoid();
  const learner = new MAML(new MLP([1, 4, 1]));
  const tasks = family.sample(new Rng(0), 3);
  for (const [option, value] of [['querySize', 0], ['querySize', -5], ['steps', -1], ['steps', NaN], ['shots', 0], ['shots', 2.5], ['alpha', 0], ['alpha', 1.5]] as const) {
    assertThrowsTyped(() => evaluate(learner, family, { tasks, shots: 5, steps: 1, rng: new Rng(1), [option]: value }), ArgumentError, 'evaluate', option, String(value));
  }
  const base = { learner, family, optimizer: new Adam(learner.metaParameters()), metaSteps: 1, metaBatch: 2, shots: 5, rng: new Rng(0) };
  for (const [option, value] of [['querySize', 0], ['querySize', -1], ['metaSteps', -1], ['metaSteps', NaN], ['shots', 0], ['metaBatch', 0]] as const) {
    assertThrowsTyped(() => metaTrain({ ...base, [option]: value }), ArgumentError, 'metaTrain', option);
  }
  assertThrowsTyped(() => new MAML(new MLP([1, 2, 1]), { innerLr: NaN }), MetagradError, 'MAML', 'innerLr');
  assertThrowsTyped(() => new MAML(new MLP([1, 2, 1]), { learnInnerLr: 'always' as never }), ArgumentError, 'MAML', 'learnInnerLr');
});

test('model.forward(x) without a scope runs the module with its own parameters, as call(x) does', () => {
  const model = new MLP([2, 3, 1], { rng: new Rng(4) });
  const x = tensor([[0.5, -1], [2, 0.25]]);
  assert.equal(Array.from(model.forward(x).data), Array.from(model.call(x).data));
  const layer = new metagrad.Linear(2, 2, { rng: new Rng(5) });
  assert.equal(Array.from(layer.forward(x).data), Array.from(layer.call(x).data));
});

test('safetensors: any ArrayBufferView or ArrayBuffer reads; __proto__ and __metadata__ names are refused', () => {
  const bytes = toSafetensors({ w: tensor([1, 2, 3]) });
  // a view at an offset into a larger buffer, as a Node Buffer from readFileSync is
  const pool = new Uint8Array(bytes.length + 13);
  pool.set(bytes, 13);
  for (const input of [pool.subarray(13), new DataView(pool.buffer, 13), bytes.slice().buffer]) {
    assert.equal(Array.from(fromSafetensors(input).tensors.w.data), [1, 2, 3]);
  }
  assertThrowsTyped(() => toSafetensors({ __metadata__: tensor([1]) }), ArgumentError, 'toSafetensors', '__metadata__');
  assertThrowsTyped(() => toSafetensors(JSON.parse('{"__proto__": 1}')), ArgumentError, 'toSafetensors', '__proto__');
  // a file that names a tensor __proto__ is refused, and cannot replace the record's prototype
  const raw = JSON.stringify({ ['__proto_' + '_']: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
  assert.ok(raw.includes('__proto__'));
  const h = new TextEncoder().encode(raw);
  const file = new Uint8Array(8 + h.length + 4);
  new DataView(file.buffer).setBigUint64(0, BigInt(h.length), true);
  file.set(h, 8);
  assertThrowsTyped(() => fromSafetensors(file), CheckpointError, '__proto__');
});

test.run();
