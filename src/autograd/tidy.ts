// tidy(fn): run fn with its results' memory recycled. Every array an op allocates inside is
// carved from one arena by a bump pointer, and the whole arena is reused by the next tidy, so
// a loop of meta-steps stops paying for fresh zeroed buffers (a sixth of a MAML meta-step).
// On a WASM backend the arena is the module's own linear memory, so kernels read their
// operands and write their results in place instead of copying them in and out.
//
// When fn returns, the tensors it returns (found inside arrays, Maps and plain objects), the
// ones passed to keep(), and leaves that require grad move to ordinary memory; every other
// tensor made inside is released: reading it throws a DisposedError naming its shape, never
// stale numbers. TensorFlow.js's tf.tidy and tf.keep have the same contract.
import { MetagradError } from '../errors.ts';
import { kernels } from '../kernels/backend.ts';
import type { Arena, FloatArray, Kernels } from '../kernels/types.ts';
import { Tensor, allocatePersistent, tidyLog } from './tensor.ts';

// The arena of backends that lend none (the JS twins, threads): a plain buffer, kept between
// tidies and replaced by a larger one when a tidy overflowed it.
let jsArenaBytes = 1 << 22;
let jsArenaBuffer: ArrayBuffer | null = null;

let depth = 0;
let lender: Kernels | null = null;
let kept = new Set<Tensor>();

/**
 * Runs fn and recycles the memory of every tensor it made except those it returns (inside
 * arrays, Maps or plain objects), those passed to keep(), and new leaves that require grad.
 * Tidies nest; the outermost one hands the arena back.
 * @example
 * const w = randn([3, 3], { requiresGrad: true });
 * const g = tidy(() => grad(sum(tanh(matmul(w, w))), [w])[0]); // the tanh, matmul... are released
 * g.shape // [3, 3]
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new MetagradError(`tidy: expected a function, got ${typeof fn}`);
  if (depth === 0) open();
  const arena = tidyLog.arena!;
  const firstMade = tidyLog.made.length;
  const top = arena.top;
  const overflow = arena.overflowBytes;
  depth++;
  let result: T | undefined;
  try {
    result = fn();
    return result;
  } finally {
    depth--;
    release(arena, firstMade, top, result);
    arena.overflowBytes = overflow;
    if (depth === 0) close(arena);
  }
}

/**
 * Marks a tensor made inside a tidy() to survive it (moved to ordinary memory when the
 * tidy ends). Outside a tidy it does nothing. Returns the tensor.
 * @example
 * let kept!: Tensor;
 * tidy(() => { kept = keep(mul(tensor([1, 2]), 2)); });
 * kept.data // Float32Array [2, 4]
 */
export function keep(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new MetagradError(`keep: expected a Tensor, got ${typeof t}`);
  if (depth > 0) kept.add(t);
  return t;
}

/** True while a tidy() is running. @example tidy(() => isTidy()) // true */
export function isTidy(): boolean {
  return depth > 0;
}

function open(): void {
  lender = kernels();
  let arena = lender.openArena?.() ?? null;
  if (arena === null) {
    lender = null;
    if (jsArenaBuffer === null || jsArenaBuffer.byteLength < jsArenaBytes) jsArenaBuffer = new ArrayBuffer(jsArenaBytes);
    arena = { buffer: jsArenaBuffer, top: 0, end: jsArenaBuffer.byteLength, overflowBytes: 0, overflowPeak: 0 };
  }
  tidyLog.arena = arena;
  tidyLog.open = true;
}

function close(arena: Arena): void {
  if (lender) lender.closeArena!(arena);
  else if (arena.overflowPeak > 0) jsArenaBytes = Math.max(2 * jsArenaBytes, jsArenaBytes + arena.overflowPeak);
  lender = null;
  tidyLog.arena = null;
  tidyLog.open = false;
  tidyLog.made.length = 0;
  kept = new Set();
}

/** Ends one tidy: moves survivors out of the arena, releases the rest, rewinds the pointer. */
function release(arena: Arena, firstMade: number, top: number, result: unknown): void {
  const survivors = new Set<Tensor>(kept);
  collect(result, survivors, 0);
  const made = tidyLog.made;
  const moved = new Map<FloatArray, FloatArray>(); // views of one array (reshape) stay shared
  // Lazy transposes first, while every source is still readable: a survivor copies its
  // elements into ordinary memory now, the rest are released with everything else.
  for (let i = firstMade; i < made.length; i++) {
    const t = made[i];
    if (t._data !== null || t._transposeOf === null) continue;
    if (survivors.has(t)) t.materialize(allocatePersistent(t.dtype, t.size));
    else t._transposeOf = null;
  }
  let outer = firstMade; // views of an enclosing tidy's memory: that tidy releases them
  for (let i = firstMade; i < made.length; i++) {
    const t = made[i];
    const d = t._data;
    if (d === null || d.buffer !== arena.buffer) continue; // ordinary memory: the GC's
    if (d.byteOffset < top) {
      made[outer++] = t;
      continue;
    }
    if (survivors.has(t) || (t.requiresGrad && t.node === null)) {
      let copy = moved.get(d);
      if (!copy) {
        copy = allocatePersistent(t.dtype, d.length);
        copy.set(d);
        moved.set(d, copy);
      }
      t._data = copy;
    } else {
      t._data = null;
    }
  }
  made.length = outer;
  arena.top = top;
}

// Tensors inside fn's result: arrays, Maps, Sets and plain objects, a few levels deep.
function collect(value: unknown, into: Set<Tensor>, level: number): void {
  if (value === null || typeof value !== 'object' || level > 4) return;
  if (value instanceof Tensor) {
    into.add(value);
    if (value.grad) into.add(value.grad);
  } else if (Array.isArray(value) || value instanceof Set) {
    for (const v of value) collect(v, into, level + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, level + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, level + 1);
  }
}
