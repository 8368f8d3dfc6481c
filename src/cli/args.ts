// Option parsing helpers: every bad value becomes a UsageError naming the option and the value.
import { UsageError } from './io.ts';

export type Values = Record<string, string | boolean | undefined>;

export function intOption(values: Values, name: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got '${String(raw)}'`);
  }
  return v;
}

export function numOption(values: Values, name: string, dflt: number, min: number, max = Infinity, minExclusive = false): number {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || v < min || (minExclusive && v === min) || v > max) {
    throw new UsageError(`--${name} must be a number ${minExclusive ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}, got '${String(raw)}'`);
  }
  return v;
}
