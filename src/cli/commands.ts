// The metagrad subcommands: train, eval, demo. Each parses its options, validates them into a
// UsageError on bad input, and prints a table (or one JSON value with --json) on stdout;
// progress goes to stderr.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { beginRun, curvePlot, downsample, evalRun, evalShifted, evalTable, loadRun, lossMapPlot, readRunConfig, saveRun, taskPlots, train, type TrainResult } from './run.ts';
import type { EvalResult } from '../meta/metrics.ts';
import { intOption, numOption, type Values } from './args.ts';
import { ensureWritableDir, readJson, writeAtomic, UsageError } from './io.ts';
import { allTrainingOptions, entriesHelp, runOptionsHelp, trainConfig, type RunConfig } from './config.ts';
import { CHECKPOINT_FILE, lockRunFolder } from './runfolder.ts';
import { samplerPlots } from '../meta/samplers/plots.ts';
import { rlEnvironment, rlEnvironmentNames } from '../envs/rl/registry.ts';
import { environmentNames } from '../envs/registry.ts';
import { RL_RUN_OPTIONS, rlRunConfig, type RLRunConfig } from '../rl/run-config.ts';
import { optionsHelp } from '../options.ts';
import { ArgumentError } from '../errors.ts';
import { evalRL, loadRLRun, readRLRunConfig, rlEvalTable, trainRL } from './rl-run.ts';
import { GROUP_ENVS, GROUP_RUN_OPTIONS, groupRunConfig, type GroupRunConfig } from '../meta/group-run.ts';
import { groupTable, loadGroupRun, trainGroups } from './group-run.ts';

export interface Command {
  summary: string;
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(values: Values): void;
}

// Read when the command runs, not when this module loads: an environment or a learner
// registered in between brings its options along.
const trainFlags = (): Command['options'] => ({
  ...Object.fromEntries([...allTrainingOptions(), ...RL_RUN_OPTIONS, ...GROUP_RUN_OPTIONS].map((o) => [o.flag, { type: o.kind === 'flag' ? 'boolean' : 'string' }])),
  out: { type: 'string' }, 'checkpoint-every': { type: 'string' }, resume: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' },
});

/** metrics.json of a trained run: speed, the learning curve, and the evaluation's summary. */
function runMetrics(metaSteps: number, r: TrainResult, ev: ReturnType<typeof evalRun>, out?: string) {
  const history = r.sampler.history?.();
  return {
    metaSteps, seconds: r.seconds, metaStepsPerSecond: metaSteps / r.seconds, ...(out === undefined ? {} : { out }),
    curve: downsample(r.losses), eval: { ...ev, perTask: undefined },
    ...(history ? { sampler: { name: r.sampler.name, history } } : {}),
  };
}

/** Runs fn with the folder writable and locked (one writer at a time), the lock released after. */
function inRunFolder(out: string, fn: () => void): void {
  ensureWritableDir(out);
  const release = lockRunFolder(out);
  try {
    fn();
  } finally {
    release();
  }
}

/** Exit code of a run that stopped at a non-finite loss (2 is for bad input). */
export const EXIT_DIVERGED = 3;

