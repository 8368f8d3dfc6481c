// Every WASM kernel against its JS twin, on both builds (SIMD and scalar), over random sizes
// 1..67 in every dimension (partial 4x8 tiles, M past the 64-row block), K past the 256-deep
// block, all four transpose forms, and batches with broadcast (stride 0) operands — the shapes
// the backward of the backward produces.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/rng.ts';
import { gemm_js } from '../src/kernels/js/gemm.ts';
import { Bin, Red, Un } from '../src/kernels/opcodes.ts';
import { jsKernels } from '../src/kernels/js/index.ts';
import { backendKernels, buildBytes, getBackend, initWasm, setBackend, wasmBytes, type WasmBuild } from '../src/kernels/backend.ts';
import { KERNEL_NAMES, type ConvGeometry, type GemmArgs, type Kernels } from '../src/kernels/types.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';
import { BackendError, matmul, randn, tensor } from '../src/index.ts';
import { assertThrowsTyped } from './helpers.ts';

// Node 20 validates relaxed SIMD only behind this flag (browsers have it on): set it so the
// relaxed build is swept too. Compiles that happened earlier are unaffected.
setFlagsFromString('--experimental-wasm-relaxed-simd');
const relaxedValid = WebAssembly.validate(buildBytes('relaxed'));

const rawKernels = (build: WasmBuild): Kernels =>
  wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}), 0, 0);

function randomF32(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Runs one GEMM on `k` and on the f64 JS reference, asserting agreement to f32 accuracy. */
function checkGemm(kern: Kernels, rng: Rng, batch: number, m: number, n: number, kk: number,
  transA: boolean, transB: boolean, broadcastA: boolean, broadcastB: boolean): void {
  const a = randomF32((broadcastA ? 1 : batch) * m * kk, rng);
  const b = randomF32((broadcastB ? 1 : batch) * kk * n, rng);
  const args = (x: Float32Array | Float64Array, y: Float32Array | Float64Array, c: Float32Array | Float64Array): GemmArgs => ({
    batch, m, n, k: kk, transA, transB, a: x, strideA: broadcastA ? 0 : m * kk, b: y, strideB: broadcastB ? 0 : kk * n, c,
  });
  const c = new Float32Array(batch * m * n).fill(NaN); // the kernel must overwrite every element
  kern.gemm(args(a, b, c));
  const ref = new Float64Array(batch * m * n);
  gemm_js(args(Float64Array.from(a), Float64Array.from(b), ref));
  const tol = 1e-5 * (kk + 4);
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(c[i] - ref[i]) <= tol * (1 + Math.abs(ref[i])))) {
      assert.unreachable(`${kern.kernelNames.gemm} batch=${batch} m=${m} n=${n} k=${kk} tA=${transA} tB=${transB} ` +
        `bcast=${broadcastA},${broadcastB}: C[${i}] = ${c[i]}, reference ${ref[i]}`);
    }
  }
}

test('assembly/gemm-tiles.generated.ts is what its template writes (rerun scripts/gen-gemm-tiles.mjs)', async () => {
  // @ts-expect-error: a plain .mjs build script, no types
  const { generate } = await import('../scripts/gen-gemm-tiles.mjs');
  assert.ok(readFileSync('assembly/gemm-tiles.generated.ts', 'utf8') === generate(), 'the committed tiles are stale');
});

test('the relaxed-SIMD build validates once the flag is set', () => {
  assert.ok(relaxedValid);
  assert.is(rawKernels('relaxed').kernelNames.gemm, 'f32_gemm_4x8_wasmrelaxedsimd');
});

