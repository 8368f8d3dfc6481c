// Runs in Node, Deno and Bun alike: imports the built bundle (dist/index.js, what `npm ci`
// builds and the package exports), computes a second derivative, a Hessian-vector product and
// a 64x64 product, and prints one JSON line with the runtime and the backend.
//   node examples/runtimes/check.mjs
//   deno run examples/runtimes/check.mjs
//   bun examples/runtimes/check.mjs
import { getBackend, grad, hvp, matmul, ones, pow, sum, tensor } from '../../dist/index.js';

const x = tensor([3], { dtype: 'float64', requiresGrad: true });
const [dy] = grad(pow(x, 3), [x], { createGraph: true }); // 3x² = 27
const [d2y] = grad(dy, [x]); // 6x = 18
const [, [hv]] = hvp((w) => sum(pow(w, 3)), [tensor([1, 2], { dtype: 'float64' })], [tensor([1, 1], { dtype: 'float64' })]); // 6w
const c = matmul(ones([64, 64]), ones([64, 64]));
const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : globalThis.Bun ? `bun ${globalThis.Bun.version}` : `node ${globalThis.process?.version}`;
console.log(JSON.stringify({ runtime, backend: getBackend(), dy: dy.item(), d2y: d2y.item(), hv: Array.from(hv.data), c00: c.data[0] }));
