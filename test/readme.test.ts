// The README's deterministic figures, held to what the code does: the reproducible npm start
// table (every figure, run here), the WASM thresholds, and the op count of a meta-step. Measured
// figures (speeds) name their command in the README instead; they vary by machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAML, MLP, Rng, Sinusoid, trace } from '../src/index.ts';
import { WASM_MIN_ELEMENTS, WASM_MIN_MACS } from '../src/kernels/wasm.ts';
import { cli } from './command.ts';

const readme = readFileSync('README.md', 'utf8');

/** The rows of the first markdown table after `marker`: learner, steps, then the numbers. */
function tableAfter(marker: string): Map<string, number[]> {
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README lacks "${marker}"`);
  const rows = new Map<string, number[]>();
  const lines = readme.slice(at).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| learner'));
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    rows.set(`${cells[0]} ${cells[1]}`, cells.slice(2).map(Number));
  }
  return rows;
}

test('npm start -- --reproducible prints the README table, figure for figure', () => {
  const out = mkdtempSync(join(tmpdir(), 'metagrad-readme-'));
  try {
    const r = cli(['demo', '--reproducible', '--json', '--out', out]);
    assert.is(r.status, 0, r.stderr);
    const stated = tableAfter('In reproducible mode, `npm start -- --reproducible`');
    assert.is(stated.size, 6);
    for (const row of JSON.parse(r.stdout) as { algo: string; mean: number[]; stderr: number[]; cvar: number[]; worst: number[] }[]) {
      for (const s of [0, 1, 10]) {
        const want = stated.get(`${row.algo} ${s}`);
        assert.ok(want, `README lacks the row ${row.algo} ${s}`);
        assert.equal([row.mean[s], row.stderr[s], row.cvar[s], row.worst[s]].map((v) => v.toFixed(3)), want!.map((v) => v.toFixed(3)), `${row.algo} after ${s} steps`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the thresholds the README states are the code\'s', () => {
  assert.ok(readme.includes(`products under ${WASM_MIN_MACS} multiply-adds`), `README does not say products under ${WASM_MIN_MACS} multiply-adds stay in JS`);
  assert.ok(readme.includes(`on arrays of ${WASM_MIN_ELEMENTS} elements and more`), `README does not say elementwise ops go to WASM from ${WASM_MIN_ELEMENTS} elements`);
});

test('a batched second-order MAML meta-step records the number of ops the README states', () => {
  const m = /the rest in JS across (\d+)\s+recorded ops/.exec(readme);
  assert.ok(m, 'README lacks the op count');
  const learner = new MAML(new MLP([1, 40, 40, 1], { rng: new Rng(0) }), { innerLr: 0.01 });
  const family = new Sinusoid();
  const rng = new Rng(1);
  const tasks = family.sample(rng, 25).map((t) => ({ support: t.sample(rng, 10), query: t.sample(rng, 10) }));
  let ops = 0;
  trace(() => learner.metaGradient(tasks), () => ops++);
  assert.is(ops, Number(m![1]));
});

test.run();
