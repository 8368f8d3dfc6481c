// Adding an environment, a learner or a sampler is one entry and one registration: this file
// defines a toy task family (lines y = a·x + b, with an option of its own), a toy learner (MAML
// under its own option names) and a toy sampler (slopes below a bound, with a history),
// registers them, and runs `metagrad train --help`, `train` and `eval` on them in-process. The
// command line learns their options from the registry alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArgumentError, MAML, Rng, Tensor, environment, environmentNames, learnerEntry, learnerNames, registerEnvironment, registerLearner,
  registerSampler, samplerEntry, samplerNames, type EnvironmentEntry, type LearnerEntry, type SamplerEntry, type Task, type TaskFamily,
} from '../src/index.ts';
import { runCommand } from '../src/cli/commands.ts';
import { UsageError } from '../src/cli/io.ts';
import { assertThrowsTyped } from './helpers.ts';

/** A stand-in picture: which learner drew it on which family. */
const linePlotForTests = (learner: string, family: string) => `<svg><text>${learner} on ${family}</text></svg>`;

/** Tasks y = a·x + b + noise·N(0, 1), x in [-1, 1], id (a, b) in [-1, 1]². */
class Lines implements TaskFamily {
  readonly name = 'line';
  readonly idNames = ['slope', 'intercept'];
  readonly idLow = [-1, -1];
  readonly idHigh = [1, 1];
  readonly inputSize = 1;
  readonly outputSize = 1;
  readonly loss = 'mse' as const;
  constructor(readonly noise: number) {}
  sample(rng: Rng, n: number): Task[] {
    return Array.from({ length: n }, () => this.task([rng.uniform(-1, 1), rng.uniform(-1, 1)]));
  }
  task(id: readonly number[]): Task {
    return {
      id,
      sample: (rng: Rng, n: number) => {
        const x = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
        const y = x.map((v) => id[0] * v + id[1] + this.noise * rng.normal());
        return { x: new Tensor(x, [n, 1]), y: new Tensor(y, [n, 1]) };
      },
    };
  }
}

const lineEntry: EnvironmentEntry = {
  name: 'line',
  summary: 'toy regression on lines y = a x + b',
  options: [{ flag: 'noise', field: 'noise', kind: 'number', min: () => 0, max: 1, dflt: () => 0, arg: 'X', help: 'label noise (default 0)' }],
  create: (o) => new Lines(o.noise as number),
  plots: (family, learner) => [linePlotForTests(learner.name, family.name)],
};

const toyEntry: LearnerEntry = {
  name: 'toy-maml',
  summary: 'MAML under options of its own',
  options: [
    { flag: 'toy-steps', field: 'toySteps', kind: 'int', min: () => 1, max: 5, dflt: () => 2, arg: 'N', help: 'inner steps of the toy (default 2)' },
    { flag: 'toy-lr', field: 'toyLr', kind: 'number', min: () => 0, dflt: () => 0.1, arg: 'X', help: 'inner rate of the toy (default 0.1)' },
  ],
  create: (model, family, o) => new MAML(model, { innerSteps: o.toySteps as number, innerLr: o.toyLr as number, loss: family.loss, name: 'toy-maml' }),
};

/** Slopes uniform in [-1, maxSlope]: a shifted task distribution, and the slopes it drew. */
const toySampler: SamplerEntry = {
  name: 'toy-low',
  summary: 'lines with slopes below a bound',
  options: [{ flag: 'toy-max-slope', field: 'toyMaxSlope', kind: 'number', min: () => -1, max: 1, dflt: () => 0, arg: 'S', help: 'largest slope (default 0)' }],
  create: ({ family }, o) => {
    const rows: number[][] = [];
    return {
      name: 'toy-low',
      sample(rng, count, step) {
        const tasks = Array.from({ length: count }, () => family.task([rng.uniform(-1, o.toyMaxSlope as number), rng.uniform(-1, 1)]));
        rows.push([step, Math.max(...tasks.map((t) => t.id[0]))]);
        return tasks;
      },
      history: () => ({ slopes: { columns: ['step', 'largest slope'], rows } }),
    };
  },
};

/** Runs a command in this process and returns what it printed on stdout. */
function run(args: string[]): string {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    runCommand(args[0], args.slice(1));
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'metagrad-registry-'));

test('a registered environment, learner and sampler appear in train --help with their options', () => {
  registerEnvironment(lineEntry);
  registerLearner(toyEntry);
  registerSampler(toySampler);
  assert.ok(environmentNames().includes('line') && learnerNames().includes('toy-maml') && samplerNames().includes('toy-low'));
  assert.is(environment('line'), lineEntry);
  assert.is(learnerEntry('toy-maml'), toyEntry);
  assert.is(samplerEntry('toy-low'), toySampler);
  const help = run(['train', '--help']);
  for (const s of ['toy-maml', 'MAML under options of its own', '--toy-steps N', 'inner steps of the toy (default 2)', 'line', '--noise X', 'label noise (default 0)',
    'toy-low', 'lines with slopes below a bound', '--toy-max-slope S']) {
    assert.ok(help.includes(s), `train --help lacks '${s}'`);
  }
});

