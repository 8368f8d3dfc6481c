// The README's robust-sine and armaml-sine tables are what `npm run experiment -- NAME` prints:
// each experiment's runs (methods × seeds, reproducible mode) in two processes side by side,
// joined.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METHODS, robustSineTable } from '../experiments/robust-sine.ts';
import { ARMAML_METHODS, ARMAML_SINE, armamlTable, type ArmamlRun } from '../experiments/armaml-sine.ts';
import type { EvalResult } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-experiment-'));

/** Shard k of n of experiment `name`: its JSON output file, parsed. */
function shard(name: string, k: number, n: number): Promise<unknown> {
  const out = join(dir, `${name}-${k}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'experiments/run.ts', name, '--shard', `${k}/${n}`, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(readFileSync(out, 'utf8'))) : reject(new Error(`${name} shard ${k}: exit ${code}: ${err}`))));
  });
}

const stated = (name: string) => {
  const m = new RegExp(`<!-- ${name} table -->\\n([\\s\\S]*?)\\n<!-- end ${name} table -->`).exec(readFileSync('README.md', 'utf8'));
  assert.ok(m, `the README marks its ${name} table`);
  return m![1];
};

test('the robust-sine table in the README is the experiment\'s', async () => {
  type Result = { method: string; seed: number; r: EvalResult };
  const results = (await Promise.all([shard('robust-sine', 0, 2), shard('robust-sine', 1, 2)])).flatMap((j) => (j as { results: Result[] }).results);
  assert.is(results.length, 3 * METHODS.length);
  assert.fixture(robustSineTable(results), stated('robust-sine'));
});

test('the armaml-sine table in the README is the experiment\'s', async () => {
  const runs = (await Promise.all([shard('armaml-sine', 0, 2), shard('armaml-sine', 1, 2)])).flat() as ArmamlRun[];
  assert.is(runs.length, ARMAML_SINE.seeds.length * ARMAML_METHODS.length);
  assert.fixture(armamlTable(runs), stated('armaml-sine'));
  // every CVaR at least the mean, and the worse the tail, the higher (the table's sanity)
  for (const r of runs) for (const set of [r.uniform, r.shifted]) for (let k = 1; k < set.length; k++) assert.ok(set[k] >= set[k - 1], `${r.method} ${r.seed}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
