// The bundle runs where JavaScript runs: Node, Deno and Bun (both installed from the npm
// registry as dev dependencies) each compute the same derivatives on wasm-simd.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const runtimes: [string, string, string[]][] = [
  ['node', process.execPath, ['examples/runtimes/check.mjs']],
  ['deno', 'node_modules/.bin/deno', ['run', '--quiet', '--no-prompt', 'examples/runtimes/check.mjs']],
  ['bun', 'node_modules/.bin/bun', ['examples/runtimes/check.mjs']],
];

for (const [name, cmd, args] of runtimes) {
  test(`${name} runs dist/index.js on wasm-simd with exact derivatives`, () => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
    assert.is(r.status, 0, `${name}: ${r.error?.message ?? ''} ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.ok(out.runtime.startsWith(name), out.runtime);
    assert.equal({ ...out, runtime: name }, { runtime: name, backend: 'wasm-simd', dy: 27, d2y: 18, hv: [6, 12], c00: 64 });
  });
}

test.run();