test('train and eval run on them; config.json records their options', () => {
  const out = join(dir, 'toy');
  const printed = run(['train', '--env', 'line', '--algo', 'toy-maml', '--noise', '0.05', '--toy-steps', '3', '--meta-steps', '60', '--meta-batch', '8',
    '--shots', '5', '--hidden', '16', '--outer-lr', '0.01', '--seed', '4', '--out', out, '--json']);
  assert.is(JSON.parse(printed).metaSteps, 60);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal([config.env, config.algo, config.noise, config.toySteps, config.toyLr], ['line', 'toy-maml', 0.05, 3, 0.1]);
  assert.not.ok('innerSteps' in config, 'the toy learner has no innerSteps');
  assert.ok(existsSync(join(out, 'tasks-1.svg')), 'the environment\'s picture');
  assert.is(readFileSync(join(out, 'tasks-1.svg'), 'utf8'), linePlotForTests('toy-maml', 'line'));
  const ev = JSON.parse(run(['eval', '--run', out, '--tasks', '20', '--shots', '5', '--steps', '3', '--json']));
  assert.equal([ev.algo, ev.env, ev.steps], ['toy-maml', 'line', [0, 1, 2, 3]]);
  assert.ok(ev.mean[3] < 0.5 * ev.mean[0], `adaptation should fit a line: ${ev.mean}`);
});

test('train runs with the registered sampler; config.json records it, its history is plotted and in metrics.json', () => {
  const out = join(dir, 'toy-sampler');
  run(['train', '--env', 'line', '--sampler', 'toy-low', '--toy-max-slope=-0.5', '--meta-steps', '12', '--meta-batch', '4', '--hidden', '8', '--out', out, '--json']);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal([config.sampler, config.toyMaxSlope], ['toy-low', -0.5]);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const rows: number[][] = metrics.sampler.history.slopes.rows;
  assert.equal(rows.map((r) => r[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(rows.every((r) => r[1] <= -0.5), 'every slope below the bound');
  assert.ok(readFileSync(join(out, 'sampler-slopes.svg'), 'utf8').includes('largest slope'));
  assert.ok(readFileSync(join(out, 'sampler-draws.svg'), 'utf8').includes('where tasks were drawn'), 'a two-id family pictures its draws');
  assert.is(JSON.parse(run(['eval', '--run', out, '--tasks', '5', '--steps', '1', '--json'])).tasks, 5);
  assertThrowsTyped(() => run(['train', '--env', 'line', '--sampler', 'toy-low', '--toy-max-slope', '3', '--out', join(dir, 'x')]), UsageError, "--toy-max-slope must be a number >= -1 and <= 1, got '3'");
  assertThrowsTyped(() => run(['train', '--toy-max-slope', '0.5', '--out', join(dir, 'x')]), UsageError, '--toy-max-slope is not an option of', '--sampler uniform');
});

test('their options are checked like the built-in ones; a flag of another learner is refused', () => {
  assertThrowsTyped(() => run(['train', '--env', 'line', '--noise', '2', '--out', join(dir, 'x')]), UsageError, "--noise must be a number >= 0 and <= 1, got '2'");
  assertThrowsTyped(() => run(['train', '--algo', 'toy-maml', '--toy-steps', '9', '--out', join(dir, 'x')]), UsageError, '--toy-steps must be an integer from 1 to 5');
  assertThrowsTyped(() => run(['train', '--algo', 'maml', '--toy-steps', '2', '--out', join(dir, 'x')]), UsageError, '--toy-steps is not an option of --algo maml, --env sinusoid or --sampler uniform');
  assertThrowsTyped(() => run(['train', '--algo', 'toy-maml', '--inner-lr', '0.1', '--out', join(dir, 'x')]), UsageError, '--inner-lr is not an option of --algo toy-maml');
});

test('registering a name twice, or an entry without a name, is refused', () => {
  assertThrowsTyped(() => registerLearner(toyEntry), ArgumentError, 'registerLearner', "already a learner named 'toy-maml'");
  assertThrowsTyped(() => registerEnvironment({ ...lineEntry, name: 'Bad Name' }), ArgumentError, 'registerEnvironment', 'lower-case');
  assertThrowsTyped(() => learnerEntry('nope'), ArgumentError, 'learnerEntry', "unknown learner 'nope'", 'maml', 'toy-maml');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
