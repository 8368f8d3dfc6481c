// The metagrad command: a short training run writes every file, eval reproduces with the same
// seed, --json prints one parseable value, and bad input gets one line and exit code 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli as runCli } from './command.ts';
import { saveRun, train } from '../src/cli/run.ts';
import { trainConfig } from '../src/cli/config.ts';
import { setReproducible } from '../src/kernels/backend.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-cli-'));
const cli = (...args: string[]) => runCli(args);

test('train writes config, checkpoint, metrics and plots; --json prints the required fields', () => {
  const out = join(dir, 'run');
  const r = cli('train', '--algo', 'metasgd', '--meta-steps', '30', '--meta-batch', '4', '--seed', '3', '--out', out, '--json');
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 1, 'exactly one JSON value on stdout');
  const j = JSON.parse(lines[0]);
  assert.is(j.metaSteps, 30);
  assert.is(j.out, out);
  assert.ok(j.seconds > 0 && j.metaStepsPerSecond > 0);
  for (const f of ['config.json', 'model.safetensors', 'metrics.json', 'learning-curve.svg', 'tasks-1.svg', 'loss-map.svg']) assert.ok(existsSync(join(out, f)), f);
  assert.not.ok(existsSync(join(out, 'sampler-draws.svg')), 'a uniform run records no draws');
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.is(metrics.curve.loss.length, 30);
  assert.ok(readFileSync(join(out, 'tasks-1.svg'), 'utf8').startsWith('<svg'));
});

test('train --gradient-surgery pcgrad: recorded in config.json, the in-process run\'s weights; refused with --workers 2 or a weighing sampler', () => {
  const args = ['--meta-steps', '12', '--meta-batch', '4', '--hidden', '8,8', '--seed', '5', '--reproducible', '--gradient-surgery', 'pcgrad'];
  const out = join(dir, 'pcgrad');
  const r = cli('train', ...args, '--quiet', '--out', out);
  assert.is(r.status, 0, r.stderr);
  assert.is(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).gradientSurgery, 'pcgrad');
  const here = join(dir, 'pcgrad-here');
  mkdirSync(here);
  const c = trainConfig({ 'meta-steps': '12', 'meta-batch': '4', hidden: '8,8', seed: '5', reproducible: true, 'gradient-surgery': 'pcgrad' });
  try {
    saveRun(here, c, train(c, { quiet: true }));
  } finally {
    setReproducible(false);
  }
  assert.ok(Buffer.compare(readFileSync(join(out, 'model.safetensors')), readFileSync(join(here, 'model.safetensors'))) === 0, 'the command\'s weights are the in-process run\'s');
  const plain = trainConfig({ 'meta-steps': '12', 'meta-batch': '4', hidden: '8,8', seed: '5', reproducible: true });
  assert.not.ok('gradientSurgery' in plain, 'a run without it keeps its config.json bytes');
  try {
    assert.not.equal(Array.from(train(plain, { quiet: true }).losses), JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).curve.loss, 'surgery changes the run');
  } finally {
    setReproducible(false);
  }
  const threads = cli('train', ...args, '--workers', '2', '--out', join(dir, 'pcgrad-2'));
  assert.is(threads.status, 2);
  assert.is(threads.stderr.trim(), 'metagrad train: --gradient-surgery pcgrad takes the tasks\' gradients one by one in this thread; it cannot split them over --workers 2');
  const cvar = cli('train', ...args, '--sampler', 'cvar', '--out', join(dir, 'pcgrad-cvar'));
  assert.is(cvar.status, 2);
  assert.match(cvar.stderr, "gradientSurgery 'pcgrad' combines the tasks' gradients itself; the sampler 'cvar' weighs them");
  assert.is(cvar.stderr.trim().split('\n').length, 1, cvar.stderr);
});

test('train --workers 2 splits each meta-batch over two threads: the same numbers twice, one thread\'s up to rounding', () => {
  const runs = [2, 2, 1].map((workers, i) => {
    const r = cli('train', '--meta-steps', '20', '--meta-batch', '6', '--seed', '5', '--workers', String(workers), '--out', join(dir, `w${i}`), '--json', '--quiet');
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).finalLoss as number;
  });
  assert.is(runs[0], runs[1], 'same seed, same workers: same numbers');
  assert.ok(Math.abs(runs[0] - runs[2]) < 1e-4 * (1 + runs[2]), `two threads ${runs[0]} vs one ${runs[2]}`);
  assert.is(JSON.parse(readFileSync(join(dir, 'w0', 'config.json'), 'utf8')).workers, 2);
  // an objective that weighs tasks (CVaR-ML) over two threads: one thread's numbers up to rounding
  const cvar = [2, 1].map((workers, i) => {
    const r = cli('train', '--sampler', 'cvar', '--meta-steps', '10', '--meta-batch', '6', '--seed', '5', '--workers', String(workers), '--out', join(dir, `c${i}`), '--json', '--quiet');
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).finalLoss as number;
  });
  assert.ok(Math.abs(cvar[0] - cvar[1]) < 1e-4 * (1 + cvar[1]), `CVaR-ML: two threads ${cvar[0]} vs one ${cvar[1]}`);
});

