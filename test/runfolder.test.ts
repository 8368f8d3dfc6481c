// Run folders are consistent or refused: a killed run resumes to the same bytes, a second
// writer is kept out, a folder whose config and weights disagree is refused, a diverging run
// stops with the last finite parameters, and no bad input reaches exit code 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, writeAtomic } from '../src/cli/io.ts';
import { fromSafetensors } from '../src/index.ts';
import { cli, cliArgs } from './command.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-runs-'));
const SMALL = ['--meta-steps', '30', '--meta-batch', '4', '--shots', '5', '--hidden', '16', '--seed', '7', '--quiet'];

test('a run killed mid-way resumes from its checkpoint to the same bytes as an uninterrupted run', () => {
  const whole = join(dir, 'whole');
  assert.is(cli(['train', ...SMALL, '--out', whole]).status, 0);
  const cut = join(dir, 'cut');
  const killed = cli(['train', ...SMALL, '--out', cut, '--checkpoint-every', '10'], { METAGRAD_TEST_KILL_AFTER_STEP: '25' });
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status} ${killed.stderr}`);
  assert.ok(existsSync(join(cut, 'checkpoint.safetensors')), 'the step-20 checkpoint is there');
  assert.not.ok(existsSync(join(cut, 'model.safetensors')), 'no model yet');
  assert.ok(existsSync(join(cut, '.lock')), 'the killed run left its lock');
  assert.is(fromSafetensors(readFileSync(join(cut, 'checkpoint.safetensors'))).metadata.step, '20');
  writeFileSync(join(cut, '.1700000000000-12345-abc123.tmp'), 'half a file a crash left');
  // the killed run's folder is refused by eval until it is resumed
  const early = cli(['eval', '--run', cut, '--tasks', '3']);
  assert.is(early.status, 2);
  assert.match(early.stderr, 'no checkpoint at');
  // --resume takes the config from the folder and no training options
  const clash = cli(['train', '--out', cut, '--resume', '--algo', 'reptile']);
  assert.is(clash.status, 2);
  assert.match(clash.stderr, 'drop --algo');
  const resumed = cli(['train', '--out', cut, '--resume', '--quiet']);
  assert.is(resumed.status, 0, resumed.stderr);
  assert.ok(Buffer.compare(readFileSync(join(cut, 'model.safetensors')), readFileSync(join(whole, 'model.safetensors'))) === 0, 'same model bytes');
  const curve = (d: string) => JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')).curve;
  assert.equal(curve(cut), curve(whole));
  assert.equal(JSON.parse(readFileSync(join(cut, 'metrics.json'), 'utf8')).eval.mean, JSON.parse(readFileSync(join(whole, 'metrics.json'), 'utf8')).eval.mean);
  const left = readdirSync(cut);
  for (const gone of ['checkpoint.safetensors', '.lock', '.1700000000000-12345-abc123.tmp']) assert.not.ok(left.includes(gone), `${gone} left behind`);
  const noCheckpoint = cli(['train', '--out', whole, '--resume']);
  assert.is(noCheckpoint.status, 2);
  assert.match(noCheckpoint.stderr, 'has no checkpoint.safetensors');
});

test('a sampler run (CEM, buffer, flow) resumes to the same bytes: its state is in the checkpoint', () => {
  for (const sampler of [['--sampler', 'cem', '--cem-batch', '12'], ['--algo', 'rmaml'], ['--sampler', 'flow', '--flow-interval', '4', '--flow-lr', '0.01']]) {
    const name = sampler.join('');
    const whole = join(dir, `whole${name}`);
    assert.is(cli(['train', ...SMALL, ...sampler, '--out', whole]).status, 0);
    const cut = join(dir, `cut${name}`);
    const killed = cli(['train', ...SMALL, ...sampler, '--out', cut, '--checkpoint-every', '10'], { METAGRAD_TEST_KILL_AFTER_STEP: '25' });
    assert.is(killed.signal, 'SIGKILL', `status ${killed.status} ${killed.stderr}`);
    const resumed = cli(['train', '--out', cut, '--resume', '--quiet']);
    assert.is(resumed.status, 0, resumed.stderr);
    const model = (d: string) => readFileSync(join(d, 'model.safetensors'));
    assert.ok(Buffer.compare(model(cut), model(whole)) === 0, `${name}: same model and sampler bytes`);
    const tensors = fromSafetensors(model(whole)).tensors;
    assert.ok(Object.keys(tensors).some((k) => k.startsWith('sampler.')), `${name}: the sampler's state is saved with the model`);
    assert.ok('sampler.draws' in tensors, `${name}: where it drew is saved too`);
    const draws = (d: string) => readFileSync(join(d, 'sampler-draws.svg'), 'utf8');
    assert.is(draws(cut), draws(whole), `${name}: the same picture of the draws`);
    const history = (d: string) => JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')).sampler.history;
    assert.equal(history(cut), history(whole));
  }
});

