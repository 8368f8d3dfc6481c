// How parallelTasks' caller and workers lay out a shard in shared memory: after the hand-off's
// control words (HEADER_BYTES), Float64 values: the task count, the meta-parameters and extra
// state, then each task's four tensors as dtype, ndim, dims, values; back come the shard's mean
// loss, task losses and gradients (of the mean, or each task's when the count was negative), or
// an error message as character codes.
import { MetagradError } from '../errors.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { Batch } from '../envs/task.ts';
import type { Learner, TaskData } from './learner.ts';

/** Bytes of control words before the payload. */
export const HEADER_BYTES = 64;
const MAX_BYTES = 1 << 30;

export const stateOf = (learner: Learner): Tensor[] => [...learner.metaParameters(), ...Object.values(learner.extraState?.() ?? {})];

export function newBuffer(bytes: number): SharedArrayBuffer {
  const init = HEADER_BYTES + bytes;
  // Growable where the runtime allows (ES2024); otherwise one buffer as large as it may get.
  const sab = new (SharedArrayBuffer as unknown as new (n: number, o: object) => SharedArrayBuffer)(init, { maxByteLength: MAX_BYTES });
  return (sab as unknown as { growable?: boolean }).growable ? sab : new SharedArrayBuffer(Math.max(init, 1 << 26));
}

export function ensurePayload(sab: SharedArrayBuffer, floats: number): void {
  const bytes = HEADER_BYTES + floats * 8;
  if (sab.byteLength >= bytes) return;
  const g = sab as unknown as { growable?: boolean; grow(n: number): void };
  if (!g.growable || bytes > MAX_BYTES) {
    throw new MetagradError(`parallelTasks: a shard needs ${(bytes / 2 ** 20).toFixed(1)} MiB of shared memory, more than the ${(sab.byteLength / 2 ** 20).toFixed(0)} MiB available`);
  }
  g.grow(Math.max(bytes, Math.min(MAX_BYTES, 2 * sab.byteLength)));
}

const batchTensors = (t: TaskData): Tensor[] => [t.support.x, t.support.y, t.query.x, t.query.y];
export const taskFloats = (t: TaskData) => batchTensors(t).reduce((s, x) => s + 2 + x.ndim + x.size, 0);

/**
 * Writes the task count (negative: return each task's own gradient, not the shard's mean),
 * state values, then each task's four tensors as dtype, ndim, dims, values.
 */
export function writeJob(p: Float64Array, state: readonly Tensor[], tasks: readonly TaskData[], perTask = false): void {
  let at = 0;
  p[at++] = perTask ? -tasks.length : tasks.length;
  for (const t of state) {
    p.set(t.data, at);
    at += t.size;
  }
  for (const task of tasks) {
    for (const x of batchTensors(task)) {
      p[at++] = x.dtype === 'float64' ? 1 : 0;
      p[at++] = x.ndim;
      for (const d of x.shape) p[at++] = d;
      p.set(x.data, at);
      at += x.size;
    }
  }
}

export function readTasks(p: Float64Array, at: number, n: number): TaskData[] {
  const read = (): Tensor => {
    const f64 = p[at++] === 1;
    const ndim = p[at++];
    const shape: number[] = [];
    let size = 1;
    for (let i = 0; i < ndim; i++) {
      shape.push(p[at++]);
      size *= shape[i];
    }
    const data = f64 ? new Float64Array(size) : new Float32Array(size);
    data.set(p.subarray(at, at + size));
    at += size;
    return new Tensor(data, shape);
  };
  return Array.from({ length: n }, () => {
    const support: Batch = { x: read(), y: read() };
    return { support, query: { x: read(), y: read() } };
  });
}

export function writeError(sab: SharedArrayBuffer, e: unknown): void {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const p = new Float64Array(sab, HEADER_BYTES);
  const n = Math.min(msg.length, p.length - 1);
  p[0] = n;
  for (let i = 0; i < n; i++) p[1 + i] = msg.charCodeAt(i);
}

export function readError(sab: SharedArrayBuffer): string {
  const p = new Float64Array(sab, HEADER_BYTES);
  return String.fromCharCode(...Array.from(p.subarray(1, 1 + p[0])));
}

