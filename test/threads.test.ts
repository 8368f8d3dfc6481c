// Two threads on one GEMM (shared-memory WASM, a Node worker from dist/gemm-worker.js) give
// the single-thread kernel's results bit for bit, on every split: widths that are not
// multiples of 8, batches, broadcast operands, all transposes, and products below the
// threshold that stay on the calling thread.
import { threadsWasm } from '../src/kernels/threads-wasm.ts';
import { setFlagsFromString } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { Rng, matmul, randn, setKernels, threadedKernels, type ThreadedKernels } from '../src/index.ts';
import type { GemmArgs } from '../src/kernels/types.ts';
import { buildBytes } from '../src/kernels/backend.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');
let k2: ThreadedKernels;

test('two threads start and name their kernel', async () => {
  k2 = await threadedKernels({ builds: threadsWasm, spawn: () => new Worker('./dist/gemm-worker.js'), threads: 2, minMacs: 0 });
  assert.is(k2.threads, 2);
  assert.match(k2.kernelNames.gemm, /^f32_gemm_4x8_wasm(relaxed)?simd_x2threads$/);
});

test('two-thread GEMM equals the single-thread kernel bit for bit', () => {
  // The single-thread WASM kernel of the same build with no size threshold, so the small shapes
  // are compared with the kernel they name, not with the JS twin the threshold would pick.
  const build = k2.kernelNames.gemm.includes('relaxed') ? 'relaxed' : 'simd';
  const one = wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}), 0, 0);
  const rng = new Rng(3);
  const shapes: [number, number, number, number, boolean, boolean, boolean, boolean][] = [
    [1, 9, 13, 7, false, false, false, false], [1, 64, 17, 300, true, false, false, false], [1, 33, 100, 65, false, true, false, false],
    [1, 5, 8, 3, true, true, false, false], [3, 12, 41, 20, false, true, false, true], [4, 7, 30, 9, true, false, true, false],
    [1, 130, 129, 257, false, false, false, false], [2, 1, 1, 1, false, false, false, false],
  ];
  for (const [batch, m, n, k, tA, tB, bcastA, bcastB] of shapes) {
    const a = Float32Array.from({ length: (bcastA ? 1 : batch) * m * k }, () => rng.normal());
    const b = Float32Array.from({ length: (bcastB ? 1 : batch) * k * n }, () => rng.normal());
    const args = (c: Float32Array): GemmArgs => ({ batch, m, n, k, transA: tA, transB: tB, a, strideA: bcastA ? 0 : m * k, b, strideB: bcastB ? 0 : k * n, c });
    const c1 = new Float32Array(batch * m * n);
    const c2 = new Float32Array(batch * m * n).fill(NaN);
    one.gemm(args(c1));
    k2.gemm(args(c2));
    for (let i = 0; i < c1.length; i++) {
      if (!Object.is(c1[i], c2[i])) assert.unreachable(`batch ${batch} ${m}x${k}·${k}x${n} tA=${tA} tB=${tB}: C[${i}] ${c2[i]} vs ${c1[i]}`);
    }
  }
});

test('as the active kernels, matmul runs on both threads and disposing falls back to one', () => {
  const rng = new Rng(4);
  const a = randn([200, 150], { rng });
  const b = randn([150, 90], { rng });
  const want = matmul(a, b);
  const prev = setKernels(k2);
  try {
    assert.equal(Array.from(matmul(a, b).data), Array.from(want.data));
    k2.dispose();
    assert.equal(Array.from(matmul(a, b).data), Array.from(want.data));
  } finally {
    setKernels(prev);
  }
});

test.after(() => k2?.dispose());

test.run();
