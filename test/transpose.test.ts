// transpose() of the last two axes is lazy: matmul takes its source with a transpose flag (no
// copy), anything else copies on first read. Values equal the copied transpose's, gradients
// pass gradcheck and gradgradcheck through every form (and through a transpose of a
// transpose), a gradient with respect to the view itself is right, and tidy() keeps a
// surviving view readable after its source is released.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DisposedError, Rng, grad, gradcheck, gradgradcheck, matmul, randn, setBackend, sum, tanh, tensor, tidy, transpose, type Tensor,
} from '../src/index.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

const rng = new Rng(77);
/** A copy of x's last-two-axes transpose, made without transpose(). */
function copiedTranspose(x: Tensor): Tensor {
  const [m, n] = x.shape.slice(-2);
  const batch = x.size / (m * n);
  const out = new (x.dtype === 'float64' ? Float64Array : Float32Array)(x.size);
  for (let t = 0; t < batch; t++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[t * m * n + j * m + i] = x.data[t * m * n + i * n + j];
  return tensor(out, { shape: [...x.shape.slice(0, -2), n, m], dtype: x.dtype });
}

test('matmul with transposed operands reads the sources (no copy) and equals the copied transposes, every form, batched', () => {
  for (const [aShape, bShape] of [[[40, 33], [40, 17]], [[3, 9, 5], [3, 9, 7]], [[130, 128], [130, 129]]] as const) {
    const a = randn([...aShape], { rng });
    const b = randn([...bShape], { rng });
    // Aᵀ·B
    const ta = transpose(a);
    const y1 = matmul(ta, b);
    assert.is(ta._data, null, 'matmul copied the lazy transpose');
    assertClose(y1, matmul(copiedTranspose(a), b), 1e-4, 1e-4, 'Aᵀ·B');
    // A·Bᵀ and Aᵀ·Bᵀ, through methods too
    const c = randn([...aShape.slice(0, -2), aShape[aShape.length - 2], bShape[bShape.length - 2]], { rng });
    assertClose(a.transpose().matmul(c), matmul(copiedTranspose(a), c), 1e-4, 1e-4, 'Aᵀ·C');
    const d = randn([...bShape.slice(0, -2), bShape[bShape.length - 1], aShape[aShape.length - 1]], { rng });
    assertClose(matmul(a, transpose(d)), matmul(a, copiedTranspose(d)), 1e-4, 1e-4, 'A·Dᵀ');
    assertClose(matmul(transpose(a), transpose(transpose(c))), matmul(copiedTranspose(a), c), 1e-4, 1e-4, 'a transpose of a transpose');
    // read: the view copies once, and equals the copy
    assert.equal(Array.from(ta.data), Array.from(copiedTranspose(a).data));
    assert.ok(ta._data !== null);
  }
});

test('float64 on the JS backend: exactly the copied transpose\'s product', () => {
  setBackend('js');
  try {
    const a = randn([6, 4], { rng, dtype: 'float64' });
    const b = randn([6, 5], { rng, dtype: 'float64' });
    assert.equal(Array.from(matmul(transpose(a), b).data), Array.from(matmul(copiedTranspose(a), b).data));
  } finally {
    setBackend('wasm-simd');
  }
});

test('gradients through lazy transposes pass gradcheck and gradgradcheck, every form', () => {
  const a = randn([4, 3], { rng, dtype: 'float64' });
  const b = randn([4, 5], { rng, dtype: 'float64' });
  const c = randn([5, 5], { rng, dtype: 'float64' });
  const cases: [string, (x: Tensor, y: Tensor) => Tensor, Tensor, Tensor][] = [
    ['Aᵀ·B', (x, y) => sum(tanh(matmul(transpose(x), y))), a, b],
    ['Aᵀ·Bᵀ', (x, y) => sum(tanh(matmul(transpose(x), transpose(y)))), a, randn([5, 4], { rng, dtype: 'float64' })],
    ['A·Cᵀᵀ', (x, y) => sum(tanh(matmul(x, transpose(transpose(y))))), randn([2, 5], { rng, dtype: 'float64' }), c],
    ['batched', (x, y) => sum(tanh(matmul(transpose(x), y))), randn([2, 4, 3], { rng, dtype: 'float64' }), randn([2, 4, 2], { rng, dtype: 'float64' })],
  ];
  for (const [what, f, x, y] of cases) {
    const r1 = gradcheck(f, [x, y]);
    assert.ok(r1.ok, `${what} gradcheck: ${r1.maxError}`);
    const r2 = gradgradcheck(f, [x, y]);
    assert.ok(r2.ok, `${what} gradgradcheck: ${r2.maxError}`);
  }
});

test('a gradient with respect to the lazy view itself', () => {
  const a = randn([3, 4], { rng, dtype: 'float64', requiresGrad: true });
  const b = randn([3, 2], { rng, dtype: 'float64' });
  const t = transpose(a); // [4, 3]
  const y = sum(matmul(t, b));
  const [gt, ga] = grad(y, [t, a]);
  // d sum(T·B) / dT = 1·Bᵀ (every row the row sums of B); dA is its transpose
  const rowSums = [0, 1, 2].map((i) => b.data[2 * i] + b.data[2 * i + 1]);
  assertClose(gt, Array.from({ length: 4 }, () => rowSums), 1e-12);
  assertClose(ga, rowSums.map((s) => [s, s, s, s]), 1e-12);
});

test('tidy: a surviving view stays readable after its source is released; a released one says so', () => {
  const x = randn([5, 7], { rng });
  const want = copiedTranspose(matmul(x, copiedTranspose(x)));
  let dropped: Tensor | null = null;
  const kept = tidy(() => {
    const inner = matmul(x, transpose(x)); // made in the arena, released at the end
    dropped = transpose(inner);
    return transpose(inner);
  });
  assertClose(kept, want, 1e-5, 1e-5);
  assert.ok(!kept.isDisposed);
  assert.ok(dropped!.isDisposed);
  assertThrowsTyped(() => dropped!.data, DisposedError, '[5,5]');
});

test.run();
