// The bump allocator shared by the tensor slabs, tidy()'s arena, WASM staging and the threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { align16, carve } from '../src/kernels/bump.ts';

test('carve hands out 16-byte aligned offsets from top and -1 once full', () => {
  const region = { top: 16, end: 64 };
  assert.is(carve(region, 4), 16);
  assert.is(region.top, 32);
  assert.is(carve(region, 17), 32); // 17 bytes take two 16-byte steps
  assert.is(region.top, 64);
  assert.is(carve(region, 1), -1);
  assert.is(region.top, 64); // a refused carve leaves the region as it was
});

test('a carve may end exactly at end, and its padding past end is not counted', () => {
  const region = { top: 0, end: 20 };
  assert.is(carve(region, 20), 0);
  assert.is(region.top, 32);
  assert.is(carve(region, 0), -1);
});

test('align16 rounds up to multiples of 16', () => {
  assert.equal([0, 1, 15, 16, 17, 4096].map(align16), [0, 16, 16, 16, 32, 4096]);
});

test.run();