test('eval --json has the documented fields and is reproducible with the same seed', () => {
  const run = join(dir, 'run');
  const a = cli('eval', '--run', run, '--tasks', '20', '--shots', '5', '--steps', '3', '--alpha', '0.2', '--seed', '4', '--json');
  assert.is(a.status, 0, a.stderr);
  const j = JSON.parse(a.stdout);
  assert.is(j.tasks, 20);
  assert.is(j.shots, 5);
  assert.is(j.alpha, 0.2);
  assert.equal(j.steps, [0, 1, 2, 3]);
  for (const k of ['mean', 'stderr', 'cvar', 'worst']) assert.is(j[k].length, 4, k);
  for (let s = 0; s < 4; s++) assert.ok(j.worst[s] >= j.cvar[s] && j.cvar[s] >= j.mean[s]);
  // the shifted set (amplitudes in the top third): same fields, and harder before adapting
  for (const k of ['mean', 'stderr', 'cvar', 'worst', 'diverged']) assert.is(j.shifted[k].length, 4, k);
  assert.ok(j.shifted.mean[0] > j.mean[0], `shifted ${j.shifted.mean[0]} vs ${j.mean[0]}`);
  const b = cli('eval', '--run', run, '--tasks', '20', '--shots', '5', '--steps', '3', '--alpha', '0.2', '--seed', '4', '--json');
  assert.equal(JSON.parse(b.stdout), j);
  const table = cli('eval', '--run', run, '--tasks', '5', '--steps', '1');
  assert.is(table.status, 0);
  assert.match(table.stdout, '| learner | after steps | mean | ± stderr | CVaR@0.1 | worst |');
  assert.match(table.stdout, 'shifted: 5 held-out tasks with amplitudes in the top third of the range');
});

test('bad input: one line on stderr, exit code 2, no stack trace', () => {
  const cases: [string[], string][] = [
    [['train', '--env', 'mujoco'], "--env must be one of sinusoid, robust-sine, pendulum-sysid, cartpole-sysid, msr-rank1, msr-rank2, msr-rank5, digits-fewshot (meta-learning), pointnav, reach2d, cheetah-vel, cheetah-dir, cheetah-body, cheetah-noisevel, pendulum, cartpole, khazaddum (meta-RL) or rotated-digits, group-shift-2d (group shift), got 'mujoco'"],
    [['train', '--algo', 'sgd'], '--algo must be one of'],
    [['train', '--meta-steps', 'ten'], "--meta-steps must be an integer from 0 to 10000000, got 'ten'"],
    [['train', '--inner-lr=-1'], '--inner-lr must be a number >= 0'],
    [['train', '--inner-lr', '-1'], "Option '--inner-lr' argument is ambiguous"],
    [['train', '--outer-lr', '0'], '--outer-lr must be a number > 0'],
    [['train', '--shots', '0'], '--shots must be an integer from 1'],
    [['train', '--workers', '0'], '--workers must be an integer from 1 to 64, got'],
    [['train', '--out', '/proc/metagrad-cannot', '--meta-steps', '1'], "cannot write to output folder '/proc/metagrad-cannot'"],
    [['train', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['eval'], '--run DIR is required'],
    [['eval', '--run', join(dir, 'nope')], 'no run config'],
    [['eval', '--run', join(dir, 'run'), '--alpha', '2'], '--alpha must be a number > 0 and <= 1'],
    [['launch'], "unknown command 'launch'"],
  ];
  for (const [args, msg] of cases) {
    const r = cli(...args);
    assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(lines[0].includes(msg), `${args.join(' ')}: "${lines[0]}" lacks "${msg}"`);
    assert.not.match(r.stderr, /\n\s+at /);
  }
});

test('a corrupted or mismatched checkpoint is refused in one line', () => {
  const run = join(dir, 'run');
  const ckpt = join(run, 'model.safetensors');
  const good = readFileSync(ckpt);
  const bad = Buffer.from(good);
  bad[bad.length - 3] ^= 0xff;
  writeFileSync(ckpt, bad);
  let r = cli('eval', '--run', run, '--tasks', '2');
  assert.is(r.status, 2);
  assert.match(r.stderr, 'checksum mismatch');
  writeFileSync(ckpt, good.subarray(0, good.length - 100));
  r = cli('eval', '--run', run, '--tasks', '2');
  assert.is(r.status, 2);
  assert.match(r.stderr, 'truncated');
  writeFileSync(ckpt, good);
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  writeFileSync(join(run, 'config.json'), JSON.stringify({ ...config, hidden: [8] }));
  r = cli('eval', '--run', run, '--tasks', '2');
  assert.is(r.status, 2);
  assert.match(r.stderr, 'config.json and model.safetensors disagree (hidden: [8] vs [40,40])');
  assert.is(r.stderr.trim().split('\n').length, 1);
  writeFileSync(join(run, 'config.json'), JSON.stringify(config, null, 2) + '\n');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
