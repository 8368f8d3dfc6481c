// Tensor: a dense row-major typed array (float32 or float64), a shape, and an optional tape
// Node saying which op made it. Creation functions live here too. Ops are attached as methods
// in methods.ts so that this file imports no op (and no import cycle forms).
import { ArgumentError, DTypeError, DisposedError, GradError, ShapeError, describe, expectNumber, expectOptions, fmtShape } from '../errors.ts';
import { Rng, expectRng } from '../rng.ts';
import type { Arena, DType, FloatArray } from '../kernels/types.ts';
import { carve } from '../kernels/bump.ts';
import { permute } from '../kernels/js/strided.ts';
import { checkShape, sizeOf } from './shape.ts';
import type { Node } from './tape.ts';

export type { DType, FloatArray };
export type NestedArray = number | readonly NestedArray[];

export interface TensorOptions {
  dtype?: DType;
  shape?: readonly number[];
  requiresGrad?: boolean;
}

export class Tensor {
  /** @internal The elements; null once the tidy() that made them has ended (see tidy.ts). */
  _data: FloatArray | null;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** True for a leaf the user asked gradients of, and for every result computed from one. */
  requiresGrad = false;
  /** Gradient accumulated by backward() on a leaf. */
  grad: Tensor | null = null;
  /** The op that produced this tensor on the tape; null for leaves and untracked results. */
  node: Node | null = null;
  /**
   * @internal Set while this tensor is a lazy transpose (the last two axes swapped) of another
   * whose elements it has not copied yet: a matmul reads the other with a transpose flag, so
   * `matmul(transpose(a), b)` never copies; anything else that reads `.data` copies then.
   */
  _transposeOf: Tensor | null = null;

  constructor(data: FloatArray, shape: readonly number[], requiresGrad = false) {
    // Every op result passes here: the checks stay small enough for V8 to inline the constructor,
    // and the messages are built elsewhere, only when a check fails.
    if ((!(data instanceof Float32Array) && !(data instanceof Float64Array)) || !Array.isArray(shape) || data.length !== sizeOf(shape)) {
      badTensorArguments(data, shape);
    }
    this._data = data;
    this.shape = shape;
    this.dtype = data instanceof Float64Array ? 'float64' : 'float32';
    this.requiresGrad = requiresGrad;
    if (tidyLog.open) tidyLog.made.push(this);
  }

  /** @internal The transpose of x's last two axes, its elements copied only when read. */
  static lazyTranspose(x: Tensor): Tensor {
    const n = x.shape.length;
    const shape = [...x.shape.slice(0, n - 2), x.shape[n - 1], x.shape[n - 2]];
    const t = new Tensor(x.dtype === 'float64' ? EMPTY64 : EMPTY32, [0]);
    (t as { shape: readonly number[] }).shape = shape;
    (t as { dtype: DType }).dtype = x.dtype;
    t._data = null;
    t._transposeOf = x;
    return t;
  }

  /** The elements, row-major. Shared (not copied) by reshape. */
  get data(): FloatArray {
    const d = this._data;
    if (d === null) {
      if (this._transposeOf !== null) return this.materialize(allocate(this.dtype, sizeOf(this.shape), false));
      throw new DisposedError(`Tensor ${fmtShape(this.shape)} was released when the tidy() that computed it ended; ` +
        'return it from the tidy function (or keep() it) to use it afterwards');
    }
    return d;
  }