for (const build of ['relaxed', 'simd', 'scalar'] as const) {
  test(`${build}: GEMM matches the JS twin on random sizes 1..67, all transposes`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(build === 'scalar' ? 1 : 2);
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (let trial = 0; trial < 40; trial++) {
          checkGemm(kern, rng, 1, 1 + rng.int(67), 1 + rng.int(67), 1 + rng.int(67), transA, transB, false, false);
        }
      }
    }
  });

  test(`${build}: GEMM edge shapes — every edge tile (rows 1-3, columns 1-7), K past the 256 block, M past the 64 block`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(3);
    const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 63, 64, 65, 67];
    for (const m of edges) for (const n of edges) checkGemm(kern, rng, 1, m, n, 5, false, false, false, false);
    // K past one block: the edge tiles accumulate into C
    for (const kk of [1, 2, 255, 256, 257, 300, 513]) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        for (const [m, n] of [[9, 13], [6, 12], [7, 4], [3, 20], [2, 3]]) checkGemm(kern, rng, 1, m, n, kk, tA, tB, false, false);
      }
    }
  });

  test(`${build}: products with m, n or k of 1 (the unpacked matrix-vector paths), all transposes, batched`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(6);
    const shapes = [[1, 37, 13], [1, 9, 40], [1, 40, 10], [23, 1, 17], [40, 1, 10], [10, 1, 40], [7, 9, 1], [1, 1, 9], [1, 1, 1], [33, 1, 1], [1, 30, 1]];
    for (const [m, n, kk] of shapes) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        checkGemm(kern, rng, 1, m, n, kk, tA, tB, false, false);
        checkGemm(kern, rng, 3, m, n, kk, tA, tB, false, false);
        checkGemm(kern, rng, 4, m, n, kk, tA, tB, true, false);
        checkGemm(kern, rng, 2, m, n, kk, tA, tB, false, true);
      }
    }
  });

  test(`${build}: batched GEMM with broadcast operands (stride 0)`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(4);
    for (let trial = 0; trial < 24; trial++) {
      const tA = rng.int(2) === 1;
      const tB = rng.int(2) === 1;
      checkGemm(kern, rng, 1 + rng.int(5), 1 + rng.int(20), 1 + rng.int(20), 1 + rng.int(20), tA, tB, trial % 3 === 1, trial % 3 === 2);
    }
  });

  test(`${build}: arena growth between calls keeps results right`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(5);
    checkGemm(kern, rng, 1, 8, 8, 8, false, false, false, false);
    checkGemm(kern, rng, 2, 150, 140, 300, true, false, false, false); // forces memory.grow
    checkGemm(kern, rng, 1, 5, 9, 3, false, true, false, false);
  });
}

// Values that probe edge semantics: NaN, signed zeros, infinities, and ordinary numbers.
function elementwiseInput(n: number, rng: Rng): Float32Array {
  const specials = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5];
  return Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? specials[rng.int(specials.length)] : rng.normal() * 3));
}

const sameBits = (x: number, y: number) => (Number.isNaN(x) && Number.isNaN(y)) || Object.is(x, y);

for (const build of ['relaxed', 'simd', 'scalar'] as const) {
  test(`${build}: elementwise kernels equal the JS twin bit for bit (dense and scalar operands, NaN, ±0, ±Inf)`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(9);
    const binaryCodes = [Bin.Add, Bin.Sub, Bin.Mul, Bin.Div, Bin.Max, Bin.Min, Bin.Eq, Bin.Gt, Bin.Ge, Bin.Lt, Bin.Le, Bin.Gate, Bin.Pow];
    const unaryCodes = [Un.Neg, Un.Sqrt, Un.Abs, Un.Relu, Un.Sign, Un.Step, Un.Exp, Un.Tanh];
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 67, 1000]) {
      for (const code of binaryCodes) {
        for (const [la, lb] of [[n, n], [n, 1], [1, n]]) {
          const a = elementwiseInput(la, rng);
          const b = elementwiseInput(lb, rng);
          const got = new Float32Array(n);
          const want = new Float32Array(n);
          kern.binary(code, a, [la], b, [lb], got, [n]);
          jsKernels.binary(code, a, [la], b, [lb], want, [n]);
          for (let i = 0; i < n; i++) {
            if (!sameBits(got[i], want[i])) assert.unreachable(`${kern.kernelNames.binary} ${Bin[code]} n=${n} (${la},${lb}) [${i}]: ${a[la === 1 ? 0 : i]} op ${b[lb === 1 ? 0 : i]} = ${got[i]}, JS ${want[i]}`);
          }
        }
      }
      for (const code of unaryCodes) {
        const x = elementwiseInput(n, rng);
        const got = new Float32Array(n);
        const want = new Float32Array(n);
        kern.unary(code, x, got);
        jsKernels.unary(code, x, want);
        for (let i = 0; i < n; i++) {
          if (!sameBits(got[i], want[i])) assert.unreachable(`${kern.kernelNames.unary} ${Un[code]} n=${n} [${i}]: f(${x[i]}) = ${got[i]}, JS ${want[i]}`);
        }
      }
    }
  });
}

