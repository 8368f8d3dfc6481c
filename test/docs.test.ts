// Every ```ts block in README.md and docs/*.md runs, so the docs cannot rot. Blocks import from
// 'metagrad'; here that is this checkout's src/index.ts. A block fails the test by throwing,
// and a line whose comment states a value (`expr // [2, 3]`) must give that value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
      const r = spawnSync(process.execPath, ['--import', 'tsx', path], { encoding: 'utf8' });
      assert.is(r.status, 0, `${file} sample ${i + 1} failed:\n${r.stderr}`);
    });
  });
}

test('the docs have samples to run', () => {
  assert.ok(total >= 8, `only ${total} samples found`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
