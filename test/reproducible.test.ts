// Reproducible mode: the plain SIMD build and the scalar build sum every product in the same
// order, so with relaxed SIMD's fused multiply-add out of the way a run gives the same bytes
// on any CPU, with or without SIMD. Checked kernel by kernel, on a training run, and through
// the command line (a --reproducible run equals the same run on the scalar build).
import { setFlagsFromString } from 'node:v8';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Adam, MAML, MLP, Rng, Sinusoid, backendKernels, getBackend, isReproducible, metaTrain, setBackend, setReproducible,
} from '../src/index.ts';
import { buildBytes } from '../src/kernels/backend.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';
import type { GemmArgs, Kernels } from '../src/kernels/types.ts';
import { saveRun, train } from '../src/cli/run.ts';
import { trainConfig } from '../src/cli/config.ts';
import { cli } from './command.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const raw = (build: 'simd' | 'scalar'): Kernels => wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}), 0, 0);

test('the SIMD and scalar builds give the same GEMM bits on every path (packed, strided, dot products, matrix-vector, K past a block)', () => {
  const simd = raw('simd');
  const scalar = raw('scalar');
  const rng = new Rng(31);
  for (let trial = 0; trial < 500; trial++) {
    const m = 1 + rng.int(70);
    const n = 1 + rng.int(70);
    const k = 1 + rng.int(trial % 10 === 0 ? 600 : 70);
    const transA = rng.int(2) === 1;
    const transB = rng.int(2) === 1;
    const batch = 1 + rng.int(3);
    const a = Float32Array.from({ length: batch * m * k }, () => rng.normal());
    const b = Float32Array.from({ length: batch * k * n }, () => rng.normal());
    const args = (c: Float32Array): GemmArgs => ({ batch, m, n, k, transA, transB, a, b, c, strideA: m * k, strideB: k * n });
    const c1 = new Float32Array(batch * m * n);
    const c2 = new Float32Array(batch * m * n).fill(NaN);
    simd.gemm(args(c1));
    scalar.gemm(args(c2));
    for (let i = 0; i < c1.length; i++) {
      if (!Object.is(c1[i], c2[i])) assert.unreachable(`batch ${batch} ${m}x${n}x${k} tA=${transA} tB=${transB}: C[${i}] SIMD ${c1[i]}, scalar ${c2[i]}`);
    }
  }
});

function metaTrained(): Float32Array[] {
  const model = new MLP([1, 40, 40, 1], { rng: new Rng(0) });
  const learner = new MAML(model, { innerLr: 0.01 });
  metaTrain({ learner, family: new Sinusoid(), optimizer: new Adam(learner.metaParameters()), metaSteps: 30, metaBatch: 25, shots: 10, rng: new Rng(1) });
  return model.parameters().map((p) => p.data as Float32Array);
}

test('setReproducible: wasm-simd runs the plain SIMD build, and MAML trains to the same bits as on the scalar build', () => {
  setReproducible(true);
  try {
    assert.ok(isReproducible());
    assert.is(getBackend(), 'wasm-simd');
    assert.is(backendKernels('wasm-simd').kernelNames.gemm, 'f32_gemm_4x8_wasmsimd');
    const simd = metaTrained();
    setBackend('wasm');
    const scalar = metaTrained();
    simd.forEach((p, i) => assert.ok(Buffer.compare(Buffer.from(p.buffer, p.byteOffset, p.byteLength), Buffer.from(scalar[i].buffer, scalar[i].byteOffset, scalar[i].byteLength)) === 0, `parameter ${i} differs`));
  } finally {
    setReproducible(false);
    setBackend('wasm-simd');
  }
  assert.not.ok(isReproducible());
});

test('train --reproducible records the mode and writes the bytes the scalar build writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metagrad-repro-'));
  try {
    const args = ['--meta-steps', '25', '--meta-batch', '5', '--hidden', '20,20', '--seed', '2', '--reproducible'];
    const r = cli(['train', ...args, '--quiet', '--out', join(dir, 'cli')]);
    assert.is(r.status, 0, r.stderr);
    assert.is(JSON.parse(readFileSync(join(dir, 'cli', 'config.json'), 'utf8')).reproducible, true);
    setBackend('wasm');
    try {
      const c = trainConfig({ 'meta-steps': '25', 'meta-batch': '5', hidden: '20,20', seed: '2', reproducible: true });
      saveRun(dir, c, train(c, { quiet: true }));
    } finally {
      setReproducible(false);
      setBackend('wasm-simd');
    }
    assert.ok(Buffer.compare(readFileSync(join(dir, 'cli', 'model.safetensors')), readFileSync(join(dir, 'model.safetensors'))) === 0, 'the CLI run on SIMD and the in-process run on the scalar build differ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
