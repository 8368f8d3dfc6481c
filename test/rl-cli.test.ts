// Meta-RL on the command line: `train --env pointnav` writes the run folder, its policy is the
// one metaTrainRL makes in this process from the same config, its metrics and `eval` are
// evaluateRL's numbers on those weights; the oracle and a discrete-action map train too; bad
// flags, a mixed-up run kind and a broken config.json get one line and exit code 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, Rng, makeRLFamily, makeRLPolicy, metaTrainRL, rlRunConfig } from '../src/index.ts';
import { evalRL, loadRLRun, rlTrainEval } from '../src/cli/rl-run.ts';
import { rlTrainOptions } from '../src/rl/run-config.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { cli as runCli } from './command.ts';
import { assertThrowsTyped } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'metagrad-rl-cli-'));
const cli = (...args: string[]) => runCli(args);
const SMALL = ['--meta-steps', '3', '--meta-batch', '4', '--episodes', '4', '--hidden', '16', '--seed', '2'];

test('train --env pointnav: the run folder holds the policy metaTrainRL makes from its config; metrics and eval are evaluateRL on it', () => {
  const out = join(dir, 'nav');
  // --reproducible: the command's relaxed-SIMD kernels (fused multiply-add) would round otherwise than this process's
  const r = cli('train', '--env', 'pointnav', ...SMALL, '--reproducible', '--out', out, '--json');
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.metaSteps, 3);
  for (const f of ['config.json', 'model.safetensors', 'metrics.json', 'learning-curve.svg', 'paths.svg']) assert.ok(existsSync(join(out, f)), f);

  // the same config trained here: the same weights, the same curve
  const c = rlRunConfig({ env: 'pointnav', 'meta-steps': 3, 'meta-batch': 4, episodes: 4, hidden: '16', seed: 2, reproducible: true });
  setReproducible(true);
  const family = makeRLFamily(c);
  const policy = makeRLPolicy(c, family);
  const curve = metaTrainRL({ family, policy, metaSteps: 3, rng: new Rng(1002), ...rlTrainOptions(c) });
  const run = loadRLRun(out);
  assert.equal(run.config, c);
  for (const [name, p] of run.policy.namedParameters()) assert.equal(Array.from(p.data), Array.from(policy.paramMap().get(name)!.data), name);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.curve.before, curve.before);
  assert.equal(metrics.curve.after, curve.after);
  assert.equal(j.finalReturn, { before: curve.before[2], after: curve.after[2] });
  const ev = evalRL(c, policy, family, rlTrainEval(c));
  assert.is(ev.perTask[0].length, 4); // a meta-batch's 4 tasks
  assert.equal(metrics.eval.mean, ev.mean);
  assert.equal(metrics.eval.cvar, ev.cvar);

  const e = cli('eval', '--run', out, '--tasks', '3', '--episodes', '3', '--steps', '1', '--alpha', '0.3', '--json');
  assert.is(e.status, 0, e.stderr);
  const got = JSON.parse(e.stdout);
  const want = evalRL(c, run.policy, run.family, { tasks: 3, episodes: 3, steps: 1, alpha: 0.3, seed: 0 });
  assert.equal([got.mean, got.stderr, got.cvar, got.worst], [want.mean, want.stderr, want.cvar, want.worst]);
  // CVaR at 0.3 of three tasks is the mean of the lowest ceil(0.9) = 1 return: the worst
  assert.equal(got.cvar, got.worst);
  const table = cli('eval', '--run', out, '--tasks', '3', '--episodes', '3', '--steps', '1');
  assert.is(table.status, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`\\| maml-trpo \\| 1 \\| ${want.mean[1].toFixed(2)} \\| ${want.stderr[1].toFixed(2)} \\|`));
});

