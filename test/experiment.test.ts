// The README's robust-sine table is what `npm run experiment -- robust-sine` prints: the 15
// runs (five methods, three seeds, reproducible mode) in two processes side by side, joined.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METHODS, robustSineTable } from '../experiments/robust-sine.ts';
import type { EvalResult } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-experiment-'));

function shard(k: number, n: number): Promise<{ method: string; seed: number; r: EvalResult }[]> {
  const out = join(dir, `shard-${k}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'experiments/run.ts', 'robust-sine', '--shard', `${k}/${n}`, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(out, 'utf8')).results) : reject(new Error(`shard ${k}: exit ${code}: ${err}`))));
  });
}

test('the robust-sine table in the README is the experiment\'s', async () => {
  const results = (await Promise.all([shard(0, 2), shard(1, 2)])).flat();
  assert.is(results.length, 3 * METHODS.length);
  const readme = readFileSync('README.md', 'utf8');
  const stated = /<!-- robust-sine table -->\n([\s\S]*?)\n<!-- end robust-sine table -->/.exec(readme);
  assert.ok(stated, 'the README marks its robust-sine table');
  assert.fixture(robustSineTable(results), stated![1]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
