// npm run bench [-- --suite peak|gemm|crossover|conv|maml|convmaml|samplers|metarl|overhead|all] [--quick] [--json] [--vs tfjs|torch] [--no-relaxed]
// tinybench suites; every figure is a median with its spread (median absolute deviation, as a
// percentage), measured side by side in one run. Writes bench/results/latest.json.
import { threadsWasm } from '../src/kernels/threads-wasm.ts';
import { setFlagsFromString } from 'node:v8';
import { Bench } from 'tinybench';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import {
  Adam, MAML, MLP, Reptile, Rng, Sinusoid, add, backendKernels, matmul, transpose, conv2d, threadedKernels, getBackend, grad, hvp, matmulT, mseLoss, noGrad, randn, relu, tapeBytes, tensor, tidy,
  parallelTasks, type ParallelLearner, type TaskData, type Tensor, convNet, concat, crossEntropy,
} from '../src/index.ts';
import { makeFamily, makeLearner, makeSampler, metaTrain, runConfig } from '../src/index.ts';
import { metaRLRows } from './metarl.ts';
import { buildBytes, wasmBytes } from '../src/kernels/backend.ts';
import { gemm_js } from '../src/kernels/js/gemm.ts';
import { jsKernels } from '../src/kernels/js/index.ts';
import { Bin } from '../src/kernels/opcodes.ts';
import type { GemmArgs } from '../src/kernels/types.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';

// Relaxed SIMD (fused multiply-add) as browsers have it; Node 20 needs the flag before the
// first compile. --no-relaxed measures the plain SIMD build instead.
if (!process.argv.includes('--no-relaxed')) setFlagsFromString('--experimental-wasm-relaxed-simd');

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'all' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'no-relaxed': { type: 'boolean', default: false },
    vs: { type: 'string' },
  },
});
const SUITES = ['peak', 'gemm', 'threads', 'crossover', 'conv', 'maml', 'convmaml', 'samplers', 'metarl', 'overhead', 'memory'];
const suites = values.suite === 'all' ? SUITES : [values.suite!];
for (const s of suites) {
  if (!SUITES.includes(s)) {
    console.error(`bench: unknown suite '${s}'; expected ${SUITES.join(', ')} or all`);
    process.exit(2);
  }
}
const time = values.quick ? 150 : 600;

interface Row { suite: string; case: string; unit: string; median: number; spreadPct: number; samples: number }
const rows: Row[] = [];

/** Runs the tasks of one table; `work` gives the units of work per call (e.g. FLOPs / 1e9). */
// Each case runs in three rounds of a third of the time, interleaved with the others, and the
// median of the rounds' medians is reported: a burst of load from a neighbour on these shared
// machines then has to hit the same case twice to move its figure.
async function measure(suite: string, unit: string, cases: { name: string; fn: () => void; work: number }[], into: Row[] = rows): Promise<void> {
  const rounds = values.quick ? 1 : 3;
  const runs: { p50: number; mad: number; samples: number }[][] = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: time / rounds, warmupTime: values.quick ? 50 : 200 });
    for (const c of cases) bench.add(c.name, c.fn);
    await bench.run();
    for (const [i, task] of bench.tasks.entries()) {
      const r = task.result as unknown as { latency?: { p50: number; mad: number; samplesCount?: number }; state: string };
      if (!r.latency) throw new Error(`bench: ${task.name} did not complete (${r.state})`);
      runs[i].push({ p50: r.latency.p50, mad: r.latency.mad, samples: r.latency.samplesCount ?? 0 });
    }
  }
  cases.forEach((c, i) => {
    const mid = [...runs[i]].sort((a, b) => a.p50 - b.p50)[runs[i].length >> 1];
    into.push({
      suite, case: c.name, unit, median: c.work / (mid.p50 / 1000), spreadPct: (100 * mid.mad) / mid.p50,
      samples: runs[i].reduce((a, r) => a + r.samples, 0),
    });
  });
}

