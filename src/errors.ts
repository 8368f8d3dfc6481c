// Typed errors shared by every layer. Each message names the op (or option) and the values
// involved, so a user can find the bad call without a debugger.

/** Base class of every error metagrad throws on purpose. */
export class MetagradError extends Error {
  override name = 'MetagradError';
}

/** Shapes that cannot work together: broadcasting, matmul inner dimensions, conv channels... */
export class ShapeError extends MetagradError {
  override name = 'ShapeError';
}

/** Mixed or unsupported dtypes, or non-integer / out-of-range index values. */
export class DTypeError extends MetagradError {
  override name = 'DTypeError';
}

/** A gradient request that cannot be answered: non-scalar output, unused input, freed graph. */
export class GradError extends MetagradError {
  override name = 'GradError';
}

/** Thrown in anomaly mode at the first op whose forward or backward produced NaN or Infinity. */
export class AnomalyError extends MetagradError {
  override name = 'AnomalyError';
}

/** A tensor used after the tidy() that computed it released its elements. */
export class DisposedError extends MetagradError {
  override name = 'DisposedError';
}

/** A kernel backend that is missing, cannot start, or lacks a kernel. */
export class BackendError extends MetagradError {
  override name = 'BackendError';
}

/** Formats a shape the way errors print it: [2,3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** A checkpoint that is truncated, corrupted, or does not fit the model it is loaded into. */
export class CheckpointError extends MetagradError {
  override name = 'CheckpointError';
}

/**
 * The class name an error message shows for `obj`: a library class's own `typeName` (bundlers
 * minify class names to `gr`), else the constructor's name (a user's subclass keeps its own).
 */
export function className(obj: object): string {
  const ctor = obj.constructor as { typeName?: string; name: string };
  return Object.prototype.hasOwnProperty.call(ctor, 'typeName') ? ctor.typeName! : ctor.name;
}

/**
 * Training produced a non-finite loss or gradient. Thrown before the update, so the parameters
 * are still those of the last finite step.
 */
export class DivergedError extends MetagradError {
  override name = 'DivergedError';
  constructor(message: string, readonly step: number, readonly loss: number) {
    super(message);
  }
}

/** An argument or option of the wrong type or out of its range: a string for a tensor, lr NaN. */
export class ArgumentError extends MetagradError {
  override name = 'ArgumentError';
}

/** A value as an error message shows it: its type, and the value itself when short. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const ctor = (v as object).constructor;
  if (ctor && ctor !== Object) {
    const shape = (v as { shape?: unknown }).shape;
    return Array.isArray(shape) ? `a ${className(v as object)} ${fmtShape(shape)}` : `a ${className(v as object)}`;
  }
  return 'an object';
}

/** The options argument of `op`: undefined becomes {}, anything but a plain object is refused. */
export function expectOptions<T extends object>(op: string, options: T | undefined, what = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`${op}: ${what} must be an object, got ${describe(options)}`);
  }
  return options;
}

export interface NumberRule {
  /** Smallest allowed value (inclusive unless `above`). */
  min?: number;
  /** Largest allowed value (inclusive unless `below`). */
  max?: number;
  /** min is exclusive. */
  above?: boolean;
  /** max is exclusive. */
  below?: boolean;
  integer?: boolean;
}

/** A finite number in the rule's range, or an ArgumentError naming op, option and value. */
export function expectNumber(op: string, name: string, v: unknown, rule: NumberRule = {}): number {
  const { min, max, above = false, below = false, integer = false } = rule;
  const bad = typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) ||
    (min !== undefined && (above ? v <= min : v < min)) || (max !== undefined && (below ? v >= max : v > max));
  if (bad) {
    const range = min !== undefined && max !== undefined ? ` in ${above ? '(' : '['}${min}, ${max}${below ? ')' : ']'}`
      : min !== undefined ? ` ${above ? '>' : '>='} ${min}` : max !== undefined ? ` ${below ? '<' : '<='} ${max}` : '';
    throw new ArgumentError(`${op}: ${name} must be a finite ${integer ? 'integer' : 'number'}${range}, got ${typeof v === 'number' ? v : describe(v)}`);
  }
  return v as number;
}

/** An array of finite numbers (a shape, a permutation, starts), or an ArgumentError naming it. */
export function expectNumbers(op: string, v: unknown, what: string): readonly number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isFinite(d))) {
    throw new ArgumentError(`${op}: ${what} must be an array of finite numbers, got ${Array.isArray(v) ? `[${v.map(String).join(',')}]` : describe(v)}`);
  }
  return v;
}

/** A callback argument: a function, or an ArgumentError naming op and argument. */
export function expectFunction(op: string, fn: unknown, what = 'fn'): void {
  if (typeof fn !== 'function') throw new ArgumentError(`${op}: ${what} must be a function, got ${describe(fn)}`);
}