// The scalar build runs these kernels too: each is held to its JS twin on every build.
for (const build of ['relaxed', 'simd', 'scalar'] as const) {
  test(`${build}: broadcast patterns that merge to three axes (bias rows, column vectors) equal the JS twin`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(10);
    const cases: [number[], number[]][] = [
      [[25, 10, 40], [25, 1, 40]], [[25, 10, 40], [40]], [[7, 5], [7, 1]], [[3, 4, 5, 6], [4, 1, 6]],
      [[2, 3, 4], [1, 3, 1]], [[6, 9], [1, 9]], [[1, 3, 33], [3, 1]], [[2, 2, 2, 2, 2], [2, 1, 2, 1, 2]],
    ];
    for (const [as, bs] of cases) {
      for (const [aShape, bShape] of [[as, bs], [bs, as]]) {
        const outShape = aShape.length >= bShape.length ? aShape.map((d, i) => Math.max(d, bShape[i - (aShape.length - bShape.length)] ?? 1)) : bShape.map((d, i) => Math.max(d, aShape[i - (bShape.length - aShape.length)] ?? 1));
        const n = outShape.reduce((x, y) => x * y, 1);
        const a = elementwiseInput(aShape.reduce((x, y) => x * y, 1), rng);
        const b = elementwiseInput(bShape.reduce((x, y) => x * y, 1), rng);
        for (const code of [Bin.Add, Bin.Sub, Bin.Mul, Bin.Div, Bin.Max, Bin.Gt]) {
          const got = new Float32Array(n);
          const want = new Float32Array(n);
          kern.binary(code, a, aShape, b, bShape, got, outShape);
          jsKernels.binary(code, a, aShape, b, bShape, want, outShape);
          for (let i = 0; i < n; i++) {
            if (!sameBits(got[i], want[i])) assert.unreachable(`${Bin[code]} [${aShape}] with [${bShape}] at ${i}: ${got[i]} vs ${want[i]}`);
          }
        }
      }
    }
  });

  test(`${build}: sums over axis patterns that merge to three axes equal the JS twin bit for bit`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(11);
    const cases: [number[], number[]][] = [
      [[25, 10, 40], [1]], [[25, 10, 40], [0, 1]], [[25, 10, 1], [1, 2]], [[7, 9], [0]], [[7, 9], [1]], [[7, 9], [0, 1]],
      [[3, 4, 5, 6], [1, 2]], [[2, 3, 4, 5], [0, 3]], [[33], [0]], [[2, 1, 5], [1]],
    ];
    for (const [shape, axes] of cases) {
      const reduced = shape.map((_, i) => axes.includes(i));
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
      const outLen = shape.reduce((a, d, i) => a * (reduced[i] ? 1 : d), 1);
      const got = new Float32Array(outLen);
      const want = new Float32Array(outLen);
      kern.reduce(Red.Sum, x, shape, reduced, got);
      jsKernels.reduce(Red.Sum, x, shape, reduced, want);
      for (let i = 0; i < outLen; i++) {
        if (!Object.is(got[i], want[i])) assert.unreachable(`sum over [${axes}] of [${shape}] at ${i}: ${got[i]} vs ${want[i]}`);
      }
    }
  });

  test(`${build}: axpy equals the JS twin bit for bit`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(15);
    for (const n of [1, 3, 4, 7, 64, 1001]) {
      const a = elementwiseInput(n, rng);
      const b = elementwiseInput(n, rng);
      for (const s of [-0.01, 1, 0.3333333]) {
        const got = new Float32Array(n);
        const want = new Float32Array(n);
        kern.axpy(a, b, s, got);
        jsKernels.axpy(a, b, s, want);
        for (let i = 0; i < n; i++) if (!sameBits(got[i], want[i])) assert.unreachable(`axpy n=${n} s=${s} [${i}]: ${got[i]} vs ${want[i]}`);
      }
    }
  });

  test(`${build}: broadcast copies equal the JS twin`, () => {
    const kern = rawKernels(build);
    const rng = new Rng(12);
    for (const [shape, outShape] of [[[40, 40], [25, 40, 40]], [[1, 40], [25, 10, 40]], [[25, 1, 40], [25, 10, 40]], [[3, 1], [3, 7]], [[2, 1, 3, 1], [2, 4, 3, 5]], [[1], [9]]] as [number[], number[]][]) {
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
      const n = outShape.reduce((a, b) => a * b, 1);
      const got = new Float32Array(n);
      const want = new Float32Array(n);
      kern.broadcast(x, shape, got, outShape);
      jsKernels.broadcast(x, shape, want, outShape);
      assert.equal(Array.from(got), Array.from(want), `[${shape}] -> [${outShape}]`);
    }
  });
}