const rng = new Rng(0);

if (suites.includes('peak')) {
  // The multiply-add peak each build reaches with no memory traffic (assembly/gemm.ts).
  const cases = [];
  for (const build of ['simd', 'relaxed'] as const) {
    if (!WebAssembly.validate(buildBytes(build))) continue;
    const ex = new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}).exports as { f32_madd_peak(n: number): number };
    const iters = 1 << 20;
    cases.push({ name: `f32x4 ${build === 'relaxed' ? 'fused multiply-add (relaxed SIMD)' : 'mul + add (SIMD)'} in registers`, fn: () => void ex.f32_madd_peak(iters), work: (iters * 64) / 1e9 });
  }
  await measure('peak', 'GFLOP/s', cases);
}

if (suites.includes('gemm')) {
  // The public matmul, float32, in a tidy as TensorFlow.js's case runs in tf.tidy: the operands
  // are copied into WASM memory, the result stays there (TensorFlow.js's operands live there,
  // its result is copied out by dataSync).
  const cases = [];
  for (const n of values.quick ? [64, 256, 512] : [16, 32, 64, 128, 256, 512, 1024]) {
    const a = randn([n, n], { rng });
    const b = randn([n, n], { rng });
    const forms: [string, boolean, boolean][] = n >= 128 ? [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true], ['Aᵀ·Bᵀ', true, true]] : [['A·B', false, false]];
    for (const [form, tA, tB] of forms) {
      cases.push({ name: `matmul ${form} f32 n=${n}`, fn: () => tidy(() => void matmulT(a, b, tA, tB)), work: (2 * n ** 3) / 1e9 });
    }
  }
  // Transposed operands through the public API, as a user writes them (matmul(transpose(a), b):
  // transpose is lazy, so the GEMM reads a with a flag), outside any tidy, against the plain
  // SIMD 4x8 kernel called directly on the same arrays (copies in and out included in both).
  const plain = wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes('simd')), {}), 0);
  for (const n of values.quick ? [128, 512] : [128, 256, 512, 1024]) {
    const a = randn([n, n], { rng });
    const b = randn([n, n], { rng });
    const c = new Float32Array(n * n);
    const args: GemmArgs = { batch: 1, m: n, n, k: n, transA: false, transB: false, a: a.data, b: b.data, c, strideA: 0, strideB: 0 };
    const work = (2 * n ** 3) / 1e9;
    cases.length = 0;
    cases.push({ name: `plain f32_gemm_4x8_wasmsimd kernel A·B n=${n} (reference)`, fn: () => plain.gemm(args), work });
    cases.push({ name: `matmul(a, b) n=${n}`, fn: () => void matmul(a, b), work });
    cases.push({ name: `matmul(transpose(a), b) n=${n}`, fn: () => void matmul(transpose(a), b), work });
    cases.push({ name: `matmul(a, transpose(b)) n=${n}`, fn: () => void matmul(a, transpose(b)), work });
    cases.push({ name: `matmul(transpose(a), transpose(b)) n=${n}`, fn: () => void matmul(transpose(a), transpose(b)), work });
    await measure('gemm', 'GFLOP/s', cases);
  }
}

if (suites.includes('threads')) {
  // One GEMM on one thread and on two (shared-memory WASM, a worker from dist/gemm-worker.js).
  const two = await threadedKernels({ builds: threadsWasm, spawn: () => new Worker('./dist/gemm-worker.js'), threads: 2 });
  const one = backendKernels('wasm-simd');
  const cases = [];
  for (const n of values.quick ? [512] : [256, 512, 1024]) {
    const a = new Float32Array(n * n).map(() => rng.normal());
    const b = new Float32Array(n * n).map(() => rng.normal());
    const c = new Float32Array(n * n);
    const args: GemmArgs = { batch: 1, m: n, n, k: n, transA: false, transB: false, a, b, c, strideA: 0, strideB: 0 };
    cases.push({ name: `GEMM f32 n=${n}, 1 thread`, fn: () => one.gemm(args), work: (2 * n ** 3) / 1e9 });
    cases.push({ name: `GEMM f32 n=${n}, 2 threads`, fn: () => two.gemm(args), work: (2 * n ** 3) / 1e9 });
  }
  await measure('threads', 'GFLOP/s', cases);
  two.dispose();
}

