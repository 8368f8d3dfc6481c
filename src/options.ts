// Declared options: what a registry entry (an environment, a learner, a sampler) or the command
// line accepts, each with its command-line flag, its key in a config file, its type, range,
// default and help line. One declaration serves the parser of the command line, the reader of
// config files and the help text, so a default or a range is written once.
import { ArgumentError, CheckpointError, describe } from './errors.ts';

export type OptionValues = Record<string, unknown>;

export interface OptionSpec {
  /** The command-line name, kebab-case: --inner-lr. */
  flag: string;
  /** The key in a config file and in the parsed values, camelCase: innerLr. */
  field: string;
  kind: 'choice' | 'int' | 'number' | 'list' | 'flag' | 'text';
  /** The default, given the values parsed before this one (options are parsed in order). */
  dflt: (parsed: OptionValues) => unknown;
  /** Smallest allowed value (of each element, for lists), given the values parsed before. */
  min?: (parsed: OptionValues) => number;
  /** Largest allowed value: a number, or one given the values parsed before. */
  max?: number | ((parsed: OptionValues) => number);
  /** > min rather than >= min. */
  above?: boolean;
  choices?: readonly string[];
  /** The argument's name in the help: N, X, NAME; '' for a flag. */
  arg: string;
  help: string;
}

/** The help lines of options, aligned as the command's help. */
export function optionsHelp(specs: readonly OptionSpec[], indent = '  '): string {
  const head = (o: OptionSpec) => `--${o.flag}${o.arg ? ` ${o.arg}` : ''}`;
  return specs.map((o) => `${indent}${head(o).length >= 20 ? `${head(o)} ` : head(o).padEnd(20)}${o.help}`).join('\n');
}

/**
 * One option's value from its raw form: a command-line string (or true for a flag), a config
 * file's JSON value, or undefined for the default. `name` is how errors call it (--inner-lr on
 * the command line, innerLr in a config file).
 */
export function parseOption(o: OptionSpec, raw: unknown, parsed: OptionValues, name: string): unknown {
  if (raw === undefined) return o.dflt(parsed);
  if (o.kind === 'flag') {
    if (raw !== true && raw !== false) throw new ArgumentError(`${name} must be true or false, got '${String(raw)}'`);
    return raw ? true : undefined;
  }
  const min = o.min?.(parsed) ?? -Infinity;
  const max = (typeof o.max === 'function' ? o.max(parsed) : o.max) ?? Infinity;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (o.kind === 'text') {
    if (typeof raw !== 'string' || raw.trim() === '') throw new ArgumentError(`${name} must be a name, got '${text}'`);
    return raw;
  }
  if (o.kind === 'choice') {
    if (typeof raw !== 'string' || !o.choices!.includes(raw)) throw new ArgumentError(`${name} must be one of ${o.choices!.join(', ')}, got '${text}'`);
    return raw;
  }
  if (o.kind === 'list') {
    const parts = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s))) : [NaN];
    if (parts.length === 0 || parts.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      throw new ArgumentError(`${name} must be comma-separated integers from ${min} to ${max}, got '${text}'`);
    }
    return parts;
  }
  // the wording the command line has always used
  const range = o.kind === 'int' ? `from ${min}${max < Infinity ? ` to ${max}` : ''}` : `${o.above ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}`;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const bad = !Number.isFinite(v) || (o.kind === 'int' && !Number.isInteger(v)) || v < min || (o.above && v === min) || v > max;
  if (bad) throw new ArgumentError(`${name} must be ${o.kind === 'int' ? 'an integer' : 'a number'} ${range}, got '${text}'`);
  return v;
}

/**
 * Values of all `specs`, in order, each from get(spec) (undefined: its default). Flags that are
 * unset stay absent, so a config file written from the values does not list them.
 */
export function parseOptions(specs: readonly OptionSpec[], get: (o: OptionSpec) => unknown, name: (o: OptionSpec) => string, parsed: OptionValues = {}): OptionValues {
  for (const o of specs) {
    const v = parseOption(o, get(o), parsed, name(o));
    if (v !== undefined) parsed[o.field] = v;
  }
  return parsed;
}

/** A registry of named entries (environments, learners, samplers), each declaring its options. */
export interface Entry {
  readonly name: string;
  /** One line for the help. */
  readonly summary: string;
  readonly options: readonly OptionSpec[];
}

export class Registry<E extends Entry> {
  private readonly entries = new Map<string, E>();

  /**
   * `kind` names the entries in errors ('environment', 'learner'), `getter` and `registrar` the
   * functions that read and add them; builtIns load on first use.
   */
  constructor(private readonly kind: string, private readonly getter: string, private readonly registrar: string, private readonly builtIns: () => readonly E[]) {}

  private loaded = false;

  private all(): Map<string, E> {
    if (!this.loaded) {
      this.loaded = true;
      for (const e of this.builtIns()) if (!this.entries.has(e.name)) this.entries.set(e.name, e);
    }
    return this.entries;
  }

  /** Adds an entry; a name that is taken is an ArgumentError. */
  register(entry: E): void {
    if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(entry.name)) {
      throw new ArgumentError(`${this.registrar}: a ${this.kind} needs a name of lower-case letters, digits and dashes, got ${entry === null || typeof entry !== 'object' ? describe(entry) : JSON.stringify(entry.name)}`);
    }
    if (typeof entry.summary !== 'string' || !Array.isArray(entry.options)) {
      throw new ArgumentError(`${this.registrar}: the ${this.kind} '${entry.name}' needs a summary (a string) and options (an array, possibly empty)`);
    }
    if (this.all().has(entry.name)) throw new ArgumentError(`${this.registrar}: there is already a ${this.kind} named '${entry.name}'`);
    this.entries.set(entry.name, entry);
  }

  /** The entry of this name, or an ArgumentError listing the names there are. */
  get(name: string): E {
    const e = this.all().get(name);
    if (!e) throw new ArgumentError(`${this.getter}: unknown ${this.kind} ${typeof name === 'string' ? `'${name}'` : describe(name)}; expected one of ${this.names().join(', ')}`);
    return e;
  }

  has(name: string): boolean {
    return this.all().has(name);
  }

  names(): string[] {
    return [...this.all().keys()];
  }

  list(): E[] {
    return [...this.all().values()];
  }
}

/**
 * A run's config.json (parsed JSON) of `format`, its fields read by `build` under the command
 * line's rules: anything else is a CheckpointError naming the file (`path`) and the field.
 * `optional` fields may be absent; `what(config)` says what kind of run an unknown field is not of.
 */
export function checkedJsonConfig<C extends object>(raw: unknown, path: string, format: string, build: (get: (o: OptionSpec) => unknown, name: (o: OptionSpec) => string) => C,
  optional: readonly string[], what: (c: C) => string): C {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CheckpointError(`${path}: expected a JSON object, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  if (r.format !== format) throw new CheckpointError(`${path}: unknown format '${String(r.format)}' (expected ${format})`);
  let c: C;
  try {
    c = build((o) => r[o.field], (o) => o.field);
  } catch (e) {
    throw new CheckpointError(`${path}: ${(e as Error).message}`);
  }
  const skip = new Set(optional);
  const missing = Object.keys(c).filter((k) => r[k] === undefined && !skip.has(k));
  if (missing.length) throw new CheckpointError(`${path}: the field '${missing[0]}' is missing`);
  const unknown = Object.keys(r).filter((k) => !(k in c) && !skip.has(k));
  if (unknown.length) throw new CheckpointError(`${path}: unknown field '${unknown[0]}' for ${what(c)}`);
  return c;
}