test('WASM im2col and col2im equal the JS twins (padding, strides, odd sizes, short and long rows)', () => {
  const rng = new Rng(13);
  for (const build of ['simd', 'scalar'] as const) for (const g0 of [
    { n: 2, c: 3, h: 5, w: 4, kh: 3, kw: 2, strideH: 2, strideW: 1, padH: 1, padW: 1 },
    { n: 1, c: 1, h: 7, w: 7, kh: 3, kw: 3, strideH: 3, strideW: 2, padH: 0, padW: 2 },
    { n: 3, c: 2, h: 6, w: 9, kh: 1, kw: 4, strideH: 1, strideW: 3, padH: 0, padW: 0 },
    { n: 2, c: 4, h: 14, w: 14, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 },
    { n: 1, c: 2, h: 3, w: 70, kh: 3, kw: 5, strideH: 1, strideW: 1, padH: 1, padW: 2 }, // rows of 70: the bulk copy
  ]) {
    const kern = rawKernels(build);
    const g: ConvGeometry = { ...g0, outH: Math.floor((g0.h + 2 * g0.padH - g0.kh) / g0.strideH) + 1, outW: Math.floor((g0.w + 2 * g0.padW - g0.kw) / g0.strideW) + 1 };
    const x = randomF32(g.n * g.c * g.h * g.w, rng);
    const colsLen = g.n * g.c * g.kh * g.kw * g.outH * g.outW;
    const got = new Float32Array(colsLen).fill(NaN);
    const want = new Float32Array(colsLen);
    kern.im2col(x, g, got);
    jsKernels.im2col(x, g, want);
    assert.equal(Array.from(got), Array.from(want), `im2col ${build} ${JSON.stringify(g0)}`);
    const y = randomF32(colsLen, rng);
    const back = new Float32Array(x.length).fill(NaN);
    const backJs = new Float32Array(x.length);
    kern.col2im(y, g, back);
    jsKernels.col2im(y, g, backJs);
    assert.equal(Array.from(back), Array.from(backJs), `col2im ${build} ${JSON.stringify(g0)}`);
  }
});

for (const build of ['relaxed', 'simd', 'scalar'] as const) test(`${build}: the fused conv2d forward equals im2col + GEMM on the JS twins`, () => {
  const kern = rawKernels(build);
  const rng = new Rng(14);
  for (const [g0, o] of [
    [{ n: 3, c: 2, h: 9, w: 7, kh: 3, kw: 3, strideH: 1, strideW: 2, padH: 1, padW: 0 }, 5],
    [{ n: 2, c: 32, h: 14, w: 14, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1 }, 32],
  ] as const) {
    const g: ConvGeometry = { ...g0, outH: Math.floor((g0.h + 2 * g0.padH - g0.kh) / g0.strideH) + 1, outW: Math.floor((g0.w + 2 * g0.padW - g0.kw) / g0.strideW) + 1 };
    const x = randomF32(g.n * g.c * g.h * g.w, rng);
    const w = randomF32(o * g.c * g.kh * g.kw, rng);
    const len = g.n * o * g.outH * g.outW;
    const got = new Float32Array(len).fill(NaN);
    const want = new Float64Array(len);
    kern.conv2dForward(x, w, o, g, got);
    jsKernels.conv2dForward(Float64Array.from(x), Float64Array.from(w), o, g, want);
    const k = g.c * g.kh * g.kw;
    for (let i = 0; i < len; i++) {
      if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (k + 4) * (1 + Math.abs(want[i])))) assert.unreachable(`conv2dForward [${i}]: ${got[i]} vs ${want[i]}`);
    }
  }
});

