// A training run as data: the options every run has (declared here), the options of its
// learner and of its environment (declared by their registry entries, src/meta/registry.ts and
// src/envs/registry.ts), and the recipe that builds the run's family and learner from them.
// `metagrad train`, its config.json, the web demo and the benchmarks all start from here, so a
// default or a range is written once and a hand-edited config.json is held to the same rules
// as the command line. No Node built-ins: the browser builds runs the same way.
import { ArgumentError, CheckpointError, describe, expectOptions } from '../errors.ts';
import { environment, environmentNames } from '../envs/registry.ts';
import type { TaskFamily } from '../envs/task.ts';
import { MLP, type ActivationName } from '../nn/layers.ts';
import { checkedJsonConfig, parseOptions, type OptionSpec, type OptionValues } from '../options.ts';
import { Rng } from '../rng.ts';
import type { Learner } from './learner.ts';
import { learnerEntry, learnerNames } from './registry.ts';
import type { TaskSampler } from './samplers/sampler.ts';
import { samplerEntry, samplerNames } from './samplers/registry.ts';

export interface RunConfig {
  format: 'metagrad-run/1';
  env: string;
  algo: string;
  metaSteps: number;
  metaBatch: number;
  shots: number;
  querySize: number;
  outerLr: number;
  hidden: number[];
  activation: ActivationName;
  seed: number;
  /** Threads the meta-batch is split over (parallelTasks); absent means 1. */
  workers?: number;
  /** Reproducible mode (setReproducible): the same bytes on every machine; absent means off. */
  reproducible?: true;
  /** The task sampler (src/meta/samplers/registry.ts); absent means uniform. Its options follow the environment's. */
  sampler?: string;
  /** 'pcgrad': the meta-batch's task gradients combined by PCGrad (metaTrain's gradientSurgery); absent: their mean. */
  gradientSurgery?: 'pcgrad';
  /** The learner's and the environment's own options (innerSteps, innerLr, ...). */
  [option: string]: unknown;
}

/** The largest model the command builds: 10^8 parameters (0.4 GB, and Adam keeps two more). */
export const MAX_PARAMETERS = 1e8;
const MAX_HIDDEN = 65536;

// Before the learner's options in config.json, and after them: the order config.json has always had.
const RUN_OPTIONS_HEAD: readonly OptionSpec[] = [
  { flag: 'env', field: 'env', kind: 'choice', dflt: () => 'sinusoid', arg: 'NAME', help: 'task family (default sinusoid; listed below)' },
  { flag: 'algo', field: 'algo', kind: 'choice', dflt: () => 'maml', arg: 'NAME', help: 'learner (default maml; listed below)' },
  { flag: 'meta-steps', field: 'metaSteps', kind: 'int', min: () => 0, max: 10_000_000, dflt: () => 2000, arg: 'N', help: 'outer steps (default 2000)' },
  { flag: 'meta-batch', field: 'metaBatch', kind: 'int', min: () => 1, max: 100_000, dflt: () => 25, arg: 'N', help: 'tasks per outer step (default 25)' },
  { flag: 'shots', field: 'shots', kind: 'int', min: () => 1, max: 100_000, dflt: () => 10, arg: 'K', help: 'support points per task (default 10)' },
  { flag: 'query-size', field: 'querySize', kind: 'int', min: () => 1, max: 100_000, dflt: (c) => c.shots, arg: 'N', help: 'query points per task (default: shots)' },
];
const HIDDEN_OPTION: OptionSpec = { flag: 'hidden', field: 'hidden', kind: 'list', min: () => 1, max: MAX_HIDDEN, dflt: () => [40, 40], arg: 'A,B', help: `hidden layer sizes (default 40,40; each at most ${MAX_HIDDEN})` };
const WORKERS_OPTION: OptionSpec = { flag: 'workers', field: 'workers', kind: 'int', min: () => 1, max: 64, dflt: () => 1, arg: 'N', help: 'threads the meta-batch is split over (default 1); the same seed and N\n                      give the same numbers, a different N the same up to rounding' };
const RUN_OPTIONS_TAIL: readonly OptionSpec[] = [
  { flag: 'outer-lr', field: 'outerLr', kind: 'number', min: () => 0, above: true, dflt: () => 1e-3, arg: 'X', help: 'Adam learning rate (default 0.001)' },
  HIDDEN_OPTION,
  { flag: 'seed', field: 'seed', kind: 'int', min: () => 0, max: 2 ** 31 - 1, dflt: () => 0, arg: 'S', help: 'seed (default 0): the same seed gives the same numbers' },
  { flag: 'reproducible', field: 'reproducible', kind: 'flag', dflt: () => undefined, arg: '', help: 'the same bytes on every machine: plain SIMD, no fused multiply-add (about\n                      10% slower); without it, numbers depend on the CPU in the last bits' },
  WORKERS_OPTION,
];