test('a folder whose config.json belongs to a run that never finished is refused by eval', () => {
  const run = join(dir, 'reused');
  assert.is(cli(['train', ...SMALL, '--out', run]).status, 0);
  // a second run with another algorithm into the same folder, killed before it saved its model
  const killed = cli(['train', ...SMALL, '--algo', 'pretrain', '--out', run], { METAGRAD_TEST_KILL_AFTER_STEP: '3' });
  assert.is(killed.signal, 'SIGKILL');
  assert.is(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).algo, 'pretrain');
  const r = cli(['eval', '--run', run, '--tasks', '3']);
  assert.is(r.status, 2);
  assert.match(r.stderr, 'no checkpoint at');
  assert.not.match(r.stderr, 'maml');
});

test('one writer at a time: a live lock refuses, a stale one is taken over', async () => {
  const run = join(dir, 'locked');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, '.lock'), JSON.stringify({ pid: process.pid, host: hostname() }));
  const refused = cli(['train', ...SMALL, '--out', run]);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, `is being written by another metagrad (pid ${process.pid}`);
  assert.not.ok(existsSync(join(run, 'config.json')), 'nothing was written');
  // a pid that no longer runs: the lock is stale
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(run, '.lock'), JSON.stringify({ pid: gone, host: hostname() }));
  const taken = cli(['train', ...SMALL, '--out', run]);
  assert.is(taken.status, 0, taken.stderr);
  assert.not.ok(existsSync(join(run, '.lock')));
  // two real processes: the second, started while the first holds the lock, is refused
  const first = spawn(process.execPath, cliArgs(['train', '--meta-steps', '10000000', '--meta-batch', '2', '--hidden', '4', '--quiet', '--out', run]));
  const firstExit = new Promise<string | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
  for (let i = 0; i < 400 && !existsSync(join(run, '.lock')); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(join(run, '.lock')), 'the first run took the lock');
  const second = cli(['train', ...SMALL, '--out', run]);
  first.kill('SIGTERM');
  assert.is(second.status, 2);
  assert.match(second.stderr, `pid ${first.pid}`);
  assert.is(await firstExit, 'SIGTERM', 'SIGTERM stops the first run mid-training, as Ctrl-C would');
  // its lock stays behind, naming a pid that is gone: the next run takes it over
  assert.ok(existsSync(join(run, '.lock')));
  const after = cli(['train', ...SMALL, '--out', run]);
  assert.is(after.status, 0, after.stderr);
  assert.not.ok(existsSync(join(run, '.lock')));
});

test('a diverging run stops at the first non-finite loss, keeps the last finite parameters and exits 3', () => {
  const run = join(dir, 'diverged');
  const r = cli(['train', ...SMALL, '--outer-lr', '1e30', '--out', run]);
  assert.is(r.status, 3, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], /training diverged at meta-step \d+/);
  const { tensors } = fromSafetensors(readFileSync(join(run, 'model.safetensors')));
  for (const [name, t] of Object.entries(tensors)) assert.ok(t.data.every((v) => Number.isFinite(v)), `${name} is not finite`);
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.ok(metrics.diverged.step >= 1 && metrics.metaSteps === metrics.diverged.step, JSON.stringify(metrics.diverged));
  assert.is(cli(['eval', '--run', run, '--tasks', '3', '--steps', '0']).status, 0, 'the kept parameters evaluate');
});

test('sizes are bounded and config.json is checked: bad input ends in one line and exit 2, never 1', () => {
  const cases: [string[], string][] = [
    [['train', '--hidden', '1000000000'], "--hidden must be comma-separated integers from 1 to 65536, got '1000000000'"],
    [['train', '--hidden', '60000,60000'], '--hidden 60000,60000 makes a model of 3.60e+9 parameters'],
    [['train', '--hidden', '4,,4'], '--hidden must be comma-separated integers'],
    [['train', '--seed=-1'], '--seed must be an integer from 0'],
    [['train', '--checkpoint-every', 'x'], '--checkpoint-every must be an integer'],
    [['train', '--resume'], '--resume needs --out DIR'],
  ];
  const base = join(dir, 'whole');
  const config = JSON.parse(readFileSync(join(base, 'config.json'), 'utf8'));
  const broken: [string, unknown, string][] = [
    ['null', null, 'expected a JSON object, got null'],
    ['nohidden', { ...config, hidden: undefined }, "the field 'hidden' is missing"],
    ['badhidden', { ...config, hidden: [0] }, 'hidden must be comma-separated integers from 1 to 65536'],
    ['badalgo', { ...config, algo: 'gpt' }, 'algo must be one of maml'],
    ['badlr', { ...config, innerLr: 'fast' }, "innerLr must be a number >= 0, got 'fast'"],
  ];
  for (const [name, content, msg] of broken) {
    const run = join(dir, `config-${name}`);
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'config.json'), JSON.stringify(content));
    cases.push([['eval', '--run', run], msg]);
  }
  for (const [args, msg] of cases) {
    const r = cli(args);
    assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(lines[0].includes(msg), `${args.join(' ')}: "${lines[0]}" lacks "${msg}"`);
  }
});

test('a write into a folder that is gone is a one-line UsageError, not an internal error', () => {
  const gone = join(dir, 'gone');
  mkdirSync(gone);
  rmSync(gone, { recursive: true });
  assert.throws(() => writeAtomic(join(gone, 'model.safetensors'), 'x'), (e: unknown) =>
    e instanceof UsageError && (e as Error).message.includes('its folder no longer exists'));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
