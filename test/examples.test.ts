// The README quick-start (examples/quickstart.ts, what `npm start` runs) executes and prints
// the values the README promises.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';

test('examples/quickstart.ts prints exact derivatives of x³ and runs on wasm-simd', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], { encoding: 'utf8' });
  assert.match(out, 'd/dx x³ at 2: 12, second: 12, third: 6');
  assert.match(out, /f\(w\) = -?\d+\.\d{6}, H·e₀ = \[-?\d+\.\d+, -?\d+\.\d+, -?\d+\.\d+\]/);
  assert.match(out, /backend: wasm-simd, matmul 256x256 float32: \d+\.\d GFLOP\/s/);
});

test.run();