if (suites.includes('crossover')) {
  // Raw kernels on small square products: where the WASM call + copies start to beat JS.
  const wasm = wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(wasmBytes('wasm-simd')), {}), 0);
  const cases = [];
  for (const n of [4, 8, 12, 16, 24, 32, 48]) {
    const a = new Float32Array(n * n).map(() => rng.normal());
    const b = new Float32Array(n * n).map(() => rng.normal());
    const c = new Float32Array(n * n);
    const args: GemmArgs = { batch: 1, m: n, n, k: n, transA: false, transB: false, a, b, c, strideA: 0, strideB: 0 };
    cases.push({ name: `gemm_js n=${n}`, fn: () => gemm_js(args), work: (2 * n ** 3) / 1e9 });
    cases.push({ name: `f32_gemm_4x8_wasmsimd n=${n}`, fn: () => wasm.gemm(args), work: (2 * n ** 3) / 1e9 });
  }
  await measure('crossover', 'GFLOP/s', cases);
  // Elementwise: a product of two n-element arrays outside WASM memory (copies included),
  // where WASM_MIN_ELEMENTS comes from.
  const ewCases = [];
  const wasmAll = wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(wasmBytes('wasm-simd')), {}), 0, 0);
  for (const n of [32, 64, 128, 256, 512]) {
    const a = new Float32Array(n).map(() => rng.normal());
    const b = new Float32Array(n).map(() => rng.normal());
    const o = new Float32Array(n);
    ewCases.push({ name: `mul_js n=${n}`, fn: () => jsKernels.binary(Bin.Mul, a, [n], b, [n], o, [n]), work: n / 1e6 });
    ewCases.push({ name: `f32_binary_wasmsimd mul n=${n}`, fn: () => wasmAll.binary(Bin.Mul, a, [n], b, [n], o, [n]), work: n / 1e6 });
  }
  await measure('crossover', 'M elements/s', ewCases);
}

if (suites.includes('conv')) {
  // The few-shot shapes (batch 25, 3x3, padding 1): 28x28x1 -> 32 and 14x14x32 -> 32.
  const cases = [];
  for (const [c, hw] of [[1, 28], [32, 14]] as const) {
    const x = randn([25, c, hw, hw], { rng }).detach().requiresGrad_();
    const w = randn([32, c, 3, 3], { rng }).detach().requiresGrad_();
    const flops = (2 * 25 * 32 * hw * hw * c * 9) / 1e9;
    const shape = `25x${c}x${hw}x${hw} -> 32`;
    // In a tidy, as TensorFlow.js's case is: there its input is already in WASM memory and its
    // output is copied out (dataSync); here the input is copied in and the output stays.
    cases.push({ name: `conv2d forward ${shape}`, fn: () => tidy(() => void noGrad(() => conv2d(x, w, null, { padding: 1 }))), work: flops });
    const y = conv2d(x, w, null, { padding: 1 });
    const g = randn(y.shape, { rng });
    // backward = input gradient + filter gradient: twice the forward's FLOPs
    cases.push({ name: `conv2d backward (input + filter) ${shape}`, fn: () => tidy(() => void grad(y, [x, w], { gradOutput: g, retainGraph: true })), work: 2 * flops });
  }
  await measure('conv', 'GFLOP/s', cases);
}