// Last in config.json, and only when not uniform, so the runs of before keep their bytes.
export const SAMPLER_OPTION: OptionSpec = {
  flag: 'sampler', field: 'sampler', kind: 'choice', dflt: () => 'uniform', arg: 'NAME',
  help: "which tasks each meta-batch trains on, and their weights (default uniform, or the\n                      learner's own; listed below)",
};

// After the sampler's, and only when set, so the runs of before keep their bytes.
const SURGERY_OPTION: OptionSpec = {
  flag: 'gradient-surgery', field: 'gradientSurgery', kind: 'choice', choices: ['none', 'pcgrad'], dflt: () => 'none', arg: 'NAME',
  help: "pcgrad: the meta-batch's task gradients combined by PCGrad's surgery (each\n                      projected off those it conflicts with), task by task; default none",
};

/** The options of every run (not those of a learner or an environment). */
export const RUN_OPTIONS: readonly OptionSpec[] = [...RUN_OPTIONS_HEAD, ...RUN_OPTIONS_TAIL, SAMPLER_OPTION, SURGERY_OPTION];

/** Every flag `train` may be given: the run's, and every registered learner's and environment's. */
export function allTrainingOptions(): OptionSpec[] {
  const byFlag = new Map<string, OptionSpec>();
  for (const o of [...RUN_OPTIONS, ...learnerNames().flatMap((n) => learnerEntry(n).options), ...environmentNames().flatMap((n) => environment(n).options),
    ...samplerNames().flatMap((n) => samplerEntry(n).options)]) {
    if (!byFlag.has(o.flag)) byFlag.set(o.flag, o);
  }
  return [...byFlag.values()];
}

/** Parameters of the MLP the run builds: (in+1)·out summed over its layers. */
export function parameterCount(c: Pick<RunConfig, 'hidden'>, inputSize = 1, outputSize = 1): number {
  const sizes = [inputSize, ...c.hidden, outputSize];
  let n = 0;
  for (let i = 1; i < sizes.length; i++) n += (sizes[i - 1] + 1) * sizes[i];
  return n;
}

/**
 * A RunConfig from raw values, `get` giving each option's raw value (a command-line string or
 * a config.json value) and `name` what errors call it. Keys come in config.json's order.
 */
