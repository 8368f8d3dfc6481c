// Checkpoints: the safetensors layout byte by byte, bit-exact round trips, and refusal of
// truncated, corrupted or mismatched files with a CheckpointError that says why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CheckpointError, MLP, Rng, ShapeError, Tensor, crc32, fromSafetensors, randn, tensor, toSafetensors } from '../src/index.ts';
import { assertThrowsTyped } from './helpers.ts';

const sample = () => ({
  'layer.weight': randn([3, 2], { rng: new Rng(1) }),
  'layer.bias': tensor([1.5, -2.25, 1e-30], { dtype: 'float64' }),
  scalar: tensor(7),
});

test('CRC-32 matches the standard check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('layout: u64 little-endian header length, JSON header with dtype/shape/offsets, 8-byte aligned data', () => {
  const bytes = toSafetensors(sample(), { note: 'hi' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header['layer.bias'], { dtype: 'F64', shape: [3], data_offsets: [0, 24] });
  assert.equal(header['layer.weight'], { dtype: 'F32', shape: [3, 2], data_offsets: [24, 48] });
  assert.equal(header.scalar, { dtype: 'F32', shape: [], data_offsets: [48, 52] });
  assert.is(header.__metadata__.note, 'hi');
  assert.is(bytes.length, 8 + n + 52);
  // the data block holds the raw little-endian values
  assert.is(new DataView(bytes.buffer).getFloat64(8 + n + 8, true), -2.25);
});

test('round trip is bit-exact for float32 and float64', () => {
  const src = sample();
  const { tensors, metadata } = fromSafetensors(toSafetensors(src, { step: '3' }));
  assert.is(metadata.step, '3');
  for (const [k, t] of Object.entries(src)) {
    assert.equal([...tensors[k].shape], [...t.shape]);
    assert.is(tensors[k].dtype, t.dtype);
    assert.equal(Array.from(tensors[k].data), Array.from(t.data));
  }
});

test('a file written by another tool (no metagrad checksum) is read', () => {
  const header = JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
  const h = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + h.length + 8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(h.length), true);
  bytes.set(h, 8);
  new DataView(bytes.buffer).setFloat32(8 + h.length, 0.5, true);
  new DataView(bytes.buffer).setFloat32(8 + h.length + 4, -3, true);
  assert.equal(Array.from(fromSafetensors(bytes).tensors.w.data), [0.5, -3]);
});

test('truncated, bit-flipped, garbage and inconsistent files are refused with the reason', () => {
  const good = toSafetensors(sample());
  assertThrowsTyped(() => fromSafetensors(good.subarray(0, 5)), CheckpointError, 'truncated');
  assertThrowsTyped(() => fromSafetensors(good.subarray(0, good.length - 4)), CheckpointError, 'truncated');
  assertThrowsTyped(() => fromSafetensors(good.subarray(0, 40)), CheckpointError, 'header length');
  const flipped = good.slice();
  flipped[flipped.length - 10] ^= 0x10;
  assertThrowsTyped(() => fromSafetensors(flipped), CheckpointError, 'checksum');
  const garbage = good.slice();
  garbage[9] = 0x7b; // '{' inside the JSON
  garbage[10] = 0x7b;
  assertThrowsTyped(() => fromSafetensors(garbage), CheckpointError, 'corrupt header');
  const appended = new Uint8Array(good.length + 4);
  appended.set(good);
  assertThrowsTyped(() => fromSafetensors(appended), CheckpointError, 'after the last tensor');
  const h = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }));
  const odd = new Uint8Array(8 + h.length + 1);
  new DataView(odd.buffer).setBigUint64(0, BigInt(h.length), true);
  odd.set(h, 8);
  assertThrowsTyped(() => fromSafetensors(odd, 'x.safetensors'), CheckpointError, 'x.safetensors', 'I8');
});

test('loadStateDict refuses missing, unexpected and misshaped tensors and changes nothing', () => {
  const a = new MLP([1, 4, 1], { rng: new Rng(1) });
  const b = new MLP([1, 4, 1], { rng: new Rng(2) });
  const before = Array.from(b.parameters()[0].data);
  const state = fromSafetensors(toSafetensors(a.stateDict())).tensors;
  const { ['layers.2.bias']: _dropped, ...missing } = state;
  assertThrowsTyped(() => b.loadStateDict(missing), ShapeError, 'missing [layers.2.bias]');
  assertThrowsTyped(() => b.loadStateDict({ ...state, extra: tensor([1]) }), ShapeError, 'unexpected [extra]');
  assertThrowsTyped(() => b.loadStateDict({ ...state, 'layers.0.weight': new Tensor(new Float32Array(5), [5, 1]) }), ShapeError, 'layers.0.weight', '[5,1]', '[4,1]');
  assert.equal(Array.from(b.parameters()[0].data), before);
  b.loadStateDict(state);
  assert.equal(Array.from(b.parameters()[0].data), Array.from(a.parameters()[0].data));
});

test.run();