  /** @internal A lazy transpose's elements, written into `into` (which it keeps). */
  materialize(into: FloatArray): FloatArray {
    const x = this._transposeOf!;
    const n = x.shape.length;
    const perm = Array.from({ length: n }, (_, i) => i);
    [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
    permute(x.data, x.shape, perm, into);
    this._data = into;
    this._transposeOf = null;
    return into;
  }

  /** False once a tidy() has released this tensor's elements. */
  get isDisposed(): boolean {
    return this._data === null && this._transposeOf === null;
  }

  get size(): number {
    return this._data !== null ? this._data.length : sizeOf(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True when no recorded op produced this tensor. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.data.length !== 1) throw new ShapeError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.data.length} elements, not 1`);
    return this.data[0];
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset];
      const inner = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  /** A tensor sharing this one's data, cut from the tape. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** Sets requiresGrad on a leaf, in place; returns this. */
  requiresGrad_(on = true): this {
    if (!this.isLeaf) throw new GradError(`requiresGrad_: only leaves can change requiresGrad (this tensor was made by ${this.node!.op}); use .detach().requiresGrad_()`);
    this.requiresGrad = on;
    return this;
  }

  /** A copy in the given dtype (off the tape: casts are not differentiated). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    return new Tensor(dtype === 'float64' ? Float64Array.from(this.data) : Float32Array.from(this.data), this.shape);
  }

  toString(): string {
    return `Tensor(${JSON.stringify(this.toArray())}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.node ? `, op=${this.node.op}` : ''})`;
  }
}

// Small and mid-sized arrays are carved from 64 KiB slabs by a bump pointer: V8 gives every
// `new Float32Array(n)` above 64 bytes its own zeroed backing store, which cost ~0.5-0.9 us
// against ~0.07-0.4 us for a view on a slab (measured here for n = 100..1600), and was a quarter
// of a MAML meta-step. Slabs are never reused, so a carved region is always fresh zeros, and a
// slab is freed by the GC once no tensor views it. Arrays over 16 KiB get their own buffer, so
// a long-lived tensor pins at most one slab. (Transfer `data.slice()`, not `data.buffer`.)
const SLAB_BYTES = 1 << 16;
const CARVE_MAX_BYTES = 1 << 14;
const CARVE_MIN_BYTES = 64;
const newSlab = () => ({ buffer: new ArrayBuffer(SLAB_BYTES), top: 0, end: SLAB_BYTES });
let slab = newSlab();

/**
 * Zeroed memory that no tidy() will reclaim: parameters, optimizer moments, running
 * statistics — anything kept as a raw array rather than inside a Tensor.
 */
export function allocatePersistent(dtype: DType, n: number): FloatArray {
  const bytes = n * (dtype === 'float64' ? 8 : 4);
  if (bytes <= CARVE_MIN_BYTES || bytes > CARVE_MAX_BYTES) return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  let at = carve(slab, bytes);
  if (at < 0) {
    slab = newSlab();
    at = carve(slab, bytes);
  }
  return dtype === 'float64' ? new Float64Array(slab.buffer, at, n) : new Float32Array(slab.buffer, at, n);
}

/**
 * Tensors made while a tidy() is open (the constructor logs them), and the arena that tidy
 * carves their elements from. tidy.ts opens and closes it; allocate() and the constructor
 * only read it, so this file imports nothing from tidy.ts.
 */
export const tidyLog: { open: boolean; made: Tensor[]; arena: Arena | null } = { open: false, made: [], arena: null };

/**
 * Zeroed memory for an op's result, to be wrapped in a Tensor at once. Inside a tidy() it is
 * carved from the arena (the backend's own memory when it has one, so its kernels read and
 * write it in place), and reclaimed when that tidy ends. `zeroed = false` skips clearing
 * recycled memory, for a kernel that writes every element (GEMM, elementwise, broadcast).
 */
export function allocate(dtype: DType, n: number, zeroed = true): FloatArray {
  const arena = tidyLog.arena;
  if (arena !== null) {
    const bytes = n * (dtype === 'float64' ? 8 : 4);
    const at = carve(arena, bytes);
    if (at >= 0) {
      const view = dtype === 'float64' ? new Float64Array(arena.buffer, at, n) : new Float32Array(arena.buffer, at, n);
      if (zeroed) view.fill(0); // the arena is reused: earlier tidies left values here
      return view;
    }
    arena.overflowBytes += bytes;
    if (arena.overflowBytes > arena.overflowPeak) arena.overflowPeak = arena.overflowBytes;
  }
  return allocatePersistent(dtype, n);
}

// A leaf created with requiresGrad is a parameter: it outlives any tidy() it is made in.
const allocateFor = (dtype: DType, n: number, requiresGrad: boolean | undefined) =>
  requiresGrad ? allocatePersistent(dtype, n) : allocate(dtype, n);

function checkDType(op: string, dtype: unknown): DType {
  if (dtype === undefined) return 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new DTypeError(`${op}: unsupported dtype '${String(dtype)}'; use 'float32' or 'float64'`);
  return dtype;
}

function inferShape(op: string, data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  if (shape.includes(0)) return shape;
  const check = (v: NestedArray, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new ShapeError(`${op}: ragged nested array: expected a number at depth ${axis}, shape ${fmtShape(shape)}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new ShapeError(`${op}: ragged nested array: expected length ${shape[axis]} at depth ${axis}, shape ${fmtShape(shape)}`);
    }
    for (const x of v) check(x, axis + 1);
  };
  check(data, 0);
  return shape;
}

