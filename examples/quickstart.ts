// The README's quick-start, runnable: `npm start` (a test runs it too, so it cannot rot).
import { getBackend, grad, hvp, matmul, pow, randn, Rng, sum, tanh, tensor } from '../src/index.ts';

// A gradient, and the gradient of the gradient (createGraph keeps the backward on the tape).
const x = tensor([2], { dtype: 'float64', requiresGrad: true });
const y = pow(x, 3); // x³
const [dy] = grad(y, [x], { createGraph: true }); // 3x² = 12
const [d2y] = grad(dy, [x], { createGraph: true }); // 6x = 12
const [d3y] = grad(d2y, [x]); // 6
console.log(`d/dx x³ at 2: ${dy.item()}, second: ${d2y.item()}, third: ${d3y.item()}`);

// A Hessian-vector product of f(w) = sum(tanh(A w)), without forming the Hessian.
const rng = new Rng(0);
const A = randn([3, 3], { dtype: 'float64', rng });
const w = randn([3], { dtype: 'float64', rng });
const v = tensor([1, 0, 0], { dtype: 'float64' });
const [f, [hv]] = hvp((w) => sum(tanh(matmul(A, w))), [w], [v]);
console.log(`f(w) = ${f.item().toFixed(6)}, H·e₀ = [${Array.from(hv.data, (t) => t.toFixed(6)).join(', ')}]`);

// Which kernels run, and a 256x256 float32 product through them.
const a = randn([256, 256], { rng });
const b = randn([256, 256], { rng });
matmul(a, b); // warm up (the first calls run in V8's baseline WASM tier)
const reps = 20;
const t0 = performance.now();
for (let i = 0; i < reps; i++) matmul(a, b);
const gflops = (reps * 2 * 256 ** 3) / ((performance.now() - t0) / 1000) / 1e9;
console.log(`backend: ${getBackend()}, matmul 256x256 float32: ${gflops.toFixed(1)} GFLOP/s`);
