// Runs in Node, Deno and Bun alike: imports the built bundle (dist/index.js, what `npm ci`
// builds and the package exports), computes a second derivative, a Hessian-vector product and
// a 64x64 product, meta-trains MAML for 60 steps in reproducible mode, and prints one JSON line
// with the runtime, the backend and a fingerprint of the trained weights (the same bytes in
// every runtime).
//   node examples/runtimes/check.mjs
//   deno run examples/runtimes/check.mjs
//   bun examples/runtimes/check.mjs
import {
  Adam, MAML, MLP, Rng, Sinusoid, getBackend, grad, hvp, matmul, metaTrain, ones, pow, setReproducible, sum, tensor,
} from '../../dist/index.js';

const x = tensor([3], { dtype: 'float64', requiresGrad: true });
const [dy] = grad(pow(x, 3), [x], { createGraph: true }); // 3x² = 27
const [d2y] = grad(dy, [x]); // 6x = 18
const [, [hv]] = hvp((w) => sum(pow(w, 3)), [tensor([1, 2], { dtype: 'float64' })], [tensor([1, 1], { dtype: 'float64' })]); // 6w
const c = matmul(ones([64, 64]), ones([64, 64]));
setReproducible(true);
const model = new MLP([1, 40, 40, 1], { rng: new Rng(0) });
const learner = new MAML(model, { innerLr: 0.01 });
metaTrain({ learner, family: new Sinusoid(), optimizer: new Adam(learner.metaParameters()), metaSteps: 60, metaBatch: 10, shots: 10, rng: new Rng(1) });
let fingerprint = 0x811c9dc5; // FNV-1a over the weights' bytes
for (const p of model.parameters()) {
  for (const byte of new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength)) fingerprint = Math.imul(fingerprint ^ byte, 0x01000193) >>> 0;
}
const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : globalThis.Bun ? `bun ${globalThis.Bun.version}` : `node ${globalThis.process?.version}`;
console.log(JSON.stringify({ runtime, backend: getBackend(), dy: dy.item(), d2y: d2y.item(), hv: Array.from(hv.data), c00: c.data[0], weights: fingerprint.toString(16) }));
