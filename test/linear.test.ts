// linear(x, w, b, {activation}): the fused op equals relu(x·wᵀ + b) composed of matmul, add and
// relu bit for bit (WASM epilogue and JS twin), for shared and per-task biases, batched weights
// and the composed fallback; its VJP passes first- and second-order finite differences.
import { setFlagsFromString } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MetagradError, Rng, ShapeError, add, gradcheck, gradgradcheck, linear, matmulT, randn, relu, reshape, sum, tensor, type Tensor,
} from '../src/index.ts';
import { buildBytes, setKernels } from '../src/kernels/backend.ts';
import { jsKernels } from '../src/kernels/js/index.ts';
import type { Kernels } from '../src/kernels/types.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';
import { assertThrowsTyped } from './helpers.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const wasm = (build: 'relaxed' | 'simd' | 'scalar'): Kernels => wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}), 0, 0);

const rng = new Rng(11);
// [x, w, b] triples: unbatched, per-task weights and biases (MAML's batched layers), a shared
// bias over a batch, no bias, a rank-3 x against a 2-D weight, odd sizes everywhere.
const cases: [string, Tensor, Tensor, Tensor | null][] = [
  ['2-D', randn([7, 5], { rng }), randn([9, 5], { rng }), randn([9], { rng })],
  ['per-task weights and biases', randn([4, 10, 6], { rng }), randn([4, 13, 6], { rng }), randn([4, 1, 13], { rng })],
  ['shared bias over a batch', randn([3, 5, 8], { rng }), randn([3, 7, 8], { rng }), randn([7], { rng })],
  ['no bias', randn([6, 11], { rng }), randn([5, 11], { rng }), null],
  ['batched x, one weight', randn([2, 3, 4], { rng }), randn([6, 4], { rng }), randn([1, 6], { rng })],
  ['a full-matrix bias (composed fallback)', randn([5, 4], { rng }), randn([3, 4], { rng }), randn([5, 3], { rng })],
];
// biasPerMatrix: b [T, out] is one row per task's matrix (what Linear passes in a task batch).
const batched: [Tensor, Tensor, Tensor] = [randn([4, 6, 5], { rng }), randn([4, 7, 5], { rng }), randn([4, 7], { rng })];

function composed(x: Tensor, w: Tensor, b: Tensor | null, act: 'relu' | null): Tensor {
  const pre = b ? add(matmulT(x, w, false, true), b) : matmulT(x, w, false, true);
  return act === 'relu' ? relu(pre) : pre;
}

for (const [name, make] of [['wasm relaxed', () => wasm('relaxed')], ['wasm simd', () => wasm('simd')], ['wasm scalar', () => wasm('scalar')], ['js', () => jsKernels]] as const) {
  test(`${name}: linear equals matmul + add (+ relu) bit for bit`, () => {
    const prev = setKernels(make());
    try {
      for (const [what, x, w, b] of cases) {
        for (const act of ['relu', null] as const) {
          const got = linear(x, w, b, { activation: act });
          const want = composed(x, w, b, act);
          assert.equal([...got.shape], [...want.shape], `${what} shape`);
          for (let i = 0; i < want.size; i++) {
            if (!Object.is(got.data[i], want.data[i])) assert.unreachable(`${what}, ${act}: element ${i} is ${got.data[i]}, composed ${want.data[i]}`);
          }
        }
      }
      const [x, w, b] = batched;
      const got = linear(x, w, b, { activation: 'relu', biasPerMatrix: true });
      const want = composed(x, w, reshape(b, [4, 1, 7]), 'relu');
      for (let i = 0; i < want.size; i++) {
        if (!Object.is(got.data[i], want.data[i])) assert.unreachable(`biasPerMatrix: element ${i} is ${got.data[i]}, composed ${want.data[i]}`);
      }
    } finally {
      setKernels(prev);
    }
  });
}

test('linear\'s gradients, first and second order, against finite differences (float64)', () => {
  const r = new Rng(12);
  const f64 = { rng: r, dtype: 'float64' as const };
  const shapes: [number[], number[], number[] | null][] = [[[4, 3], [5, 3], [5]], [[2, 3, 4], [2, 6, 4], [2, 1, 6]], [[3, 5], [2, 5], null]];
  for (const [xs, ws, bs] of shapes) {
    for (const activation of ['relu', null] as const) {
      const inputs = [randn(xs, f64), randn(ws, f64), ...(bs ? [randn(bs, f64)] : [])];
      // a bias of 0.3 keeps pre-activations away from relu's kink, where differences are not smooth
      const f = (...t: Tensor[]) => linear(t[0], t[1], t[2] ? add(t[2], 0.3) : null, { activation });
      for (const [which, check] of [['grad', gradcheck], ['gradgrad', gradgradcheck]] as const) {
        const res = check(f, inputs);
        assert.ok(res.ok, `${which} x${JSON.stringify(xs)} ${activation}: max error ${res.maxError} at input ${res.input}[${res.index}]`);
      }
    }
  }
  const batchedF64 = [randn([3, 4, 2], f64), randn([3, 5, 2], f64), randn([3, 5], f64)];
  for (const [which, check] of [['grad', gradcheck], ['gradgrad', gradgradcheck]] as const) {
    const res = check((...t: Tensor[]) => linear(t[0], t[1], add(t[2], 0.3), { activation: 'relu', biasPerMatrix: true }), batchedF64);
    assert.ok(res.ok, `${which} biasPerMatrix: max error ${res.maxError} at input ${res.input}[${res.index}]`);
  }
  // the op's own name on the tape
  const y = linear(tensor([[1, 2]], { requiresGrad: true }), tensor([[3, 4]]), null, { activation: 'relu' });
  assert.is(y.node!.op, 'linear+relu');
  assert.is(sum(reshape(y, [1])).item(), 11);
});

test('linear rejects an unknown activation and mismatched inner sizes, naming them', () => {
  assertThrowsTyped(() => linear(tensor([[1, 2]]), tensor([[3, 4]]), null, { activation: 'gelu' as never }), MetagradError, "activation must be 'relu' or null", 'gelu');
  assertThrowsTyped(() => linear(tensor([[1, 2]]), tensor([[3, 4, 5]])), ShapeError, 'linear: inner dimensions differ', '[1,3]ᵀ');
  assertThrowsTyped(() => linear(randn([2, 3, 4]), randn([5, 4]), randn([3, 5]), { biasPerMatrix: true }), ShapeError, 'biasPerMatrix needs b of shape [2,5]', 'got [3,5]');
});

test.run();
