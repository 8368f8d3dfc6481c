// IEEE semantics on every backend and size: NaN and ±Inf placed against zeros must come out of
// every product the way the arithmetic says (0·NaN = NaN, 0·Inf = NaN), whether the product
// runs on the JS twin (float64, small float32) or any WASM path (packed, strided, dot-product,
// matrix-vector), inside a tidy or not, fused into linear or conv2d.
import { setFlagsFromString } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/rng.ts';
import { gemm_js } from '../src/kernels/js/gemm.ts';
import { jsKernels } from '../src/kernels/js/index.ts';
import { buildBytes, setBackend } from '../src/kernels/backend.ts';
import type { FloatArray, GemmArgs, Kernels } from '../src/kernels/types.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';
import { conv2d, detectAnomaly, AnomalyError, linear, matmul, sum, tensor, tidy, type Tensor } from '../src/index.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const rawKernels = (build: 'relaxed' | 'simd' | 'scalar'): Kernels =>
  wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}), 0, 0);

/** NaN, +Inf, -Inf or finite: what must agree across backends, whatever the summation order. */
const kind = (x: number) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? '+Inf' : x === -Infinity ? '-Inf' : 'finite');

/** Small integers with many zeros, and a few NaN/±Inf placed where the other operand has zeros. */
function specialOperands(len: number, rng: Rng, specials: number): Float64Array {
  const x = Float64Array.from({ length: len }, () => (rng.int(3) === 0 ? 0 : rng.int(5) - 2));
  const values = [NaN, Infinity, -Infinity];
  for (let s = 0; s < specials; s++) x[rng.int(len)] = values[rng.int(values.length)];
  return x;
}

/** The textbook triple loop in float64: every product formed, none skipped. */
function naiveGemm(args: GemmArgs): Float64Array {
  const { batch, m, n, k, transA, transB, a, b, strideA, strideB } = args;
  const c = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a[t * strideA + (transA ? p * m + i : i * k + p)];
          const bv = b[t * strideB + (transB ? j * k + p : p * n + j)];
          s += av * bv;
        }
        c[(t * m + i) * n + j] = s;
      }
    }
  }
  return c;
}

// Shapes that reach every GEMM path: m, n or k of 1 (matrix-vector, outer products), small
// products (strided tiles, dot products of rows for A·Bᵀ), packed products past one tile.
const SHAPES: [number, number, number][] = [
  [1, 9, 40], [40, 1, 10], [7, 9, 1], [1, 1, 9], [3, 5, 2], [10, 40, 40], [9, 13, 7], [40, 10, 40], [33, 65, 20], [67, 9, 300],
];

const kernelSets: [string, Kernels, 'f32' | 'f64'][] = [
  ['js f64', jsKernels, 'f64'], ['js f32', jsKernels, 'f32'],
  ['relaxed', rawKernels('relaxed'), 'f32'], ['simd', rawKernels('simd'), 'f32'], ['scalar', rawKernels('scalar'), 'f32'],
];

for (const [label, kern, precision] of kernelSets) {
  test(`${label}: GEMM gives IEEE NaN/Inf for NaN and ±Inf against zeros, every path and transpose`, () => {
    const rng = new Rng(21);
    const make = (x: Float64Array): FloatArray => (precision === 'f64' ? x : Float32Array.from(x));
    for (const [m, n, k] of SHAPES) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        for (const batch of [1, 3]) {
          const a = specialOperands(batch * m * k, rng, 2);
          const b = specialOperands(batch * k * n, rng, 2);
          const args = (c: FloatArray, x: FloatArray, y: FloatArray): GemmArgs =>
            ({ batch, m, n, k, transA, transB, a: x, b: y, strideA: m * k, strideB: k * n, c });
          const c = precision === 'f64' ? new Float64Array(batch * m * n) : new Float32Array(batch * m * n);
          kern.gemm(args(c, make(a), make(b)));
          const want = naiveGemm(args(new Float64Array(0), a, b));
          for (let i = 0; i < want.length; i++) {
            const ok = kind(c[i]) === kind(want[i]) && (kind(want[i]) !== 'finite' || c[i] === want[i]);
            if (!ok) assert.unreachable(`${kern.kernelNames.gemm} ${label} ${m}x${n}x${k} batch ${batch} tA=${transA} tB=${transB}: C[${i}] = ${c[i]}, IEEE ${want[i]}`);
          }
        }
      }
    }
  });
}

