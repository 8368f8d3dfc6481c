// A run's configuration, declared once: each training option's flag, its field in config.json,
// its type, range, default and help line. `train --help`, the parser of the command line and
// the reader of config.json all come from this table, so a default or a range is written once
// and a hand-edited config.json is held to the same rules as the command line.
import { CheckpointError } from '../errors.ts';
import type { ActivationName } from '../nn/layers.ts';
import { UsageError } from './io.ts';

export const ENVS = ['sinusoid'] as const;
export const ALGOS = ['maml', 'fomaml', 'metasgd', 'reptile', 'anil', 'pretrain'] as const;
export type EnvName = (typeof ENVS)[number];
export type AlgoName = (typeof ALGOS)[number];

export interface RunConfig {
  format: 'metagrad-run/1';
  env: EnvName;
  algo: AlgoName;
  metaSteps: number;
  metaBatch: number;
  shots: number;
  querySize: number;
  innerSteps: number;
  innerLr: number;
  outerLr: number;
  hidden: number[];
  activation: ActivationName;
  seed: number;
  /** Threads the meta-batch is split over (parallelTasks); absent means 1. */
  workers?: number;
  /** Reproducible mode (setReproducible): the same bytes on every machine; absent means off. */
  reproducible?: true;
}

/** The largest model the command builds: 10^8 parameters (0.4 GB, and Adam keeps two more). */
export const MAX_PARAMETERS = 1e8;
const MAX_HIDDEN = 65536;

type Field = Exclude<keyof RunConfig, 'format' | 'activation'>;
interface OptionSpec {
  flag: string;
  field: Field;
  kind: 'choice' | 'int' | 'number' | 'list' | 'flag';
  /** The default, given the fields parsed before this one. */
  dflt: (c: Partial<RunConfig>) => unknown;
  min?: (c: Partial<RunConfig>) => number;
  max?: number;
  /** > min rather than >= min. */
  above?: boolean;
  choices?: readonly string[];
  arg: string;
  help: string;
}

export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { flag: 'env', field: 'env', kind: 'choice', choices: ENVS, dflt: () => 'sinusoid', arg: 'NAME', help: `task family: ${ENVS.join(', ')} (default sinusoid)` },
  { flag: 'algo', field: 'algo', kind: 'choice', choices: ALGOS, dflt: () => 'maml', arg: 'NAME', help: `${ALGOS.join(' | ')} (default maml)` },
  { flag: 'meta-steps', field: 'metaSteps', kind: 'int', min: () => 0, max: 10_000_000, dflt: () => 2000, arg: 'N', help: 'outer steps (default 2000)' },
  { flag: 'meta-batch', field: 'metaBatch', kind: 'int', min: () => 1, max: 100_000, dflt: () => 25, arg: 'N', help: 'tasks per outer step (default 25)' },
  { flag: 'shots', field: 'shots', kind: 'int', min: () => 1, max: 100_000, dflt: () => 10, arg: 'K', help: 'support points per task (default 10)' },
  { flag: 'query-size', field: 'querySize', kind: 'int', min: () => 1, max: 100_000, dflt: (c) => c.shots, arg: 'N', help: 'query points per task (default: shots)' },
  { flag: 'inner-steps', field: 'innerSteps', kind: 'int', min: (c) => (c.algo === 'reptile' ? 1 : 0), max: 1000, dflt: (c) => (c.algo === 'reptile' ? 5 : 1), arg: 'N', help: 'inner SGD steps (default 1; reptile 5)' },
  { flag: 'inner-lr', field: 'innerLr', kind: 'number', min: () => 0, dflt: () => 0.01, arg: 'X', help: 'inner learning rate (default 0.01)' },
  { flag: 'outer-lr', field: 'outerLr', kind: 'number', min: () => 0, above: true, dflt: () => 1e-3, arg: 'X', help: 'Adam learning rate (default 0.001)' },
  { flag: 'hidden', field: 'hidden', kind: 'list', min: () => 1, max: MAX_HIDDEN, dflt: () => [40, 40], arg: 'A,B', help: `hidden layer sizes (default 40,40; each at most ${MAX_HIDDEN})` },
  { flag: 'seed', field: 'seed', kind: 'int', min: () => 0, max: 2 ** 31 - 1, dflt: () => 0, arg: 'S', help: 'seed (default 0): the same seed gives the same numbers' },
  { flag: 'reproducible', field: 'reproducible', kind: 'flag', dflt: () => undefined, arg: '', help: 'the same bytes on every machine: plain SIMD, no fused multiply-add (about\n                      10% slower); without it, numbers depend on the CPU in the last bits' },
  { flag: 'workers', field: 'workers', kind: 'int', min: () => 1, max: 64, dflt: () => 1, arg: 'N', help: 'threads the meta-batch is split over (default 1); the same seed and N\n                      give the same numbers, a different N the same up to rounding' },
];