if (suites.includes('convmaml')) {
  // Finn et al.'s Omniglot net: four blocks of a 3x3 convolution with 64 filters and stride 2,
  // batch norm by the batch, ReLU (28 -> 14 -> 7 -> 4 -> 2), and a linear 5-way head; 5-way
  // 1-shot with 5 query images a task (Finn's code queries K per class too), one inner step at
  // 0.4. Random pixels: only the learner is timed. The forward pass alone and the first-order
  // step beside the second-order one say where the time goes.
  const finnNet = () => convNet({ blocks: 4, filters: 64, outputs: 5, rng: new Rng(0) });
  const episode = () => ({ x: randn([5, 1, 28, 28], { rng }).detach(), y: tensor([0, 1, 2, 3, 4]) });
  const cases = [];
  for (const T of values.quick ? [4] : [4, 32]) {
    const tasks: TaskData[] = Array.from({ length: T }, () => ({ support: episode(), query: episode() }));
    for (const firstOrder of [false, true]) {
      const learner = new MAML(finnNet(), { innerLr: 0.4, firstOrder, loss: 'crossEntropy' });
      const opt = new Adam(learner.metaParameters(), { lr: 1e-3 });
      cases.push({ name: `MAML conv 4x64, 5-way 1-shot, ${firstOrder ? 'first' : 'second'} order, meta-batch ${T}`, fn: () => tidy(() => opt.step(learner.metaGradient(tasks).grads)), work: 1 });
    }
    const net = finnNet();
    cases.push({ name: `conv 4x64 forward of a meta-batch's ${2 * T} batches of 5 (no tape)`, fn: () => tidy(() => noGrad(() => tasks.forEach((t) => { net.call(t.support.x); net.call(t.query.x); }))), work: 1 });
    // What batching the tasks could gain at most: the same images' forward and backward task by
    // task, or stacked into one batch (a task-batched conv would do no less work than that)
    const params = net.parameters();
    const images = tasks.map((t) => concat([t.support.x, t.query.x], 0));
    const labels = tasks.map((t) => concat([t.support.y, t.query.y], 0));
    const [allImages, allLabels] = [concat(images, 0), concat(labels, 0)];
    cases.push({ name: `conv 4x64 forward+backward, ${T} tasks of 10 images task by task`, fn: () => tidy(() => images.forEach((x, i) => grad(crossEntropy(net.call(x), labels[i]), params))), work: 1 });
    cases.push({ name: `conv 4x64 forward+backward, the same ${10 * T} images as one batch`, fn: () => tidy(() => grad(crossEntropy(net.call(allImages), allLabels), params)), work: 1 });
  }
  await measure('convmaml', 'meta-steps/s', cases);
}

