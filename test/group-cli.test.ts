// Group-shift runs on the command line: train writes the folder, its losses are those of the
// same run in this process, eval's accuracies are the stored weights' on every group; the
// rotated digits load from the mnist package; bad flags get one line and exit code 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/index.ts';
import { groupRunConfig, makeGroupRun } from '../src/meta/group-run.ts';
import { loadGroupRun } from '../src/cli/group-run.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { cli as runCli } from './command.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-groups-'));
const cli = (...args: string[]) => runCli(args);

test('train --env group-shift-2d --algo dro: the losses of the same run here; eval is the stored weights\' accuracy per group', () => {
  const out = join(dir, 'dro');
  const r = cli('train', '--env', 'group-shift-2d', '--algo', 'dro', '--steps', '40', '--hidden', '8,8', '--seed', '3', '--reproducible', '--out', out, '--json');
  assert.is(r.status, 0, r.stderr);
  for (const f of ['config.json', 'model.safetensors', 'metrics.json', 'groups.svg']) assert.ok(existsSync(join(out, f)), f);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  setReproducible(true);
  const { learner } = makeGroupRun(groupRunConfig({ env: 'group-shift-2d', algo: 'dro', steps: 40, hidden: '8,8', seed: 3, reproducible: true }));
  const rng = new Rng(1003);
  assert.equal(Array.from({ length: 40 }, () => learner.trainStep(rng)), metrics.losses);
  assert.equal(learner.groupWeights, metrics.groupWeights);
  const e = cli('eval', '--run', out, '--json');
  assert.is(e.status, 0, e.stderr);
  const got = JSON.parse(e.stdout);
  assert.equal(got.perGroup, loadGroupRun(out).learner.evaluate(50).perGroup);
  assert.equal(got.perGroup, metrics.accuracy.perGroup);
  assert.is(got.worst, Math.min(...got.perGroup));
});

test('train --env rotated-digits reads the digits and trains ARM-LL; bad input gets one line and exit code 2', () => {
  const out = join(dir, 'digits');
  const r = cli('train', '--env', 'rotated-digits', '--algo', 'arm-ll', '--steps', '3', '--hidden', '8', '--out', out, '--quiet');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| arm-ll \| 0° \| 10° \|/);
  assert.is(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).accuracy.perGroup.length, 14);
  const cases: [string[], string][] = [
    [['train', '--env', 'rotated-digits', '--algo', 'maml'], "--algo must be one of erm, uw, dro, arm-cml, arm-bn, arm-ll, got 'maml'"],
    [['train', '--env', 'rotated-digits', '--shots', '3'], '--shots is not an option of group-shift runs'],
    [['train', '--env', 'sinusoid', '--batch-size', '3'], '--batch-size is an option of group-shift runs'],
    [['eval', '--run', out, '--episodes', '3'], '--episodes is not an option of group-shift runs'],
  ];
  for (const [args, message] of cases) {
    const c = cli(...args);
    assert.is(c.status, 2, `${args.join(' ')}: ${c.stderr}`);
    assert.is(c.stderr.trim().split('\n').length, 1, c.stderr);
    assert.ok(c.stderr.includes(message), `${args.join(' ')}: ${c.stderr}`);
  }
});

test.run();