/**
 * Creates a tensor from a number, nested arrays or a typed array (copied).
 * @example
 * tensor([[1, 2], [3, 4]]);                     // float32, shape [2, 2]
 * tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'float64', requiresGrad: true });
 */
export function tensor(data: NestedArray | FloatArray | ArrayLike<number>, options: TensorOptions = {}): Tensor {
  options = expectOptions('tensor', options);
  const isTyped = ArrayBuffer.isView(data);
  const raw = data as unknown;
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array || raw instanceof DataView) {
    throw new DTypeError(`tensor: cannot make a tensor from ${describe(data)}; pass numbers, nested arrays or a float or integer typed array`);
  }
  if (!isTyped && typeof data !== 'number' && !Array.isArray(data)) {
    throw new ArgumentError(`tensor: data must be a number, nested arrays or a typed array, got ${describe(data)}`);
  }
  const dtype = options.dtype ? checkDType('tensor', options.dtype) : data instanceof Float64Array ? 'float64' : 'float32';
  let shape: number[];
  let flat: ArrayLike<number>;
  if (isTyped) {
    flat = data as ArrayLike<number>;
    shape = options.shape ? [...options.shape] : [flat.length];
  } else {
    const nested = data as NestedArray;
    const inferred = inferShape('tensor', nested);
    flat = typeof nested === 'number' ? [nested] : (nested as unknown[]).flat(Infinity as 1) as number[];
    shape = options.shape ? [...options.shape] : inferred;
  }
  checkShape('tensor', shape);
  if (sizeOf(shape) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(shape)}`);
  }
  const arr = allocateFor(dtype, flat.length, options.requiresGrad);
  for (let i = 0; i < flat.length; i++) arr[i] = flat[i];
  return new Tensor(arr, shape, options.requiresGrad ?? false);
}

interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** A tensor of shape filled with value. @example full([2, 3], 7) */
export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

/** full's work, its checks naming the public function that called it. */
function filled(op: string, shape: readonly number[], value: number, options: CreateOptions): Tensor {
  checkShape(op, shape);
  options = expectOptions(op, options);
  if (typeof value !== 'number') throw new ArgumentError(`${op}: value must be a number, got ${describe(value)}`);
  const arr = allocateFor(checkDType(op, options.dtype), sizeOf(shape), options.requiresGrad);
  if (value !== 0) arr.fill(value);
  return new Tensor(arr, [...shape], options.requiresGrad ?? false);
}

/** @example zeros([2, 3]) */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** @example ones([3]) */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/**
 * Zeros with x's shape and dtype.
 * @example zerosLike(ones([2, 3])) // zeros [2, 3]
 */
export function zerosLike(x: Tensor): Tensor {
  expectTensor('zerosLike', x);
  return filled('zerosLike', x.shape, 0, { dtype: x.dtype });
}

/**
 * Ones with x's shape and dtype.
 * @example onesLike(zeros([2, 2], { dtype: 'float64' })) // float64 ones [2, 2]
 */
export function onesLike(x: Tensor): Tensor {
  expectTensor('onesLike', x);
  return filled('onesLike', x.shape, 1, { dtype: x.dtype });
}

/**
 * Evenly spaced values in [start, stop): arange(n) or arange(start, stop, step).
 * @example arange(5) // [0, 1, 2, 3, 4]
 */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  expectNumber('arange', 'start', start);
  expectNumber('arange', 'stop', stop);
  expectNumber('arange', 'step', step);
  if (step === 0) throw new ArgumentError(`arange: step must be non-zero`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkShape('arange', [n]);
  const arr = allocateFor(checkDType('arange', options.dtype), n, options.requiresGrad);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return new Tensor(arr, [n], options.requiresGrad ?? false);
}

/** Identity matrix n x m (m defaults to n). @example eye(3) */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  options = expectOptions('eye', options);
  const arr = allocateFor(checkDType('eye', options.dtype), n * m, options.requiresGrad);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return new Tensor(arr, [n, m], options.requiresGrad ?? false);
}

let defaultRng = new Rng(0);

/**
 * Reseeds the generator that rand and randn use when no rng is given.
 * @example manualSeed(42); randn([2]) // the same two numbers every time
 */
export function manualSeed(seed: number): void {
  expectNumber('manualSeed', 'seed', seed, { integer: true });
  defaultRng = new Rng(seed);
}

interface RandomOptions extends CreateOptions {
  rng?: Rng;
}

/** A tensor of `shape` filled by draw(rng), the options' rng or the default one. */
function sampled(op: string, shape: readonly number[], options: RandomOptions, draw: (rng: Rng) => number): Tensor {
  options = expectOptions(op, options);
  const rng = options.rng === undefined ? defaultRng : expectRng(op, options.rng, 'options.rng');
  const t = filled(op, shape, 0, options);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = draw(rng);
  return t;
}

/** Uniform [0, 1) samples. @example rand([2, 2], { rng: new Rng(1) }) */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return sampled('rand', shape, options, (rng) => rng.uniform());
}

/** Standard normal samples. @example randn([3], { rng: new Rng(1), dtype: 'float64' }) */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return sampled('randn', shape, options, (rng) => rng.normal());
}

/** Numbers (and tensors) accepted where an op takes a tensor operand. */
export type TensorLike = Tensor | number;

/**
 * A number becomes a 0-d tensor of `like`'s dtype; a tensor passes through.
 * @example asTensor(2, 'float64').dtype // 'float64'
 */
export function asTensor(x: TensorLike, like: Tensor | DType = 'float32'): Tensor {
  return toTensor('asTensor', x, like);
}

/** asTensor for an op's operand: errors name the op. */
export function toTensor(op: string, x: TensorLike, like: Tensor | DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ArgumentError(`${op}: expected a Tensor or a number, got ${describe(x)}`);
  const dtype = like instanceof Tensor ? like.dtype : checkDType(op, like);
  const arr = allocate(dtype, 1);
  arr[0] = x;
  return new Tensor(arr, []);
}

/** x itself when it is a Tensor; otherwise an ArgumentError naming the op and what came instead. */
export function expectTensor(op: string, x: unknown, what = 'x'): Tensor {
  if (!(x instanceof Tensor)) notATensor(op, x, what);
  return x;
}

/** An array of Tensors, checked one by one. */
export function expectTensors(op: string, xs: unknown, what = 'xs'): Tensor[] {
  if (!Array.isArray(xs)) throw new ArgumentError(`${op}: ${what} must be an array of Tensors, got ${describe(xs)}`);
  xs.forEach((x, i) => expectTensor(op, x, `${what}[${i}]`));
  return xs;
}

/**
 * Throws the ArgumentError for a non-tensor argument. Ops test `x instanceof Tensor` inline and
 * call this only when it fails: a checking function called on every op cost ~1.3% of a MAML
 * meta-step, the inline test nothing measurable.
 */
export function notATensor(op: string, x: unknown, what: string): never {
  throw new ArgumentError(`${op}: ${what} must be a Tensor, got ${describe(x)}`);
}

function badTensorArguments(data: unknown, shape: unknown): never {
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new ArgumentError(`Tensor: data must be a Float32Array or Float64Array (tensor() converts anything else), got ${describe(data)}`);
  }
  if (!Array.isArray(shape)) throw new ArgumentError(`Tensor: shape must be an array, got ${describe(shape)}`);
  throw new ShapeError(`Tensor: ${data.length} elements do not fill shape ${fmtShape(shape)}`);
}

const EMPTY32 = new Float32Array(0);
const EMPTY64 = new Float64Array(0);
