// A meta-RL run as data, like src/meta/run-config.ts for supervised runs: its options (declared
// once for the command line, config.json and the help), the checked config, and the recipe
// that builds its family and policy. `metagrad train --env pointnav --algo maml-trpo` and the
// run folders it writes start here. No Node built-ins.
import { ArgumentError, CheckpointError, describe, expectOptions } from '../errors.ts';
import { rlEnvironment, rlEnvironmentNames } from '../envs/rl/registry.ts';
import { withTaskInObservation } from '../envs/rl/oracle.ts';
import { rescaleAction } from '../envs/rl/rescale-action.ts';
import type { EnvFamily } from '../envs/rl/env.ts';
import { checkedJsonConfig, parseOptions, type OptionSpec } from '../options.ts';
import { Rng } from '../rng.ts';
import { CategoricalPolicy, GaussianPolicy, type Policy } from './policy.ts';
import { rlTaskFamily } from './task-view.ts';
import { SAMPLER_OPTION } from '../meta/run-config.ts';
import { samplerEntry, samplerNames } from '../meta/samplers/registry.ts';
import type { TaskSampler } from '../meta/samplers/sampler.ts';

/** maml-trpo and fomaml-trpo adapt; pretrain is TRPO across tasks; oracle is pretrain seeing the task id. */
export const RL_ALGOS = ['maml-trpo', 'fomaml-trpo', 'pretrain', 'oracle'] as const;
export type RLAlgo = (typeof RL_ALGOS)[number];

export interface RLRunConfig {
  format: 'metagrad-rl-run/1';
  env: string;
  algo: RLAlgo;
  metaSteps: number;
  metaBatch: number;
  episodes: number;
  innerLr: number;
  maxKL: number;
  fisherSubsample: number;
  gamma: number;
  lambda: number;
  hidden: number[];
  /** The policy's actions in [-actionScale, actionScale], rescaled onto the env's box (rescaleAction); absent: the box itself. */
  actionScale?: number;
  seed: number;
  reproducible?: true;
  /** The task sampler (src/meta/samplers/registry.ts) and its options; absent means uniform. */
  sampler?: string;
  [option: string]: unknown;
}

/** The options of a meta-RL run, in config.json's order. */
export const RL_RUN_OPTIONS: readonly OptionSpec[] = [
  { flag: 'env', field: 'env', kind: 'choice', dflt: () => 'pointnav', arg: 'NAME', help: 'RL environment (listed below)' },
  { flag: 'algo', field: 'algo', kind: 'choice', choices: RL_ALGOS, dflt: () => 'maml-trpo', arg: 'NAME', help: 'maml-trpo, fomaml-trpo, pretrain or oracle (default maml-trpo)' },
  { flag: 'meta-steps', field: 'metaSteps', kind: 'int', min: () => 0, max: 1_000_000, dflt: () => 100, arg: 'N', help: 'outer TRPO steps (default 100)' },
  { flag: 'meta-batch', field: 'metaBatch', kind: 'int', min: () => 1, max: 10_000, dflt: () => 20, arg: 'N', help: 'tasks per outer step (default 20)' },
  { flag: 'episodes', field: 'episodes', kind: 'int', min: () => 1, max: 10_000, dflt: () => 10, arg: 'N', help: 'episodes per task, before and after adapting (default 10)' },
  { flag: 'inner-lr', field: 'innerLr', kind: 'number', min: () => 0, dflt: () => 0.1, arg: 'X', help: 'the inner policy-gradient step (default 0.1)' },
  { flag: 'max-kl', field: 'maxKL', kind: 'number', min: () => 0, above: true, dflt: () => 0.01, arg: 'X', help: "TRPO's trust region (default 0.01)" },
  { flag: 'fisher-subsample', field: 'fisherSubsample', kind: 'int', min: () => 1, max: 1000, dflt: () => 1, arg: 'K', help: "the conjugate gradient's Fisher products on 1/K of the episodes (default 1: all)" },
  { flag: 'gamma', field: 'gamma', kind: 'number', min: () => 0, max: 1, dflt: () => 0.99, arg: 'X', help: 'discount (default 0.99)' },
  { flag: 'lambda', field: 'lambda', kind: 'number', min: () => 0, max: 1, dflt: () => 1, arg: 'X', help: "GAE's lambda (default 1)" },
  { flag: 'hidden', field: 'hidden', kind: 'list', min: () => 1, max: 4096, dflt: () => [64, 64], arg: 'A,B', help: "the policy's hidden layers (default 64,64, tanh)" },
  { flag: 'action-scale', field: 'actionScale', kind: 'number', min: () => 0, above: true, max: 1e6, dflt: () => undefined, arg: 'X', help: "the policy acts in [-X, X], mapped onto the env's box (pytorch-maml-rl's cheetahs: 10; default: the box)" },
  { flag: 'seed', field: 'seed', kind: 'int', min: () => 0, max: 2 ** 31 - 1, dflt: () => 0, arg: 'S', help: 'seed (default 0): the same seed gives the same numbers' },
  { flag: 'reproducible', field: 'reproducible', kind: 'flag', dflt: () => undefined, arg: '', help: 'the same bytes on every machine (plain SIMD, no fused multiply-add)' },
];