if (suites.includes('maml')) {
  // Finn et al.'s sinusoid setup: 1-40-40-1 ReLU, K = 10, meta-batch 25, inner lr 0.01, Adam.
  // One meta-step = sample-free: the same 25 tasks each call, so only the learner is timed.
  const family = new Sinusoid();
  const rng2 = new Rng(1);
  const tasks: TaskData[] = family.sample(rng2, 25).map((t) => ({ support: t.sample(rng2, 10), query: t.sample(rng2, 10) }));
  const cases = [];
  for (const [label, opts] of [
    ['second order, batched', { batchTasks: true }],
    ['second order, looped', { batchTasks: false }],
    ['first order, batched', { batchTasks: true, firstOrder: true }],
    ['first order, looped', { batchTasks: false, firstOrder: true }],
    ['second order, batched, 5 inner steps', { batchTasks: true, innerSteps: 5 }],
  ] as const) {
    const learner = new MAML(new MLP([1, 40, 40, 1], { rng: new Rng(0) }), { innerLr: 0.01, ...opts });
    const opt = new Adam(learner.metaParameters(), { lr: 1e-3 });
    cases.push({ name: `MAML sinusoid, ${label}`, fn: () => opt.step(learner.metaGradient(tasks).grads), work: 1 });
  }
  for (const batchTasks of [true, false]) {
    const learner = new Reptile(new MLP([1, 40, 40, 1], { rng: new Rng(0) }), { innerLr: 0.01, innerSteps: 5, batchTasks });
    const opt = new Adam(learner.metaParameters(), { lr: 1e-3 });
    cases.push({ name: `Reptile sinusoid, 5 inner steps, ${batchTasks ? 'batched' : 'looped'}`, fn: () => opt.step(learner.metaGradient(tasks).grads), work: 1 });
  }
  // The meta-batch split over two threads (parallelTasks, a worker from dist/task-worker.js),
  // at the Finn meta-batch and at 100 tasks, where the fixed per-op cost weighs less.
  const parallel: ParallelLearner[] = [];
  const tasks100: TaskData[] = family.sample(rng2, 100).map((t) => ({ support: t.sample(rng2, 10), query: t.sample(rng2, 10) }));
  for (const [label, algo, batch] of [['second order', 'maml', tasks], ['first order', 'fomaml', tasks], ['second order', 'maml', tasks100]] as const) {
    for (const threads of batch === tasks ? [2] : [1, 2]) {
      const c = runConfig({ 'meta-steps': 0, algo }); // metagrad train's defaults: this set-up
      const single = makeLearner(c, family);
      const learner = threads > 1 ? parallelTasks(single, { spawn: () => new Worker('./dist/task-worker.js'), spec: c, threads }) : single;
      if (threads > 1) parallel.push(learner as ParallelLearner);
      const opt = new Adam(learner.metaParameters(), { lr: 1e-3 });
      cases.push({ name: `MAML sinusoid, ${label}, batched, meta-batch ${batch.length}, ${threads} thread${threads > 1 ? 's' : ''}`, fn: () => opt.step(learner.metaGradient(batch).grads), work: 1 });
    }
  }
  await measure('maml', 'meta-steps/s', cases);
  parallel.forEach((p) => p.dispose());
}

if (suites.includes('metarl')) rows.push(...metaRLRows(values.quick ?? false));

if (suites.includes('samplers')) {
  // One whole meta-step through metaTrain (sampling the tasks and their data, the learner, the
  // outer step, the sampler's bookkeeping and updates), MAML on sinusoid with metagrad train's
  // defaults, per task sampler. The flow adversary updates every 10 steps by default; with
  // --flow-interval 1 every step, so the difference to uniform is one update's cost.
  const c0 = runConfig({ 'meta-steps': 1000000 });
  const family = makeFamily(c0);
  const cases = [];
  for (const [label, flags] of [
    ['no sampler (metaTrain\'s default)', null], ['uniform', { sampler: 'uniform' }], ['buffer (RMAML)', { sampler: 'buffer' }], ['cvar (CVaR-ML)', { sampler: 'cvar' }],
    ['cem (RoML)', { sampler: 'cem' }], ['dro (by amplitude)', { sampler: 'dro', 'dro-group-by': 'amplitude' }], ['flow (AR-MAML), update every 10 steps', { sampler: 'flow' }],
    ['flow (AR-MAML), update every step', { sampler: 'flow', 'flow-interval': 1 }],
  ] as const) {
    const c = runConfig({ 'meta-steps': 1000000, ...(flags ?? {}) });
    const learner = makeLearner(c, family);
    const sampler = flags ? makeSampler({ ...c, sampler: c.sampler ?? 'uniform' }, family) : undefined;
    const optimizer = new Adam(learner.metaParameters(), { lr: 1e-3 });
    const stream = new Rng(1);
    let step = 0;
    cases.push({
      name: `MAML sinusoid meta-step, sampler ${label}`,
      fn: () => {
        metaTrain({ learner, family, optimizer, metaSteps: step + 1, startStep: step, metaBatch: c.metaBatch, shots: c.shots, rng: stream, ...(sampler ? { sampler } : {}) });
        step++;
      },
      work: 1,
    });
  }
  await measure('samplers', 'meta-steps/s', cases);
  // The rates above come from cases run one after another, and the first runs on a fresher
  // machine; the cost of each sampler against uniform is measured interleaved: blocks of 25
  // meta-steps in turn, the ratio of the medians of each case's block times.
  const blocks = values.quick ? 10 : 60;
  const times = cases.map(() => [] as number[]);
  for (let b = 0; b < blocks; b++) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      for (let k = 0; k < 25; k++) c.fn();
      times[i].push(performance.now() - t0);
    });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const uniform = median(times[1]);
  cases.forEach((c, i) => {
    if (i === 1) return;
    const m = median(times[i]);
    const mad = median(times[i].map((t) => Math.abs(t - m)));
    rows.push({ suite: 'samplers', case: `${c.name.replace('MAML sinusoid meta-step, sampler ', '')}: speed relative to uniform, interleaved`, unit: '× uniform', median: uniform / m, spreadPct: (100 * mad) / m, samples: blocks * 25 });
  });
}

