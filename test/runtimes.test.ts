// The bundle runs where JavaScript runs: Node, Deno and Bun (both installed from the npm
// registry as dev dependencies) each compute the same derivatives on wasm-simd, and in
// reproducible mode train MAML to the same bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const runtimes: [string, string, string[]][] = [
  ['node', process.execPath, ['examples/runtimes/check.mjs']],
  ['deno', 'node_modules/.bin/deno', ['run', '--quiet', '--no-prompt', 'examples/runtimes/check.mjs']],
  ['bun', 'node_modules/.bin/bun', ['examples/runtimes/check.mjs']],
];

const fingerprints = new Map<string, string>();

for (const [name, cmd, args] of runtimes) {
  test(`${name} runs dist/index.js on wasm-simd with exact derivatives`, () => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
    assert.is(r.status, 0, `${name}: ${r.error?.message ?? ''} ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.ok(out.runtime.startsWith(name), out.runtime);
    assert.match(out.weights, /^[0-9a-f]+$/);
    fingerprints.set(name, out.weights);
    assert.equal({ ...out, runtime: name, weights: '' }, { runtime: name, backend: 'wasm-simd', dy: 27, d2y: 18, hv: [6, 12], c00: 64, weights: '' });
  });
}

test('reproducible mode: the three runtimes train MAML to the same bytes', () => {
  assert.is(fingerprints.size, 3);
  assert.is(new Set(fingerprints.values()).size, 1, JSON.stringify(Object.fromEntries(fingerprints)));
});

test.run();