test('every backend has every kernel, and names it', () => {
  for (const name of ['js', 'wasm', 'wasm-simd'] as const) {
    const k = backendKernels(name);
    assert.is(k.name, name);
    for (const kernel of KERNEL_NAMES) {
      assert.type(k[kernel], 'function', `${name} lacks ${kernel}`);
      assert.ok(k.kernelNames[kernel].length > 0);
    }
  }
  // wasm-simd is the relaxed build where the runtime validates it, the plain SIMD one otherwise
  assert.ok(['f32_gemm_4x8_wasmrelaxedsimd', 'f32_gemm_4x8_wasmsimd'].includes(backendKernels('wasm-simd').kernelNames.gemm));
  assert.is(backendKernels('wasm').kernelNames.gemm, 'f32_gemm_4x4_wasm');
  assert.is(rawKernels('simd').kernelNames.gemm, 'f32_gemm_4x8_wasmsimd');
});

test('im2col and col2im are adjoint: <im2col(x), y> = <x, col2im(y)>', () => {
  const rng = new Rng(6);
  for (const g of [
    { n: 2, c: 3, h: 5, w: 4, kh: 3, kw: 2, strideH: 2, strideW: 1, padH: 1, padW: 1 },
    { n: 1, c: 1, h: 7, w: 7, kh: 3, kw: 3, strideH: 3, strideW: 2, padH: 0, padW: 2 },
  ]) {
    const geom: ConvGeometry = { ...g, outH: Math.floor((g.h + 2 * g.padH - g.kh) / g.strideH) + 1, outW: Math.floor((g.w + 2 * g.padW - g.kw) / g.strideW) + 1 };
    const x = Float64Array.from(randomF32(g.n * g.c * g.h * g.w, rng));
    const y = Float64Array.from(randomF32(g.n * g.c * g.kh * g.kw * geom.outH * geom.outW, rng));
    const cols = new Float64Array(y.length);
    jsKernels.im2col(x, geom, cols);
    const back = new Float64Array(x.length);
    jsKernels.col2im(y, geom, back);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < y.length; i++) lhs += cols[i] * y[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
    assert.ok(Math.abs(lhs - rhs) < 1e-9 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
  }
});

test('Node 20 runs wasm-simd by default; setBackend switches and rejects unknown names', () => {
  assert.is(getBackend(), 'wasm-simd');
  const rng = new Rng(7);
  const a = randn([33, 47], { rng });
  const b = randn([47, 29], { rng });
  const simd = matmul(a, b);
  setBackend('js');
  assert.is(getBackend(), 'js');
  const js = matmul(a, b);
  setBackend('wasm');
  const scalar = matmul(a, b);
  setBackend('wasm-simd');
  for (let i = 0; i < js.size; i++) {
    assert.ok(Math.abs(simd.data[i] - js.data[i]) < 1e-4 && Math.abs(scalar.data[i] - js.data[i]) < 1e-4);
  }
  assertThrowsTyped(() => setBackend('gpu' as never), BackendError, 'setBackend', 'gpu');
});

test('initWasm accepts a precompiled WebAssembly.Module (Cloudflare Workers) and bytes', async () => {
  const mod = new WebAssembly.Module(wasmBytes('wasm'));
  assert.is(await initWasm(mod), 'wasm');
  assert.is(getBackend(), 'wasm');
  const y = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
  assert.is(y.item(), 11);
  assert.is(await initWasm(wasmBytes('wasm-simd')), 'wasm-simd');
  assert.is(await initWasm(), 'wasm-simd');
  await initWasm(new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).then(
    () => assert.unreachable('an empty module must be refused'),
    (e: Error) => assert.ok(e instanceof BackendError && e.message.includes('initWasm'), e.message),
  );
  assert.is(getBackend(), 'wasm-simd');
});

test.run();