test('gemm_js no longer skips zero entries of A (the issue\'s own case)', () => {
  const c = new Float64Array(4);
  gemm_js({ batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, a: Float64Array.of(0, 1, 1, 1), b: Float64Array.of(NaN, 1, 1, 1), strideA: 4, strideB: 4, c });
  assert.ok(Number.isNaN(c[0]) && Number.isNaN(c[2]));
  assert.equal([c[1], c[3]], [1, 2]);
});

/** Runs fn on every backend and dtype, inside and outside a tidy, and returns each result's data. */
function everywhere(fn: (dtype: 'float32' | 'float64') => Tensor): [string, number[]][] {
  const out: [string, number[]][] = [];
  try {
    for (const backend of ['js', 'wasm', 'wasm-simd'] as const) {
      setBackend(backend);
      for (const dtype of ['float32', 'float64'] as const) {
        out.push([`${backend} ${dtype}`, Array.from(fn(dtype).data)]);
        out.push([`${backend} ${dtype} tidy`, Array.from(tidy(() => fn(dtype)).data)]);
      }
    }
  } finally {
    setBackend('wasm-simd');
  }
  return out;
}

test('matmul: [[0,1],[1,1]]·[[NaN,1],[1,1]] = [[NaN,1],[NaN,2]] on every backend, dtype and size', () => {
  for (const [where, got] of everywhere((dtype) => matmul(tensor([[0, 1], [1, 1]], { dtype }), tensor([[NaN, 1], [1, 1]], { dtype })))) {
    assert.equal(got.map(kind), ['NaN', 'finite', 'NaN', 'finite'], where);
    assert.equal([got[1], got[3]], [1, 2], where);
  }
  // large enough for every WASM path: a zero row of A against one Inf in B poisons that column
  const n = 48;
  const a = new Float64Array(n * n).fill(1);
  for (let j = 0; j < n; j++) a[5 * n + j] = 0;
  const b = new Float64Array(n * n).fill(0.5);
  b[3 * n + 7] = Infinity;
  for (const [where, got] of everywhere((dtype) => matmul(tensor(a, { dtype, shape: [n, n] }), tensor(b, { dtype, shape: [n, n] })))) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const want = j !== 7 ? 'finite' : i === 5 ? 'NaN' : '+Inf';
        if (kind(got[i * n + j]) !== want) assert.unreachable(`${where} C[${i}][${j}] = ${got[i * n + j]}, want ${want}`);
      }
    }
  }
});

test('linear and conv2d propagate NaN through zero inputs on every backend', () => {
  for (const [where, got] of everywhere((dtype) => linear(tensor([[0, 0, 1]], { dtype }), tensor([[NaN, 1, 0], [1, 1, 1]], { dtype }), tensor([0, 0], { dtype })))) {
    assert.equal(got.map(kind), ['NaN', 'finite'], where);
  }
  // an image of zeros with one Inf tap in the filter: every output that reads a tap is NaN
  for (const [where, got] of everywhere((dtype) => conv2d(tensor(new Float64Array(2 * 1 * 5 * 5), { dtype, shape: [2, 1, 5, 5] }),
    tensor([Infinity, 0, 0, 0], { dtype, shape: [1, 1, 2, 2] })))) {
    assert.ok(got.length === 32 && got.every((x) => Number.isNaN(x)), `${where}: ${got.slice(0, 4)}`);
  }
});

test('detectAnomaly catches a NaN that a zero hides in a small product', () => {
  detectAnomaly(true);
  try {
    const x = tensor([[0, 1]], { dtype: 'float64' });
    const w = tensor([[NaN], [1]], { dtype: 'float64' });
    assert.throws(() => sum(matmul(x, w)), (e: unknown) => e instanceof AnomalyError && (e as Error).message.includes('matmul'));
  } finally {
    detectAnomaly(false);
  }
});

test.run();