function build(get: (o: OptionSpec) => unknown, name: (o: OptionSpec) => string): RLRunConfig {
  const specs = RL_RUN_OPTIONS.map((o) => (o.field === 'env' ? { ...o, choices: rlEnvironmentNames() } : o));
  const base = parseOptions(specs, get, name);
  const { sampler } = parseOptions([{ ...SAMPLER_OPTION, choices: samplerNames() }], get, name, {});
  // last, and only when not uniform, as supervised runs write theirs
  const samplerOptions = sampler === 'uniform' ? {} : { sampler, ...parseOptions(samplerEntry(sampler as string).options, get, name, { ...base }) };
  return { format: 'metagrad-rl-run/1', ...base, ...samplerOptions } as RLRunConfig;
}

/** The flags a meta-RL run takes: its own, --sampler and that sampler's. */
const ownFlags = (sampler: string) => new Set([...RL_RUN_OPTIONS, SAMPLER_OPTION, ...samplerEntry(sampler).options].map((o) => o.flag));

/**
 * A meta-RL run's configuration from values keyed by command-line flag; the defaults are those
 * of `metagrad train --env pointnav`. An ArgumentError names the flag.
 * @example rlRunConfig({ env: 'cheetah-dir' }).algo // 'maml-trpo'
 */
export function rlRunConfig(values: Record<string, unknown> = {}): RLRunConfig {
  values = expectOptions('rlRunConfig', values, 'values');
  const c = build((o) => { const v = values[o.flag]; return typeof v === 'number' ? String(v) : v; }, (o) => `--${o.flag}`);
  const known = ownFlags(c.sampler ?? 'uniform');
  const stray = Object.keys(values).filter((k) => values[k] !== undefined && !known.has(k));
  if (stray.length) throw new ArgumentError(`rlRunConfig: ${stray.map((k) => `--${k}`).join(', ')} is not an option of meta-RL runs (--env ${String(values.env)}) with --sampler ${c.sampler ?? 'uniform'}; they take ${[...known].map((k) => `--${k}`).join(', ')}`);
  return c;
}

/**
 * An RL run's config.json (parsed JSON) held to the command line's rules; anything else is a
 * CheckpointError naming the file and the field.
 * @example rlRunConfigFromJson(JSON.parse(rlConfigJson(rlRunConfig())), 'config.json').env // 'pointnav'
 */
export function rlRunConfigFromJson(raw: unknown, path: string): RLRunConfig {
  if (typeof path !== 'string') throw new ArgumentError(`rlRunConfigFromJson: path must be the file's name (a string), got ${describe(path)}`);
  try {
    return checkedRLRunConfig(raw, path);
  } catch (e) {
    if (e instanceof CheckpointError) throw new CheckpointError(`rlRunConfigFromJson: ${e.message}`);
    throw e;
  }
}

/** rlRunConfigFromJson's work, its errors naming only the file (what the command line prints). */
export function checkedRLRunConfig(raw: unknown, path: string): RLRunConfig {
  return checkedJsonConfig(raw, path, 'metagrad-rl-run/1', build, ['reproducible', 'sampler', 'actionScale'], () => 'a meta-RL run');
}

function checkConfig(op: string, c: unknown): asserts c is RLRunConfig {
  const r = c as RLRunConfig;
  if (c === null || typeof c !== 'object' || r.format !== 'metagrad-rl-run/1' || !rlEnvironmentNames().includes(r.env) || !RL_ALGOS.includes(r.algo) || !Array.isArray(r.hidden)) {
    throw new ArgumentError(`${op}: expected an RLRunConfig from rlRunConfig(), got ${describe(c)}`);
  }
}

