// Every @example in the library's doc comments (what the API reference shows) runs. Each runs
// with every export of metagrad in scope and a few fixtures, the same prelude docs/README.md
// states: x and v are float64 vectors of 3 (x requires grad), model is an MLP([1, 4, 1]).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as metagrad from '../src/index.ts';
import { checkerSource, withChecks } from './stated-values.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'cli' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.generated.ts') ? [p] : [];
  });
}

const examples: { where: string; code: string }[] = [];
for (const file of sources('src')) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
    const ex = /@example\s*([\s\S]*?)(?=\n\s*@\w|$)/.exec(body);
    if (!ex) continue;
    const line = text.slice(0, m.index).split('\n').length;
    examples.push({ where: `${file}:${line}`, code: ex[1].trim() });
  }
}

const names = Object.keys(metagrad).filter((k) => /^[A-Za-z_]\w*$/.test(k));
const prelude = `import * as metagrad from '${resolve('src/index.ts')}';
const { ${names.join(', ')} } = metagrad;
const x = tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
const v = tensor([1, 0, -1], { dtype: 'float64' });
const model = new MLP([1, 4, 1], { rng: new Rng(0) });
`;

test('every exported function is used by some @example', () => {
  const fns = names.filter((n) => {
    const f = (metagrad as Record<string, unknown>)[n];
    return typeof f === 'function' && !/^class[\s{]/.test(Function.prototype.toString.call(f));
  });
  const all = examples.map((e) => e.code).join('\n');
  const missing = fns.filter((n) => !new RegExp(`\\b${n}\\(`).test(all));
  assert.equal(missing, [], `functions without a runnable example: ${missing.join(', ')}`);
  assert.ok(fns.length > 80, `${fns.length} functions`);
});

test('every @example runs, and where a comment states its result, the result is that', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metagrad-examples-'));
  try {
    let checks = 0;
    // One file, each example in its own block, so a failure names its example.
    const body = examples.map((e, i) => {
      const c = withChecks(e.code, e.where);
      checks += c.checks;
      return `try {\n${c.code}\n} catch (err) { failures.push(${JSON.stringify(e.where)} + ': ' + (err as Error).message); }\n// ${i}`;
    }).join('\n');
    assert.ok(checks >= 60, `only ${checks} stated results found`);
    const path = join(dir, 'examples.mts'); // .mts: ESM outside this package (initWasm's example awaits)
    writeFileSync(path, `${prelude}\n${checkerSource('Tensor')}\nconst failures: string[] = [];\n${body}\nif (failures.length) { console.error(failures.join('\\n')); process.exit(1); }\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