test('train: the oracle sees the task; a cheetah run draws its x over an episode; a discrete map trains a categorical policy; pretrain does not adapt', () => {
  const oracle = cli('train', '--env', 'cheetah-vel', '--algo', 'oracle', '--action-scale', '10', ...SMALL, '--out', join(dir, 'oracle'));
  assert.is(oracle.status, 0, oracle.stderr);
  assert.match(oracle.stderr, /3\/3 .* return -\d+\.\d kl 0\.\d{4} \d+\.\d s/); // the progress line: return, KL, seconds
  assert.match(oracle.stdout, /\| oracle \| 3 \| -\d+\.\d\d \|/);
  const o = loadRLRun(join(dir, 'oracle'));
  assert.is((o.policy as unknown as { obsSize: number }).obsSize, 18); // 17 + the target velocity
  // pytorch-maml-rl's action scale: kept in config.json, the family rebuilt with it
  assert.is(o.config.actionScale, 10);
  assert.equal(o.family.actionSpace, { kind: 'box', low: new Array(6).fill(-10), high: new Array(6).fill(10) });
  assert.is(JSON.parse(readFileSync(join(dir, 'nav', 'config.json'), 'utf8')).actionScale, undefined, 'absent unless given');
  assertThrowsTyped(() => makeRLFamily(rlRunConfig({ env: 'khazaddum', 'action-scale': 2 })), ArgumentError, 'makeRLFamily', 'actionScale (--action-scale)', 'discrete');
  const zero = cli('train', '--env', 'cheetah-vel', '--action-scale', '0', ...SMALL, '--out', join(dir, 'zero'));
  assert.is(zero.status, 2);
  assert.match(zero.stderr, /--action-scale must be a number > 0 and <= 1000000, got '0'/);
  const xpos = readFileSync(join(dir, 'oracle', 'xpos.svg'), 'utf8');
  for (const label of ['before adapting', 'after 1 step', 'after 2 steps']) assert.ok(xpos.includes(label), label);
  // CVaR-ML's weights on a pretrained policy (each task's advantages scaled by its weight)
  const map = cli('train', '--env', 'khazaddum', '--algo', 'pretrain', '--sampler', 'cvar', '--cvar-alpha', '0.5', ...SMALL, '--out', join(dir, 'map'), '--json');
  assert.is(map.status, 0, map.stderr);
  const m = loadRLRun(join(dir, 'map'));
  assert.equal([m.config.sampler, m.config.cvarAlpha], ['cvar', 0.5]);
  assert.ok(readFileSync(join(dir, 'map', 'paths.svg'), 'utf8').includes('a path over the map'), 'the map run draws its paths over the map');
  assert.is(m.policy.constructor.name, 'CategoricalPolicy');
  const metrics = JSON.parse(readFileSync(join(dir, 'map', 'metrics.json'), 'utf8'));
  assert.equal(metrics.curve.before, metrics.curve.after);
});

test('a meta-RL run killed mid-way resumes from its checkpoint to the same policy, sampler state and curve', () => {
  const args = ['train', '--env', 'pointnav', '--sampler', 'buffer', '--meta-steps', '4', '--meta-batch', '4', '--episodes', '2', '--hidden', '8', '--quiet'];
  const whole = join(dir, 'whole');
  assert.is(cli(...args, '--out', whole).status, 0);
  const cut = join(dir, 'cut');
  const killed = runCli([...args, '--out', cut, '--checkpoint-every', '2'], { METAGRAD_TEST_KILL_AFTER_STEP: '3' });
  assert.is(killed.signal, 'SIGKILL', `status ${killed.status} ${killed.stderr}`);
  assert.ok(existsSync(join(cut, 'checkpoint.safetensors')) && !existsSync(join(cut, 'model.safetensors')));
  assert.ok(cli('train', '--out', cut, '--resume', '--episodes', '3').stderr.includes('drop --episodes'));
  const resumed = cli('train', '--out', cut, '--resume', '--quiet');
  assert.is(resumed.status, 0, resumed.stderr);
  assert.ok(Buffer.compare(readFileSync(join(cut, 'model.safetensors')), readFileSync(join(whole, 'model.safetensors'))) === 0, 'same policy and sampler bytes');
  const curve = (d: string) => JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')).curve;
  assert.equal([curve(cut).before, curve(cut).after, curve(cut).kl], [curve(whole).before, curve(whole).after, curve(whole).kl]);
  assert.not.ok(existsSync(join(cut, 'checkpoint.safetensors')), 'the checkpoint is gone once the run is done');
});

test('bad input: one line, exit code 2, naming the flag or the file', () => {
  const cases: [string[], string][] = [
    [['train', '--env', 'cheetah-vel', '--shots', '3'], '--shots is not an option of meta-RL runs (--env cheetah-vel)'],
    [['train', '--env', 'sinusoid', '--max-kl', '3'], '--max-kl is an option of meta-RL runs'],
    [['train', '--env', 'pointnav', '--algo', 'maml'], "--algo must be one of maml-trpo, fomaml-trpo, pretrain, oracle, got 'maml'"],
    [['train', '--env', 'pointnav', '--episodes', '0'], "--episodes must be an integer from 1 to 10000, got '0'"],
    [['train', '--env', 'pointnav', '--checkpoint-every', 'x'], "--checkpoint-every must be an integer from 0"],
    [['eval', '--run', join(dir, 'nav'), '--shots', '3'], '--shots is an option of supervised runs; this run is meta-RL'],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
  }
  const broken = join(dir, 'oracle', 'config.json');
  const config = JSON.parse(readFileSync(broken, 'utf8'));
  writeFileSync(broken, JSON.stringify({ ...config, maxKL: -1 }));
  const r = cli('eval', '--run', join(dir, 'oracle'));
  assert.is(r.status, 2);
  assert.ok(r.stderr.includes('config.json: maxKL must be a number > 0'), r.stderr);
  writeFileSync(broken, JSON.stringify({ ...config, shots: 5 }));
  assert.ok(cli('eval', '--run', join(dir, 'oracle')).stderr.includes("unknown field 'shots' for a meta-RL run"));
});

test.run();