if (suites.includes('overhead')) {
  // Fixed cost per op: tiny tensors, so the arithmetic is negligible.
  const a = tensor([1, 2, 3, 4]);
  const b = tensor([5, 6, 7, 8]);
  const w = tensor([1, 2, 3, 4], { requiresGrad: true });
  const x = randn([10, 40], { rng });
  const w40 = randn([40, 40], { rng }).detach().requiresGrad_();
  const v = randn([40, 40], { rng });
  const f = (p: Tensor) => mseLoss(relu(matmulT(x, p)), x);
  await measure('overhead', 'M calls/s', [
    { name: 'add of two 4-element tensors, no grad', fn: () => noGrad(() => add(a, b)), work: 1e-6 },
    { name: 'add of two 4-element tensors, on the tape', fn: () => add(w, b), work: 1e-6 },
  ]);
  await measure('overhead', 'calls/s', [
    { name: 'gradient of mse(relu(x·W)), W 40x40', fn: () => grad(f(w40), [w40]), work: 1 },
    { name: 'Hessian-vector product of the same', fn: () => hvp(f, [w40], [v]), work: 1 },
  ]);
}

if (suites.includes('memory')) {
  // What a meta-step's tape keeps for the outer backward (tapeBytes of the meta-loss), MAML
  // sinusoid batched, against inner steps and meta-batch size. A count of bytes, not a timing.
  const family = new Sinusoid();
  for (const [steps, T] of [[1, 25], [5, 25], [10, 25], [1, 5], [1, 50], [1, 100]] as const) {
    for (const firstOrder of [false, true]) {
      const r2 = new Rng(1);
      const tasks = family.sample(r2, T).map((t) => ({ support: t.sample(r2, 10), query: t.sample(r2, 10) }));
      const learner = new MAML(new MLP([1, 40, 40, 1], { rng: new Rng(0) }), { innerSteps: steps, firstOrder });
      const bytes = tapeBytes(learner.metaLossBatched(tasks).loss);
      rows.push({ suite: 'memory', case: `MAML ${firstOrder ? 'first' : 'second'} order, ${steps} inner step${steps > 1 ? 's' : ''}, meta-batch ${T}: tape kept`, unit: 'MB', median: bytes / 1e6, spreadPct: 0, samples: 1 });
    }
  }
  // What fresh memory costs at its first use (the page faults a growing tidy arena pays once):
  // a new 256 MiB WebAssembly memory written once a 4 KiB page, then again.
  const PAGES = (256 << 20) / 4096;
  const first: number[] = [];
  const again: number[] = [];
  for (let k = 0; k < 5; k++) {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    mem.grow((256 << 20) / 65536);
    const view = new Float32Array(mem.buffer);
    for (const into of [first, again]) {
      const t0 = performance.now();
      for (let p = 0; p < PAGES; p++) view[p * 1024] = k;
      into.push(((performance.now() - t0) * 1000) / PAGES);
    }
  }
  for (const [name, xs] of [['first', first], ['second', again]] as const) {
    const sorted = [...xs].sort((a, b) => a - b);
    const med = sorted[2];
    const mad = [...xs.map((x) => Math.abs(x - med))].sort((a, b) => a - b)[2];
    rows.push({ suite: 'memory', case: `${name} write to each 4 KiB page of a fresh 256 MiB WebAssembly memory`, unit: 'µs/page', median: med, spreadPct: (100 * mad) / med, samples: 5 });
  }
}

