// A group-shift run as data (like run-config.ts for meta-learning runs and src/rl/run-config.ts
// for meta-RL): `metagrad train --env rotated-digits|group-shift-2d --algo
// erm|uw|dro|arm-cml|arm-bn|arm-ll`, its options declared once for the command line, config.json
// and the help. The rotated digits come from the Node side (the core reads no files), so the
// family is built from images handed in.
import { ArgumentError, describe, expectOptions } from '../errors.ts';
import { checkedJsonConfig, parseOptions, type OptionSpec } from '../options.ts';
import type { DigitImages } from '../envs/digits.ts';
import { GroupShift2D, RotatedDigits, type GroupShiftData } from '../envs/groups.ts';
import { GROUP_METHODS, GroupShiftLearner, type GroupMethod } from './arm.ts';

/** The group-shift families by name. */
export const GROUP_ENVS = ['rotated-digits', 'group-shift-2d'] as const;
export type GroupEnv = (typeof GROUP_ENVS)[number];

export interface GroupRunConfig {
  format: 'metagrad-group-run/1';
  env: GroupEnv;
  algo: GroupMethod;
  steps: number;
  batchSize: number;
  metaBatch: number;
  lr: number;
  hidden: number[];
  seed: number;
  reproducible?: true;
}

/** The options of a group-shift run, in config.json's order. */
export const GROUP_RUN_OPTIONS: readonly OptionSpec[] = [
  { flag: 'env', field: 'env', kind: 'choice', choices: GROUP_ENVS, dflt: () => 'rotated-digits', arg: 'NAME', help: 'rotated-digits or group-shift-2d' },
  { flag: 'algo', field: 'algo', kind: 'choice', choices: GROUP_METHODS, dflt: () => 'arm-cml', arg: 'NAME', help: 'erm, uw, dro, arm-cml, arm-bn or arm-ll (default arm-cml)' },
  { flag: 'steps', field: 'steps', kind: 'int', min: () => 0, max: 10_000_000, dflt: () => 3000, arg: 'N', help: 'training steps (default 3000)' },
  { flag: 'batch-size', field: 'batchSize', kind: 'int', min: () => 2, max: 100_000, dflt: () => 50, arg: 'N', help: 'examples per batch, in training and in each test batch (default 50)' },
  { flag: 'meta-batch', field: 'metaBatch', kind: 'int', min: () => 1, max: 10_000, dflt: () => 2, arg: 'N', help: 'one-group batches per step of the ARM methods (default 2)' },
  { flag: 'outer-lr', field: 'lr', kind: 'number', min: () => 0, above: true, dflt: () => 1e-3, arg: 'X', help: 'Adam learning rate (default 0.001)' },
  { flag: 'hidden', field: 'hidden', kind: 'list', min: () => 1, max: 65536, dflt: () => [128, 128], arg: 'A,B', help: 'hidden layers of the MLP (default 128,128)' },
  { flag: 'seed', field: 'seed', kind: 'int', min: () => 0, max: 2 ** 31 - 1, dflt: () => 0, arg: 'S', help: 'seed (default 0): the same seed gives the same numbers' },
  { flag: 'reproducible', field: 'reproducible', kind: 'flag', dflt: () => undefined, arg: '', help: 'the same bytes on every machine (plain SIMD, no fused multiply-add)' },
];

const build = (get: (o: OptionSpec) => unknown, name: (o: OptionSpec) => string): GroupRunConfig =>
  ({ format: 'metagrad-group-run/1', ...parseOptions(GROUP_RUN_OPTIONS, get, name) }) as GroupRunConfig;

/**
 * A group-shift run's configuration from values keyed by command-line flag.
 * @example groupRunConfig({ algo: 'dro' }).env // 'rotated-digits'
 */
export function groupRunConfig(values: Record<string, unknown> = {}): GroupRunConfig {
  values = expectOptions('groupRunConfig', values, 'values');
  const known = new Set(GROUP_RUN_OPTIONS.map((o) => o.flag));
  const stray = Object.keys(values).filter((k) => values[k] !== undefined && !known.has(k));
  if (stray.length) throw new ArgumentError(`groupRunConfig: ${stray.map((k) => `--${k}`).join(', ')} is not an option of group-shift runs (--env ${String(values.env)}); they take ${[...known].map((k) => `--${k}`).join(', ')}`);
  return build((o) => { const v = values[o.flag]; return typeof v === 'number' ? String(v) : v; }, (o) => `--${o.flag}`);
}

/** A group-shift run's config.json held to the command line's rules; errors name the file and the field. */
export function checkedGroupRunConfig(raw: unknown, path: string): GroupRunConfig {
  return checkedJsonConfig(raw, path, 'metagrad-group-run/1', build, ['reproducible'], () => 'a group-shift run');
}

/**
 * The run's data (the digits' images for rotated-digits) and a fresh learner, seeded by the run.
 * @example makeGroupRun(groupRunConfig({ env: 'group-shift-2d', hidden: '8' })).learner.method // 'arm-cml'
 */
export function makeGroupRun(c: GroupRunConfig, images?: DigitImages): { data: GroupShiftData; learner: GroupShiftLearner } {
  if (c === null || typeof c !== 'object' || c.format !== 'metagrad-group-run/1') throw new ArgumentError(`makeGroupRun: expected a GroupRunConfig from groupRunConfig(), got ${describe(c)}`);
  if (c.env === 'rotated-digits' && images === undefined) throw new ArgumentError('makeGroupRun: rotated-digits needs the digits\' images (digitImages; the command line reads the mnist package)');
  const data = c.env === 'rotated-digits' ? new RotatedDigits(images!) : new GroupShift2D(0);
  return { data, learner: new GroupShiftLearner(c.algo, data, { seed: c.seed, batchSize: c.batchSize, metaBatch: c.metaBatch, lr: c.lr, hidden: c.hidden }) };
}