export const trainCommand: Command = {
  summary: 'meta-train a learner on a task family and save the run',
  get help() {
    return `metagrad train [options]

${runOptionsHelp()}
  --out DIR           run folder (default runs/ALGO-ENV-SEED): config.json, model.safetensors,
                      metrics.json, learning-curve.svg, tasks-*.svg, sampler-*.svg (with
                      sampler-draws.svg: where tasks were drawn, for one or two task ids),
                      loss-map.svg (held-out loss over the task box after one step); one
                      writer at a time
  --checkpoint-every N  write checkpoint.safetensors every N meta-steps (model, optimizer,
                      RNG and losses), removed when the run completes
  --resume            continue the run in --out from its checkpoint, with its config.json
                      (no other training options); the same bytes as an uninterrupted run
  --json              print one JSON object when done
  --quiet             no progress bar

  A loss or gradient that is not finite stops training before it is applied: the run folder
  keeps the parameters of the last finite step, and the exit code is ${EXIT_DIVERGED}.

${entriesHelp()}

meta-RL runs (--env one of the RL environments below; config.json, model.safetensors with the
policy, metrics.json, learning-curve.svg, paths.svg for the point robots and Khazad-Dum,
xpos.svg for the cheetahs; --checkpoint-every, --resume, and --sampler NAME with its options
as above):
${optionsHelp(RL_RUN_OPTIONS)}

RL environments (--env NAME):
${rlEnvironmentNames().map((n) => `  ${n.padEnd(18)}${rlEnvironment(n).summary}`).join('\n')}

group-shift runs (--env rotated-digits|group-shift-2d; config.json, model.safetensors,
metrics.json with every group's accuracy, groups.svg):
${optionsHelp(GROUP_RUN_OPTIONS)}`;
  },
  get options() {
    return trainFlags();
  },
  run(v) {
    if (typeof v.env === 'string' && rlEnvironmentNames().includes(v.env)) return trainRLCommand(v);
    if (typeof v.env === 'string' && (GROUP_ENVS as readonly string[]).includes(v.env)) return trainGroupsCommand(v);
    if (v.resume && typeof v.out === 'string' && runKind(v.out) === 'rl') return trainRLCommand(v);
    if (typeof v.env === 'string' && !environmentNames().includes(v.env)) {
      throw new UsageError(`--env must be one of ${environmentNames().join(', ')} (meta-learning), ${rlEnvironmentNames().join(', ')} (meta-RL) or ${GROUP_ENVS.join(', ')} (group shift), got '${v.env}'`);
    }
    const supervised = (f: string) => allTrainingOptions().some((t) => t.flag === f);
    const rlOnly = RL_RUN_OPTIONS.filter((o) => v[o.flag] !== undefined && !supervised(o.flag)).map((o) => `--${o.flag}`);
    if (rlOnly.length) throw new UsageError(`${rlOnly.join(', ')} is an option of meta-RL runs (--env ${rlEnvironmentNames().join('|')}), not of --env ${String(v.env ?? 'sinusoid')}`);
    const groupOnly = GROUP_RUN_OPTIONS.filter((o) => v[o.flag] !== undefined && !supervised(o.flag) && !RL_RUN_OPTIONS.some((r) => r.flag === o.flag)).map((o) => `--${o.flag}`);
    if (groupOnly.length) throw new UsageError(`${groupOnly.join(', ')} is an option of group-shift runs (--env ${GROUP_ENVS.join('|')}), not of --env ${String(v.env ?? 'sinusoid')}`);
    const resume = Boolean(v.resume);
    if (resume) {
      const given = allTrainingOptions().filter((o) => v[o.flag] !== undefined).map((o) => `--${o.flag}`);
      if (given.length) throw new UsageError(`--resume continues the run in --out with its own config.json; drop ${given.join(', ')}`);
      if (typeof v.out !== 'string') throw new UsageError('--resume needs --out DIR, the run to continue');
    }
    const checkpointEvery = intOption(v, 'checkpoint-every', 0, 0, 10_000_000);
    const out0 = typeof v.out === 'string' ? v.out : null;
    const c = resume ? readRunConfig(out0!) : trainConfig(v);
    const out = runFolder(out0, c);
    inRunFolder(out, () => {
      if (!resume) beginRun(out, c);
      const r = train(c, { quiet: Boolean(v.quiet) || Boolean(v.json), dir: out, checkpointEvery, resume });
      finishRun(out, c, r, Boolean(v.json));
    });
  },
};

/** fn's result; its ArgumentError as a UsageError (one line on the command line) without the `op: ` prefix. */
function asUsage<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ArgumentError) throw new UsageError(e.message.startsWith(`${op}: `) ? e.message.slice(op.length + 2) : e.message);
    throw e;
  }
}

/** --out, or runs/ALGO-ENV-SEED. */
const runFolder = (out: unknown, c: { algo: string; env: string; seed: number }): string => (typeof out === 'string' ? out : `runs/${c.algo}-${c.env}-${c.seed}`);

/** `train` with an RL environment, or --resume of a meta-RL run's folder. */
function trainRLCommand(v: Values): void {
  const { out: out0, json, quiet, resume, 'checkpoint-every': _every, ...rest } = v;
  const checkpointEvery = intOption(v, 'checkpoint-every', 0, 0, 10_000_000);
  let c: RLRunConfig;
  if (resume) {
    const given = Object.keys(rest).filter((k) => rest[k] !== undefined).map((k) => `--${k}`);
    if (given.length) throw new UsageError(`--resume continues the run in --out with its own config.json; drop ${given.join(', ')}`);
    c = readRLRunConfig(out0 as string);
  } else {
    c = asUsage('rlRunConfig', () => rlRunConfig(rest));
  }
  const out = runFolder(out0, c);
  inRunFolder(out, () => trainRL(c, out, { quiet: Boolean(quiet), json: Boolean(json), checkpointEvery, resume: Boolean(resume) }));
}

