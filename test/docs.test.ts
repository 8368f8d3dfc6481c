// Every ```ts block in README.md and docs/*.md runs, so the docs cannot rot. Blocks import from
// 'metagrad'; here that is this checkout's src/index.ts. A block fails the test by throwing,
// and a line whose comment states a value (`expr // [2, 3]`) must give that value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { checkerSource, withChecks } from './stated-values.ts';

const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
const entry = resolve('src/index.ts');
const dir = mkdtempSync(join(tmpdir(), 'metagrad-docs-'));
let total = 0;
let stated = 0;

for (const file of files) {
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  blocks.forEach((code, i) => {
    total++;
    test(`${file} sample ${i + 1} runs`, () => {
      const path = join(dir, `${file.replace(/\W/g, '_')}_${i + 1}.ts`);
      const checked = withChecks(code.replace(/from 'metagrad'/g, `from '${entry}'`), `${file} sample ${i + 1}`);
      stated += checked.checks;
      writeFileSync(path, `import { Tensor as __Tensor } from '${entry}';\n${checkerSource('__Tensor')}\n${checked.code}`);
      let run = path;
      if (code.includes("'@tensorflow/")) {
        // TensorFlow.js's ESM files import without extensions (for bundlers), and its backends
        // must share one copy of its registry with the gradients: bundle the sample first.
        run = path.replace(/\.ts$/, '.mjs');
        buildSync({
          entryPoints: [path], bundle: true, platform: 'node', format: 'esm', mainFields: ['module', 'main'], outfile: run,
          nodePaths: [resolve('node_modules')], logLevel: 'error',
          banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
        });
      }
      const r = spawnSync(process.execPath, ['--import', 'tsx', run], { encoding: 'utf8' });
      assert.is(r.status, 0, `${file} sample ${i + 1} failed:\n${r.stderr}`);
    });
  });
}

// A block opened as ```ts path/to/file is an excerpt of that file: it must appear there verbatim.
for (const file of files) {
  for (const m of readFileSync(file, 'utf8').matchAll(/```ts ([\w./-]+)\n([\s\S]*?)```/g)) {
    test(`${file}: the excerpt of ${m[1]} is in it verbatim`, () => {
      const source = readFileSync(m[1], 'utf8');
      // the page indents nothing; compare line by line with the source's own indentation
      assert.ok(source.includes(m[2]), `${file} quotes ${m[1]}, but these lines are not in it:\n${m[2]}`);
    });
  }
}

test('the docs have samples to run, and values stated in them to check', () => {
  assert.ok(total >= 8, `only ${total} samples found`);
  assert.ok(stated >= 5, `only ${stated} stated values found`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