function build(get: (o: OptionSpec) => unknown, name: (o: OptionSpec) => string): RunConfig {
  const choices = (o: OptionSpec): OptionSpec => (o.field === 'env' ? { ...o, choices: environmentNames() } : o.field === 'algo' ? { ...o, choices: learnerNames() } : o);
  const head = parseOptions(RUN_OPTIONS_HEAD.map(choices), get, name);
  const learner = parseOptions(learnerEntry(head.algo as string).options, get, name, {});
  const tail = parseOptions(RUN_OPTIONS_TAIL, get, name, { ...head });
  const env = parseOptions(environment(head.env as string).options, get, name, {});
  // (config.json records the default sizes for every run, so only other sizes are refused)
  if (environment(head.env as string).model && String(tail.hidden) !== String(HIDDEN_OPTION.dflt({}))) {
    throw new ArgumentError(`${name(HIDDEN_OPTION)} sizes the MLP; --env ${head.env as string} builds its own network (its options are listed under it in train --help)`);
  }
  const learnerSampler = learnerEntry(head.algo as string).defaultSampler ?? 'uniform';
  const { sampler } = parseOptions([{ ...SAMPLER_OPTION, choices: samplerNames(), dflt: () => learnerSampler }], get, name, {});
  const samplerOptions = parseOptions(samplerEntry(sampler as string).options, get, name, { ...head });
  const { gradientSurgery } = parseOptions([SURGERY_OPTION], get, name, {});
  if (gradientSurgery === 'pcgrad' && (tail.workers as number) > 1) throw new ArgumentError(`${name(SURGERY_OPTION)} pcgrad takes the tasks' gradients one by one in this thread; it cannot split them over ${name(WORKERS_OPTION)} ${tail.workers as number}`);
  const c: RunConfig = {
    format: 'metagrad-run/1', ...(head as { env: string; algo: string; metaSteps: number; metaBatch: number; shots: number; querySize: number }),
    ...learner, outerLr: tail.outerLr as number, hidden: tail.hidden as number[], activation: 'relu', seed: tail.seed as number,
    workers: tail.workers as number, ...(tail.reproducible ? { reproducible: true as const } : {}), ...env,
    ...(sampler === 'uniform' ? {} : { sampler: sampler as string, ...samplerOptions }),
    ...(gradientSurgery === 'pcgrad' ? { gradientSurgery: 'pcgrad' as const } : {}),
  };
  const params = parameterCount(c);
  if (params > MAX_PARAMETERS) {
    throw new ArgumentError(`${name(HIDDEN_OPTION)} ${c.hidden.join(',')} makes a model of ${params.toExponential(2)} parameters, more than the ${MAX_PARAMETERS.toExponential(0)} this command builds`);
  }
  return c;
}

/** A RunConfig as runConfig() makes it: a registered env and algo, hidden sizes, a seed. */
function checkConfig(op: string, c: unknown): asserts c is RunConfig {
  const r = c as RunConfig;
  if (c === null || typeof c !== 'object' || r.format !== 'metagrad-run/1' || !environmentNames().includes(r.env) || !learnerNames().includes(r.algo) ||
    (r.sampler !== undefined && !samplerNames().includes(r.sampler)) ||
    !Array.isArray(r.hidden) || !Number.isInteger(r.seed)) {
    throw new ArgumentError(`${op}: expected a RunConfig from runConfig() or runConfigFromJson(), got ${describe(c)}`);
  }
}

/** The options of this configuration's learner, environment and sampler, by field. */
export function entryOptions(c: RunConfig): { learner: OptionValues; env: OptionValues; sampler: OptionValues } {
  const pick = (specs: readonly OptionSpec[]) => Object.fromEntries(specs.filter((o) => c[o.field] !== undefined).map((o) => [o.field, c[o.field]]));
  return { learner: pick(learnerEntry(c.algo).options), env: pick(environment(c.env).options), sampler: pick(samplerEntry(c.sampler ?? 'uniform').options) };
}

/**
 * The run configuration from values keyed by command-line flag (as parsed from `--inner-lr
 * 0.05`, or given by a program: `runConfig({ algo: 'reptile', 'meta-steps': 100 })`); the
 * defaults are those of `metagrad train`. An ArgumentError names the flag, also one that the
 * chosen learner and environment do not have.
 * @example runConfig({ seed: 3 }).hidden // [40, 40]
 */
export function runConfig(values: Record<string, unknown> = {}): RunConfig {
  values = expectOptions('runConfig', values, 'values');
  const c = build((o) => { const v = values[o.flag]; return typeof v === 'number' ? String(v) : v; }, (o) => `--${o.flag}`);
  const own = new Set([...RUN_OPTIONS, ...learnerEntry(c.algo).options, ...environment(c.env).options, ...samplerEntry(c.sampler ?? 'uniform').options].map((o) => o.flag));
  const stray = allTrainingOptions().filter((o) => values[o.flag] !== undefined && !own.has(o.flag));
  if (stray.length) throw new ArgumentError(`${stray.map((o) => `--${o.flag}`).join(', ')} is not an option of --algo ${c.algo}, --env ${c.env} or --sampler ${c.sampler ?? 'uniform'}`);
  return c;
}

