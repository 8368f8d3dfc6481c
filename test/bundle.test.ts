// The library bundle runs where there is no Node: loaded into a bare vm context (no require,
// process, Buffer or fs — only what a browser or worker has), it computes a gradient on the
// WASM SIMD backend, with code generation from strings forbidden (no eval, no new Function).
// And it stays within its size budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';

const BUDGET_BYTES = 150 * 1024;

test(`dist/index.js (minified ESM, WASM inlined) is under ${BUDGET_BYTES / 1024} KiB`, () => {
  const size = statSync('dist/index.js').size;
  assert.ok(size < BUDGET_BYTES, `dist/index.js is ${size} bytes`);
  const text = readFileSync('dist/index.js', 'utf8');
  for (const bad of ['require(', 'process.', 'node:']) assert.not.ok(text.includes(bad), `bundle contains ${bad}`);
});

test('the bundle computes gradients in a context with no Node built-ins', async () => {
  // The same entry bundled as a classic script, so a plain vm context can run it.
  const out = await build({ entryPoints: ['src/index.ts'], bundle: true, format: 'iife', globalName: 'metagrad', platform: 'neutral', write: false, minify: true });
  const code = out.outputFiles[0].text;
  const sandbox: Record<string, unknown> = { WebAssembly, atob, console, TextEncoder, TextDecoder };
  // codeGeneration.strings false: any eval or new Function in the bundle throws (CSP-safe).
  const ctx = createContext(sandbox, { codeGeneration: { strings: false, wasm: true } });
  runInContext(code, ctx);
  const result = runInContext(`
    (() => {
      const { tensor, grad, pow, getBackend } = metagrad;
      const typeofRequire = typeof require;
      const typeofProcess = typeof process;
      const x = tensor([3], { dtype: 'float64', requiresGrad: true });
      const [g] = grad(pow(x, 2), [x], { createGraph: true });
      const [h] = grad(g, [x]);
      const y = metagrad.matmul(metagrad.ones([64, 64]), metagrad.ones([64, 64]));
      return { g: g.item(), h: h.item(), backend: getBackend(), mm: y.data[0], typeofRequire, typeofProcess };
    })()`, ctx) as Record<string, unknown>;
  // The object comes from the other realm: compare its JSON, not its prototype.
  assert.equal(JSON.parse(JSON.stringify(result)), { g: 6, h: 2, backend: 'wasm-simd', mm: 64, typeofRequire: 'undefined', typeofProcess: 'undefined' });
});

test.run();
