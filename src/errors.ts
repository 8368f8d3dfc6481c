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