/**
 * What an RL run's config.json stores, byte for byte.
 * @example rlConfigJson(rlRunConfig()).startsWith('{\n  "format": "metagrad-rl-run/1"') // true
 */
export function rlConfigJson(c: RLRunConfig): string {
  checkConfig('rlConfigJson', c);
  return JSON.stringify(c, null, 2) + '\n';
}

/**
 * The run's family as its policy sees it (the oracle's carries the task id in every observation;
 * with actionScale, its actions are rescaled).
 * @example makeRLFamily(rlRunConfig({ algo: 'oracle' })).observationSpace.low.length // 4
 */
export function makeRLFamily(c: RLRunConfig): EnvFamily {
  checkConfig('makeRLFamily', c);
  let family = rlEnvironment(c.env).create();
  if (c.actionScale !== undefined) {
    if (family.actionSpace.kind !== 'box') throw new ArgumentError(`makeRLFamily: actionScale (--action-scale) rescales box actions; ${c.env}'s are discrete`);
    family = rescaleAction(family, c.actionScale);
  }
  return c.algo === 'oracle' ? withTaskInObservation(family) : family;
}

/**
 * Held-out tasks of the run's environment: n ids from the environment's evaluation draw.
 * @example rlHeldOutTasks(rlRunConfig(), 3, 0).length // 3
 */
export function rlHeldOutTasks(c: RLRunConfig, n: number, seed: number): number[][] {
  checkConfig('rlHeldOutTasks', c);
  const e = rlEnvironment(c.env);
  const family = e.create();
  const rng = new Rng(0x5eed_0000 + seed); // apart from the training draws (seeded by the run's seed)
  return e.heldOut ? e.heldOut(family, rng, n) : family.sampleTasks(rng, n);
}

/**
 * A fresh policy for the run (Gaussian for Box actions, categorical for Discrete), seeded by the run's seed.
 * @example makeRLPolicy(rlRunConfig({ env: 'khazaddum' }), makeRLFamily(rlRunConfig({ env: 'khazaddum' }))).constructor.name // 'CategoricalPolicy'
 */
export function makeRLPolicy(c: RLRunConfig, family: EnvFamily): Policy & (GaussianPolicy | CategoricalPolicy) {
  checkConfig('makeRLPolicy', c);
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function') throw new ArgumentError(`makeRLPolicy: family must be an EnvFamily, got ${describe(family)}`);
  const obs = family.observationSpace.low.length;
  const o = { hidden: c.hidden, rng: new Rng(c.seed) };
  return family.actionSpace.kind === 'discrete' ? new CategoricalPolicy(obs, family.actionSpace.n, o) : new GaussianPolicy(obs, family.actionSpace.low.length, o);
}

/**
 * The run's task sampler over the family's ids (rlTaskFamily), from the sampler registry.
 * @example makeRLSampler(rlRunConfig({ sampler: 'cem' }), makeRLFamily(rlRunConfig())).name // 'cem'
 */
export function makeRLSampler(c: RLRunConfig, family: EnvFamily): TaskSampler {
  checkConfig('makeRLSampler', c);
  if (family === null || typeof family !== 'object' || typeof family.make !== 'function') throw new ArgumentError(`makeRLSampler: family must be an EnvFamily, got ${describe(family)}`);
  const entry = samplerEntry(c.sampler ?? 'uniform');
  const options = Object.fromEntries(entry.options.filter((o) => c[o.field] !== undefined).map((o) => [o.field, c[o.field]]));
  return entry.create({ family: rlTaskFamily(family), metaBatch: c.metaBatch, metaSteps: c.metaSteps }, options);
}

/** The training options metaTrainRL takes for this run. */
export function rlTrainOptions(c: RLRunConfig): { mode: 'maml' | 'pretrain'; firstOrder: boolean; metaBatch: number; episodes: number; innerLr: number; maxKL: number; fisherSubsample: number; gamma: number; lambda: number } {
  return {
    mode: c.algo === 'maml-trpo' || c.algo === 'fomaml-trpo' ? 'maml' : 'pretrain', firstOrder: c.algo === 'fomaml-trpo', metaBatch: c.metaBatch, episodes: c.episodes, innerLr: c.innerLr,
    maxKL: c.maxKL, fisherSubsample: c.fisherSubsample, gamma: c.gamma, lambda: c.lambda,
  };
}