/** The help lines of the training options, aligned as the rest of the help. */
export function trainOptionsHelp(): string {
  return TRAIN_OPTIONS.map((o) => `  ${`--${o.flag} ${o.arg}`.padEnd(20)}${o.help}`).join('\n');
}

function parseOne(o: OptionSpec, raw: unknown, c: Partial<RunConfig>, name: string): unknown {
  if (raw === undefined) return o.dflt(c);
  if (o.kind === 'flag') {
    if (raw !== true && raw !== false) throw new UsageError(`${name} must be true or false, got '${String(raw)}'`);
    return raw ? true : undefined;
  }
  const min = o.min?.(c) ?? -Infinity;
  const max = o.max ?? Infinity;
  // the wording the command line has always used
  const range = o.kind === 'int' ? `from ${min}${max < Infinity ? ` to ${max}` : ''}` : `${o.above ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}`;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (o.kind === 'choice') {
    if (typeof raw !== 'string' || !o.choices!.includes(raw)) throw new UsageError(`${name} must be one of ${o.choices!.join(', ')}, got '${text}'`);
    return raw;
  }
  if (o.kind === 'list') {
    const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s))) : [NaN];
    if (parts.length === 0 || parts.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      throw new UsageError(`${name} must be comma-separated integers from ${min} to ${max}, got '${text}'`);
    }
    return parts;
  }
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const bad = !Number.isFinite(v) || (o.kind === 'int' && !Number.isInteger(v)) || v < min || (o.above && v === min) || v > max;
  if (bad) throw new UsageError(`${name} must be ${o.kind === 'int' ? 'an integer' : 'a number'} ${range}, got '${text}'`);
  return v;
}

/** Parameters of the MLP the run builds: (in+1)·out summed over its layers. */
export function parameterCount(c: Pick<RunConfig, 'hidden'>, inputSize = 1, outputSize = 1): number {
  const sizes = [inputSize, ...c.hidden, outputSize];
  let n = 0;
  for (let i = 1; i < sizes.length; i++) n += (sizes[i - 1] + 1) * sizes[i];
  return n;
}

/** A RunConfig from values keyed by flag (the command line) or by field (config.json). */
function build(get: (o: OptionSpec) => unknown, name: (o: OptionSpec) => string): RunConfig {
  const c: Partial<RunConfig> = {};
  for (const o of TRAIN_OPTIONS) (c as Record<string, unknown>)[o.field] = parseOne(o, get(o), c, name(o));
  const params = parameterCount(c as RunConfig);
  if (params > MAX_PARAMETERS) {
    throw new UsageError(`${name(TRAIN_OPTIONS.find((o) => o.field === 'hidden')!)} ${c.hidden!.join(',')} makes a model of ${params.toExponential(2)} parameters, more than the ${MAX_PARAMETERS.toExponential(0)} this command builds`);
  }
  // the key order config.json has always had
  return {
    format: 'metagrad-run/1', env: c.env!, algo: c.algo!, metaSteps: c.metaSteps!, metaBatch: c.metaBatch!, shots: c.shots!,
    querySize: c.querySize!, innerSteps: c.innerSteps!, innerLr: c.innerLr!, outerLr: c.outerLr!, hidden: c.hidden!,
    activation: 'relu', seed: c.seed!, workers: c.workers!, ...(c.reproducible ? { reproducible: true as const } : {}),
  };
}

/** The run configuration from parsed command-line values; UsageError names the flag. */
export function trainConfig(values: Record<string, unknown>): RunConfig {
  return build((o) => values[o.flag], (o) => `--${o.flag}`);
}

/**
 * A config.json (already parsed JSON) checked by the same rules as the command line; anything
 * else is a CheckpointError naming the file and the field.
 */
export function configFromJson(raw: unknown, path: string): RunConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CheckpointError(`${path}: expected a JSON object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  if (r.format !== 'metagrad-run/1') throw new CheckpointError(`${path}: unknown format '${String(r.format)}' (expected metagrad-run/1)`);
  if (r.activation !== undefined && r.activation !== 'relu') throw new CheckpointError(`${path}: activation must be relu, got ${JSON.stringify(r.activation)}`);
  for (const o of TRAIN_OPTIONS) {
    if (r[o.field] === undefined && o.field !== 'workers' && o.field !== 'reproducible') throw new CheckpointError(`${path}: the field '${o.field}' is missing`);
  }
  try {
    return build((o) => r[o.field], (o) => o.field);
  } catch (e) {
    throw new CheckpointError(`${path}: ${(e as Error).message}`);
  }
}

/** What config.json stores, byte for byte. */
export function configJson(c: RunConfig): string {
  return JSON.stringify(c, null, 2) + '\n';
}