/**
 * A config.json (already parsed JSON) checked by the same rules as the command line; anything
 * else is a CheckpointError naming the file (`path`) and the field.
 * @example runConfigFromJson(JSON.parse(configJson(runConfig())), 'config.json').algo // 'maml'
 */
export function runConfigFromJson(raw: unknown, path: string): RunConfig {
  if (typeof path !== 'string') throw new ArgumentError(`runConfigFromJson: path must be the file's name (a string), got ${describe(path)}`);
  try {
    return checkedRunConfig(raw, path);
  } catch (e) {
    if (e instanceof CheckpointError) throw new CheckpointError(`runConfigFromJson: ${e.message}`);
    throw e;
  }
}

/** runConfigFromJson's work, its errors naming only the file (what the command line prints). */
export function checkedRunConfig(raw: unknown, path: string): RunConfig {
  const activation = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).activation : undefined;
  if (activation !== undefined && activation !== 'relu' && (raw as Record<string, unknown>).format === 'metagrad-run/1') throw new CheckpointError(`${path}: activation must be relu, got ${JSON.stringify(activation)}`);
  return checkedJsonConfig(raw, path, 'metagrad-run/1', build, ['workers', 'reproducible', 'sampler', 'gradientSurgery'], (c) => `--algo ${c.algo}, --env ${c.env} and --sampler ${c.sampler ?? 'uniform'}`);
}

/**
 * What config.json stores, byte for byte.
 * @example configJson(runConfig()).startsWith('{\n  "format": "metagrad-run/1"') // true
 */
export function configJson(c: RunConfig): string {
  checkConfig('configJson', c);
  return JSON.stringify(c, null, 2) + '\n';
}

/**
 * The run's task family, from the environment registry.
 * @example makeFamily(runConfig()).name // 'sinusoid'
 */
export function makeFamily(c: RunConfig): TaskFamily {
  checkConfig('makeFamily', c);
  return environment(c.env).create(entryOptions(c).env);
}

/**
 * The run's learner around a fresh MLP (seeded by the run's seed; or the environment's own
 * network, MSR's layers), from the learner registry: the set-up `metagrad train`, the web demo
 * and the benchmarks share.
 * @example makeLearner(runConfig({ algo: 'reptile' }), makeFamily(runConfig())).name // 'reptile'
 */
export function makeLearner(c: RunConfig, family: TaskFamily): Learner {
  checkConfig('makeLearner', c);
  if (family === null || typeof family !== 'object' || typeof family.sample !== 'function') throw new ArgumentError(`makeLearner: family must be a TaskFamily, got ${describe(family)}`);
  const options = entryOptions(c);
  const entry = learnerEntry(c.algo);
  const head = !entry.embeds;
  const model = environment(c.env).model?.(family, options.env, new Rng(c.seed), head) ?? new MLP([family.inputSize, ...c.hidden, ...(head ? [family.outputSize] : [])], { activation: c.activation, rng: new Rng(c.seed) });
  return entry.create(model, family, options.learner);
}

/**
 * The run's task sampler, from the sampler registry (uniform when the config names none).
 * @example makeSampler(runConfig({ sampler: 'cvar' }), makeFamily(runConfig())).name // 'cvar'
 */
export function makeSampler(c: RunConfig, family: TaskFamily): TaskSampler {
  checkConfig('makeSampler', c);
  if (family === null || typeof family !== 'object' || typeof family.sample !== 'function') throw new ArgumentError(`makeSampler: family must be a TaskFamily, got ${describe(family)}`);
  return samplerEntry(c.sampler ?? 'uniform').create({ family, metaBatch: c.metaBatch, metaSteps: c.metaSteps }, entryOptions(c).sampler);
}
