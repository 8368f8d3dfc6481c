// Heap growth over repeated first-order gradients of a small MLP (1-40-40-1 ReLU, batch 10).
// A first-order or evaluation pass must not leave a tape behind: the heap after N repetitions
// should equal the heap after a warm-up. Run: node --expose-gc --import tsx bench/memory.ts [--reps N] [--json]
import { parseArgs } from 'node:util';
import { Rng, grad, mseLoss, randn, relu, type Tensor } from '../src/index.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '10000' }, json: { type: 'boolean', default: false } } });
const reps = Number(values.reps);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('memory: run with node --expose-gc');
  process.exit(2);
}

const rng = new Rng(0);
const params = [randn([1, 40], { rng }), randn([40], { rng }), randn([40, 40], { rng }), randn([40], { rng }), randn([40, 1], { rng }), randn([1], { rng })]
  .map((t) => t.mul(0.1).detach().requiresGrad_());
const x = randn([10, 1], { rng });
const y = randn([10, 1], { rng });
const step = (): Tensor[] => {
  const [w1, b1, w2, b2, w3, b3] = params;
  const out = relu(relu(x.matmul(w1).add(b1)).matmul(w2).add(b2)).matmul(w3).add(b3);
  return grad(mseLoss(out, y), params);
};

// The JS heap plus ArrayBuffer backing stores (where tensor data lives).
const heap = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const warm = Math.min(1000, reps);
for (let i = 0; i < warm; i++) step();
const before = heap();
const t0 = performance.now();
let last: Tensor[] = [];
for (let i = 0; i < reps; i++) last = step();
const seconds = (performance.now() - t0) / 1000;
const after = heap();
const result = {
  reps,
  heapBeforeBytes: before,
  heapAfterBytes: after,
  growthBytes: after - before,
  gradsOnTape: last.filter((g) => g.node !== null || g.requiresGrad).length,
  stepsPerSecond: reps / seconds,
};
if (values.json) console.log(JSON.stringify(result));
else console.log(`${reps} first-order gradients: heap + array buffers ${(before / 1e6).toFixed(2)} MB -> ${(after / 1e6).toFixed(2)} MB (growth ${((after - before) / 1024).toFixed(1)} KiB), ${result.stepsPerSecond.toFixed(0)} steps/s`);
