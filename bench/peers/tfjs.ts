// The same workloads on TensorFlow.js (wasm and cpu backends), in the same process, for
// `npm run bench -- --vs tfjs`. Case names match bench/run.ts's so rows pair up.
// TensorFlow.js is NHWC: conv2d runs on the transposed layout of the same shapes.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export interface PeerCase {
  name: string;
  fn: () => void;
  work: number;
  suite: string;
  unit: string;
}

/** Cases for one TensorFlow.js backend ('wasm' or 'cpu'); sets that backend first. */
export async function tfjsCases(backend: 'wasm' | 'cpu', quick: boolean): Promise<PeerCase[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} did not start`);
  await tf.ready();
  const cases: PeerCase[] = [];
  for (const n of quick ? [256, 512] : [128, 256, 512]) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    for (const [form, tA, tB] of [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true], ['Aᵀ·Bᵀ', true, true]] as const) {
      cases.push({ suite: 'gemm', unit: 'GFLOP/s', name: `matmul ${form} f32 n=${n}`, fn: () => tf.tidy(() => void tf.matMul(a, b, tA, tB).dataSync()), work: (2 * n ** 3) / 1e9 });
    }
  }
  for (const [c, hw] of [[1, 28], [32, 14]] as const) {
    const x = tf.randomNormal([25, hw, hw, c]);
    const w = tf.randomNormal([3, 3, c, 32]);
    const flops = (2 * 25 * 32 * hw * hw * c * 9) / 1e9;
    cases.push({ suite: 'conv', unit: 'GFLOP/s', name: `conv2d forward 25x${c}x${hw}x${hw} -> 32`, fn: () => tf.tidy(() => void tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync()), work: flops });
  }
  const p = tf.tensor1d([1, 2, 3, 4]);
  const q = tf.tensor1d([5, 6, 7, 8]);
  cases.push({ suite: 'overhead', unit: 'M calls/s', name: 'add of two 4-element tensors, no grad', fn: () => tf.tidy(() => void tf.add(p, q)), work: 1e-6 });
  return cases;
}