/** `train` with a group-shift family: ERM, upweighting, group DRO or an ARM method. */
function trainGroupsCommand(v: Values): void {
  for (const flag of ['resume', 'checkpoint-every']) if (v[flag] !== undefined) throw new UsageError(`--${flag} is not supported for group-shift runs (--env ${String(v.env)}); they take minutes`);
  const { out: out0, json, quiet, ...rest } = v;
  const c: GroupRunConfig = asUsage('groupRunConfig', () => groupRunConfig(rest));
  const out = runFolder(out0, c);
  inRunFolder(out, () => trainGroups(c, out, { quiet: Boolean(quiet), json: Boolean(json) }));
}

/** Writes the model, metrics and plots of a finished (or diverged) run and prints its summary. */
function finishRun(out: string, c: RunConfig, r: TrainResult, json: boolean): void {
  saveRun(out, c, r);
  rmSync(join(out, CHECKPOINT_FILE), { force: true });
  const steps = r.losses.length;
  if (r.diverged) {
    writeAtomic(join(out, 'metrics.json'), JSON.stringify({ metaSteps: steps, diverged: { step: r.diverged.step, loss: String(r.diverged.loss) }, out, curve: downsample(r.losses) }, null, 2) + '\n');
    process.exitCode = EXIT_DIVERGED;
    if (json) console.log(JSON.stringify({ metaSteps: steps, diverged: { step: r.diverged.step, loss: String(r.diverged.loss) }, out }));
    console.error(`metagrad train: ${r.diverged.message.replace(/^metaTrain: /, '')}; ${out}/model.safetensors holds them`);
    return;
  }
  const ev = evalRun(r.learner, r.family, { tasks: 100, shots: c.shots, steps: 10, alpha: 0.1, seed: c.seed });
  const metrics = runMetrics(c.metaSteps, r, ev, out);
  writeAtomic(join(out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  writeAtomic(join(out, 'learning-curve.svg'), curvePlot([{ label: c.algo, losses: r.losses }]));
  taskPlots(c, r, { shots: c.shots, steps: 10 }).forEach((svg, i) => writeAtomic(join(out, `tasks-${i + 1}.svg`), svg));
  for (const [name, svg] of Object.entries(samplerPlots(r.sampler))) writeAtomic(join(out, `sampler-${name}.svg`), svg);
  const lossMap = lossMapPlot(r.learner, r.family, { shots: c.shots, seed: c.seed });
  if (lossMap) writeAtomic(join(out, 'loss-map.svg'), lossMap);
  if (json) {
    console.log(JSON.stringify({ metaSteps: c.metaSteps, seconds: r.seconds, metaStepsPerSecond: metrics.metaStepsPerSecond, out, finalLoss: r.losses.at(-1) ?? null }));
  } else {
    console.log(`trained ${c.algo} on ${c.env}: ${c.metaSteps} meta-steps in ${r.seconds.toFixed(1)} s (${metrics.metaStepsPerSecond.toFixed(1)}/s) -> ${out}`);
    console.log(evalTable([{ name: c.algo, r: ev }], [0, 1, 10]));
  }
}

export const evalCommand: Command = {
  summary: 'evaluate a saved run on held-out tasks: mean, stderr, CVaR and worst after 0..S steps',
  help: `metagrad eval --run DIR [options]

  --run DIR     a folder written by metagrad train
  --tasks N     held-out tasks (default 600)
  --shots K     support points per task (default 5)
  --steps S     adaptation steps; losses after 0..S are reported (default 10)
  --alpha A     CVaR level: mean of the worst A fraction of tasks (default 0.1)
  --seed S      seed of the held-out tasks (default 0)
  --json        print {"tasks","shots","alpha","steps","mean","stderr","cvar","worst","diverged",
                "shifted"}; a diverged task (non-finite loss) counts as Infinity, printed as
                null in JSON

  A meta-RL run (trained with an RL --env) reports the return on held-out tasks after 0..S
  policy-gradient steps (--steps, default 3), each on --episodes fresh episodes (default 20),
  over --tasks tasks (default 40); CVaR is the mean of the lowest A fraction of returns.

  Families that define a shifted held-out set (sinusoid: amplitudes in the top third of the
  range) are also evaluated on it: a second table, and "shifted" in JSON (null otherwise).`,
  options: {
    run: { type: 'string' }, tasks: { type: 'string' }, shots: { type: 'string' }, steps: { type: 'string' },
    alpha: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, episodes: { type: 'string' },
  },
  run(v) {
    if (typeof v.run !== 'string') throw new UsageError('--run DIR is required (a folder written by metagrad train)');
    const kind = runKind(v.run);
    if (kind === 'rl') return evalRLCommand(v, v.run);
    if (kind === 'group') return evalGroupsCommand(v, v.run);
    if (v.episodes !== undefined) throw new UsageError('--episodes is an option of meta-RL runs; this run is supervised (use --shots)');
    const o = {
      tasks: intOption(v, 'tasks', 600, 1, 1_000_000),
      shots: intOption(v, 'shots', 5, 1, 100_000),
      steps: intOption(v, 'steps', 10, 0, 10_000),
      alpha: numOption(v, 'alpha', 0.1, 0, 1, true),
      seed: intOption(v, 'seed', 0, 0, 2 ** 31 - 1),
    };
    const { config, learner, family } = loadRun(v.run);
    const r = evalRun(learner, family, o);
    const shifted = evalShifted(learner, family, o);
    const fields = (e: EvalResult) => ({ mean: e.mean, stderr: e.stderr, cvar: e.cvar, worst: e.worst, diverged: e.diverged, ...(e.accuracy ? { accuracy: e.accuracy } : {}) });
    if (v.json) {
      console.log(JSON.stringify({ run: v.run, algo: config.algo, env: config.env, tasks: r.tasks, shots: r.shots, alpha: r.alpha, steps: r.steps, ...fields(r), shifted: shifted && fields(shifted) }));
    } else {
      console.log(`${config.algo} on ${config.env}, ${r.tasks} held-out tasks, ${r.shots}-shot, CVaR at alpha ${r.alpha}`);
      console.log(evalTable([{ name: config.algo, r }], r.steps));
      if (shifted) {
        console.log(`\nshifted: ${r.tasks} held-out tasks with ${family.shiftDescription ?? 'the family\'s shift'}`);
        console.log(evalTable([{ name: config.algo, r: shifted }], shifted.steps));
      }
    }
  },
};

/** What kind of run the folder's config.json describes (its format field). */
function runKind(dir: string): 'rl' | 'group' | 'meta' {
  const raw = readJson<{ format?: unknown }>(join(dir, 'config.json'), 'run config (config.json)');
  const format = raw !== null && typeof raw === 'object' ? raw.format : undefined;
  return format === 'metagrad-rl-run/1' ? 'rl' : format === 'metagrad-group-run/1' ? 'group' : 'meta';
}

function evalGroupsCommand(v: Values, dir: string): void {
  const extra = ['tasks', 'shots', 'steps', 'episodes', 'alpha', 'seed'].filter((k) => v[k] !== undefined);
  if (extra.length) throw new UsageError(`--${extra[0]} is not an option of group-shift runs: eval tests every group's held-out batches`);
  const { config, data, learner } = loadGroupRun(dir);
  const acc = learner.evaluate(config.batchSize);
  if (v.json) console.log(JSON.stringify({ run: dir, algo: config.algo, env: config.env, groups: data.groupNames, perGroup: acc.perGroup, worst: acc.worst, average: acc.average }));
  else console.log(`${config.algo} on ${config.env}, test batches of ${config.batchSize} from one group\n${groupTable(config.algo, data, acc)}`);
}

function evalRLCommand(v: Values, dir: string): void {
  if (v.shots !== undefined) throw new UsageError('--shots is an option of supervised runs; this run is meta-RL (use --episodes)');
  const o = {
    tasks: intOption(v, 'tasks', 40, 1, 100_000),
    episodes: intOption(v, 'episodes', 20, 1, 100_000),
    steps: intOption(v, 'steps', 3, 0, 1000),
    alpha: numOption(v, 'alpha', 0.1, 0, 1, true),
    seed: intOption(v, 'seed', 0, 0, 2 ** 31 - 1),
  };
  const { config, family, policy } = loadRLRun(dir);
  const r = evalRL(config, policy, family, o);
  if (v.json) {
    console.log(JSON.stringify({ run: dir, algo: config.algo, env: config.env, tasks: o.tasks, episodes: o.episodes, alpha: o.alpha, steps: r.steps, mean: r.mean, stderr: r.stderr, cvar: r.cvar, worst: r.worst }));
  } else {
    console.log(`${config.algo} on ${config.env}, ${o.episodes} episodes a task and step, CVaR at alpha ${o.alpha}`);
    console.log(rlEvalTable(config.algo, r, o));
  }
}

export const demoCommand: Command = {
  summary: 'the main job: MAML vs the pretrain baseline on sinusoid, table and plots',
  help: `metagrad demo [options]

  Trains MAML (second order) and the pretrain baseline on sinusoid regression with the Finn et
  al. setup, evaluates both on held-out tasks (5-shot, 0..10 steps) and writes the plots.

  --meta-steps N   outer steps per learner (default 16000, about a minute on 2 cores)
  --reproducible   the same bytes on every machine (plain SIMD, no fused multiply-add)
  --tasks N        held-out tasks (default 600)
  --seed S         seed (default 0)
  --out DIR        folder for the plots and metrics (default runs/demo)
  --json           print the evaluation as JSON
  --quiet          no progress bars`,
  options: { 'meta-steps': { type: 'string' }, tasks: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, reproducible: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } },
  run(v) {
    const metaSteps = intOption(v, 'meta-steps', 16000, 1, 10_000_000);
    const tasks = intOption(v, 'tasks', 600, 1, 1_000_000);
    const out = typeof v.out === 'string' ? v.out : 'runs/demo';
    inRunFolder(out, () => demo(v, out, metaSteps, tasks));
  },
};

function demo(v: Values, out: string, metaSteps: number, tasks: number): void {
  const quiet = Boolean(v.quiet) || Boolean(v.json);
  const results = (['maml', 'pretrain'] as const).map((algo) => {
    const c = trainConfig({ seed: v.seed, algo, 'meta-steps': String(metaSteps), reproducible: v.reproducible });
    ensureWritableDir(join(out, algo));
    beginRun(join(out, algo), c);
    const r = train(c, { quiet, label: algo.padEnd(8) });
    if (r.diverged) throw r.diverged;
    saveRun(join(out, algo), c, r);
    const ev = evalRun(r.learner, r.family, { tasks, shots: 5, steps: 10, alpha: 0.1, seed: c.seed });
    writeAtomic(join(out, algo, 'metrics.json'), JSON.stringify(runMetrics(metaSteps, r, ev), null, 2) + '\n');
    taskPlots(c, r, { shots: 5, steps: 10 }).forEach((svg, i) => writeAtomic(join(out, `${algo}-task-${i + 1}.svg`), svg));
    return { algo, r, ev };
  });
  writeAtomic(join(out, 'learning-curves.svg'), curvePlot(results.map(({ algo, r }) => ({ label: algo, losses: r.losses }))));
  if (v.json) {
    console.log(JSON.stringify(results.map(({ algo, r, ev }) => ({ algo, metaSteps, seconds: r.seconds, tasks: ev.tasks, shots: ev.shots, alpha: ev.alpha, steps: ev.steps, mean: ev.mean, stderr: ev.stderr, cvar: ev.cvar, worst: ev.worst }))));
  } else {
    console.log(`\nsinusoid, ${tasks} held-out tasks, 5-shot; ${metaSteps} meta-steps each (${results.map(({ algo, r }) => `${algo} ${r.seconds.toFixed(0)} s`).join(', ')})\n`);
    console.log(evalTable(results.map(({ algo, ev }) => ({ name: algo, r: ev })), [0, 1, 10]));
    console.log(`\nplots: ${out}/learning-curves.svg, ${out}/maml-task-1.svg, ${out}/pretrain-task-1.svg`);
  }
}

export const COMMANDS: Record<string, Command> = { train: trainCommand, eval: evalCommand, demo: demoCommand };

export function runCommand(name: string, argv: string[]): void {
  const cmd = COMMANDS[name];
  const { values, positionals } = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  if (values.help) {
    console.log(cmd.help);
    return;
  }
  if (positionals.length) throw new UsageError(`${name}: unexpected argument '${positionals[0]}'`);
  cmd.run(values as Values);
}