// --vs tfjs: the same workloads on TensorFlow.js (wasm and cpu backends) in this process;
// --vs torch: on PyTorch CPU (one thread) through python3.
const peers: Record<string, Row[]> = {};
if (values.vs === 'tfjs') {
  const { tfjsCases } = await import('./peers/tfjs.ts');
  for (const backend of ['wasm', 'cpu'] as const) {
    const peerRows: Row[] = [];
    const cases = (await tfjsCases(backend, values.quick ?? false)).filter((c) => suites.includes(c.suite));
    for (const suite of new Set(cases.map((c) => c.suite))) {
      const these = cases.filter((c) => c.suite === suite);
      await measure(suite, these[0].unit, these, peerRows);
    }
    peers[`tfjs-${backend}`] = peerRows;
  }
} else if (values.vs === 'torch') {
  // PyTorch CPU, one thread, in its own process (bench/peers/torch_bench.py), run right after ours.
  const { spawnSync } = await import('node:child_process');
  const args = ['bench/peers/torch_bench.py', `--suites=${suites.join(',')}`, ...(values.quick ? ['--quick'] : [])];
  // The first python that has torch: $PYTHON, python3 on PATH, then Debian's (python3-torch).
  const python = [process.env.PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch']).status === 0) ?? 'python3';
  // One thread: torch's own pool, and the BLAS's (Debian's torch calls libblas.so.3, which is
  // OpenBLAS once libopenblas0-pthread is installed, and OpenBLAS would start its own threads).
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(python, args, { encoding: 'utf8', env });
  if (r.status !== 0) {
    console.error(`bench: --vs torch needs python3 with torch (Debian: apt-get install python3-torch): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    process.exit(2);
  }
  peers['torch-cpu'] = r.stdout.trim().split('\n').filter(Boolean).map((line) => {
    const j = JSON.parse(line) as { suite: string; case: string; unit: string; median: number; spreadPct: number };
    return { suite: j.suite, case: j.case, unit: j.unit, median: j.median, spreadPct: j.spreadPct, samples: 0 };
  });
} else if (values.vs !== undefined) {
  console.error(`bench: --vs takes tfjs or torch, got '${values.vs}'`);
  process.exit(2);
}

const meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, backend: getBackend(), gemmKernel: backendKernels(getBackend()).kernelNames.gemm };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json.tmp', JSON.stringify({ meta, rows, peers }, null, 2));
renameSync('bench/results/latest.json.tmp', 'bench/results/latest.json');
if (values.json) {
  console.log(JSON.stringify({ meta, rows }));
} else {
  console.log(`${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, backend ${meta.backend} (${meta.gemmKernel})\n`);
  console.log('| suite | case | median | spread (MAD) |\n|---|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.suite} | ${r.case} | ${r.median.toFixed(2)} ${r.unit} | ±${r.spreadPct.toFixed(1)}% |`);
  const names = Object.keys(peers);
  if (names.length) {
    console.log(`\n| case | metagrad | ${names.map((n) => `${n} | ratio`).join(' | ')} |\n|---|---:|${names.map(() => '---:|---:').join('|')}|`);
    for (const r of rows) {
      const theirs = names.map((n) => peers[n].find((p) => p.case === r.case));
      if (theirs.every((t) => !t)) continue;
      const cells = theirs.map((t) => (t ? `${t.median.toFixed(2)} | ${(r.median / t.median).toFixed(2)}x` : '— | —'));
      console.log(`| ${r.case} | ${r.median.toFixed(2)} ${r.unit} | ${cells.join(' | ')} |`);
    }
  }
}
