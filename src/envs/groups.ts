// Group shift (ARM, Zhang et al. 2021): training data come from groups in skewed proportions,
// and at test time each group arrives as an unlabeled batch. Two families: RotatedDigits (ARM's
// rotated MNIST: 14 groups of rotations 0, 10, ..., 130 degrees, training skewed toward small
// angles in the ratio 7560 : 2160 : 648 : 324 : 108 over the bands 0-20, 30-50, 60-80,
// 90-110 and 120-130 degrees, scaled to the digits there are) and GroupShift2D (a small
// synthetic family for fast tests: four groups whose labelling rule turns with the group and
// whose inputs sit a little apart, so a batch's mean tells its group).
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { Rng } from '../rng.ts';
import { Tensor } from '../autograd/tensor.ts';
import { DIGIT_SIZE, type DigitImages } from './digits.ts';

export interface GroupBatch {
  /** [n, ...inputShape] */
  x: Tensor;
  /** [n] class labels */
  y: Tensor;
}

export interface GroupShiftData {
  readonly name: string;
  readonly groups: number;
  readonly groupNames: readonly string[];
  /** One example's shape: [2], [1, 28, 28]. */
  readonly inputShape: readonly number[];
  readonly classes: number;
  /** Training examples of each group: the skew. */
  readonly trainSizes: readonly number[];
  /** n training examples of group g, drawn with replacement. */
  trainBatch(rng: Rng, g: number, n: number): GroupBatch;
  /** n training examples drawn uniformly from all of them (ERM's view of the data). */
  pooledBatch(rng: Rng, n: number): GroupBatch;
  /** Group g's test examples in batches of `size` (a last short batch dropped). */
  testBatches(g: number, size: number): GroupBatch[];
}

const PIXELS = DIGIT_SIZE * DIGIT_SIZE;

/**
 * A 28x28 image turned counter-clockwise by `degrees` about its centre, bilinear, zero outside.
 * @example rotateDigit(new Float32Array(784).fill(1), 90)[14 * 28 + 14] // 1
 */
export function rotateDigit(src: Float32Array, degrees: number, out: Float32Array = new Float32Array(PIXELS)): Float32Array {
  if (!(src instanceof Float32Array) || src.length !== PIXELS) throw new ArgumentError(`rotateDigit: src must be a Float32Array of ${PIXELS} pixels, got ${describe(src)}`);
  expectNumber('rotateDigit', 'degrees', degrees);
  const t = (degrees * Math.PI) / 180;
  // exact for quarter turns: cos and sin of multiples of 90° rounded to 0 and ±1
  const c = Math.round(Math.cos(t) * 1e12) / 1e12, s = Math.round(Math.sin(t) * 1e12) / 1e12;
  const m = (DIGIT_SIZE - 1) / 2;
  for (let r = 0; r < DIGIT_SIZE; r++) {
    for (let col = 0; col < DIGIT_SIZE; col++) {
      // the output pixel (row r, column col) samples the source at the inverse rotation; rows grow downward
      const dx = col - m, dy = m - r;
      const sx = c * dx + s * dy + m, sy = m - (-s * dx + c * dy);
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      out[r * DIGIT_SIZE + col] = (1 - fy) * ((1 - fx) * pixel(src, y0, x0) + fx * pixel(src, y0, x0 + 1)) + fy * ((1 - fx) * pixel(src, y0 + 1, x0) + fx * pixel(src, y0 + 1, x0 + 1));
    }
  }
  return out;
}

/** A pixel of a 28x28 image, 0 outside it. */
const pixel = (src: Float32Array, r: number, c: number): number => (r >= 0 && r < DIGIT_SIZE && c >= 0 && c < DIGIT_SIZE ? src[r * DIGIT_SIZE + c] : 0);

const BAND_RATIO = [7560, 2160, 648, 324, 108];
const bandOf = (g: number) => Math.min(4, Math.floor(g / 3));

export interface RotatedDigitsOptions {
  /** Share of each digit's images held out for testing (default 0.2). */
  testShare?: number;
  /** Test images per group (default: all held-out ones). */
  testPerGroup?: number;
  /** Seed of the split and of the groups the training images fall in (default 0). */
  seed?: number;
}

/**
 * ARM's rotated digits: a training image belongs to one group (drawn in the skewed
 * proportions), a test image is shown in every group.
 * @example new RotatedDigits(digitImages(Array.from({ length: 10 }, () => new Array(784 * 200).fill(0.5)))).groups // 14
 */
export class RotatedDigits implements GroupShiftData {
  static readonly typeName: string = 'RotatedDigits';
  readonly name = 'rotated-digits';
  readonly groups = 14;
  readonly groupNames = Array.from({ length: 14 }, (_, g) => `${10 * g}°`);
  readonly inputShape = [1, DIGIT_SIZE, DIGIT_SIZE];
  readonly classes = 10;
  readonly trainSizes: number[];
  private readonly train: { image: Float32Array; label: number; group: number }[][];
  private readonly test: { image: Float32Array; label: number }[];
  private readonly testCache = new Map<string, GroupBatch[]>();

  constructor(images: DigitImages, options: RotatedDigitsOptions = {}) {
    if (images === null || typeof images !== 'object' || !Array.isArray(images.perDigit) || images.perDigit.length !== 10) {
      throw new ArgumentError(`RotatedDigits: images must be what digitImages returns, got ${describe(images)}`);
    }
    options = expectOptions('RotatedDigits', options);
    const share = expectNumber('RotatedDigits', 'testShare', options.testShare ?? 0.2, { min: 0, above: true, max: 1, below: true });
    const rng = new Rng(expectNumber('RotatedDigits', 'seed', options.seed ?? 0, { integer: true, min: 0 }));
    const weights = Array.from({ length: this.groups }, (_, g) => BAND_RATIO[bandOf(g)] / (bandOf(g) === 4 ? 2 : 3));
    const total = weights.reduce((a, b) => a + b, 0);
    this.train = Array.from({ length: this.groups }, () => []);
    this.test = [];
    images.perDigit.forEach((pixels, label) => {
      const n = pixels.length / PIXELS;
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      const nTest = Math.max(1, Math.round(share * n));
      order.forEach((idx, k) => {
        const image = pixels.subarray(idx * PIXELS, (idx + 1) * PIXELS);
        if (k < nTest) {
          this.test.push({ image, label });
          return;
        }
        let u = rng.uniform(0, total), g = 0;
        while (g < this.groups - 1 && u >= weights[g]) u -= weights[g++];
        this.train[g].push({ image, label, group: g });
      });
    });
    // test batches are random draws of the group, as ARM's are: the held-out digits shuffled once
    rng.shuffle(this.test);
    const perGroup = options.testPerGroup === undefined ? this.test.length : expectNumber('RotatedDigits', 'testPerGroup', options.testPerGroup, { integer: true, min: 1 });
    this.test = this.test.slice(0, perGroup);
    this.trainSizes = this.train.map((t) => t.length);
    if (this.trainSizes.some((n) => n === 0)) throw new ArgumentError(`RotatedDigits: too few images for every group to get one (group sizes ${this.trainSizes.join(', ')})`);
  }

  private batch(rows: readonly { image: Float32Array; label: number }[], angles: readonly number[]): GroupBatch {
    const x = new Float32Array(rows.length * PIXELS);
    const y = new Float32Array(rows.length);
    rows.forEach((r, i) => {
      rotateDigit(r.image, angles[i], x.subarray(i * PIXELS, (i + 1) * PIXELS));
      y[i] = r.label;
    });
    return { x: new Tensor(x, [rows.length, 1, DIGIT_SIZE, DIGIT_SIZE]), y: new Tensor(y, [rows.length]) };
  }

  trainBatch(rng: Rng, g: number, n: number): GroupBatch {
    this.checkGroup('trainBatch', g);
    const pool = this.train[g];
    return this.batch(Array.from({ length: n }, () => pool[rng.int(pool.length)]), new Array(n).fill(10 * g));
  }

  pooledBatch(rng: Rng, n: number): GroupBatch {
    const total = this.trainSizes.reduce((a, b) => a + b, 0);
    const rows = Array.from({ length: n }, () => {
      let k = rng.int(total), g = 0;
      while (k >= this.trainSizes[g]) k -= this.trainSizes[g++];
      return this.train[g][k];
    });
    return this.batch(rows, rows.map((r) => 10 * r.group));
  }

  testBatches(g: number, size: number): GroupBatch[] {
    this.checkGroup('testBatches', g);
    // rotated once per group and batch size: every method's evaluation reads the same batches
    const key = `${g}/${size}`;
    let out = this.testCache.get(key);
    if (!out) {
      out = [];
      for (let i = 0; i + size <= this.test.length; i += size) out.push(this.batch(this.test.slice(i, i + size), new Array(size).fill(10 * g)));
      this.testCache.set(key, out);
    }
    return out;
  }

  private checkGroup(op: string, g: number): void {
    if (!Number.isInteger(g) || g < 0 || g >= this.groups) throw new ArgumentError(`RotatedDigits.${op}: group must be an integer from 0 to ${this.groups - 1}, got ${describe(g)}`);
  }
}

/**
 * Four groups of 2-D points, x ~ N(μ_g, I) with μ_g = 0.5·(cos, sin)(g·90°), labelled by which
 * side of a line through μ_g they fall on, the line turning with the group (normal (cos, sin)
 * of g·90° + 45°): no single rule fits every group, and a batch's mean tells its group.
 * Training sizes 1000, 300, 100, 30; 400 test points per group.
 * @example new GroupShift2D().trainSizes // [1000, 300, 100, 30]
 */
export class GroupShift2D implements GroupShiftData {
  static readonly typeName: string = 'GroupShift2D';
  readonly name = 'group-shift-2d';
  readonly groups = 4;
  readonly groupNames = ['g0', 'g1', 'g2', 'g3'];
  readonly inputShape = [2];
  readonly classes = 2;
  readonly trainSizes = [1000, 300, 100, 30];
  private readonly trainX: Float32Array[];
  private readonly testX: Float32Array[];

  constructor(seed = 0) {
    const rng = new Rng(expectNumber('GroupShift2D', 'seed', seed, { integer: true, min: 0 }));
    const draw = (g: number, n: number) => {
      const a = (g * Math.PI) / 2;
      return Float32Array.from({ length: 2 * n }, (_, i) => rng.normal(0.5 * (i % 2 ? Math.sin(a) : Math.cos(a)), 1));
    };
    this.trainX = this.trainSizes.map((n, g) => draw(g, n));
    this.testX = this.groupNames.map((_, g) => draw(g, 400));
  }

  /** The label of point (x0, x1) in group g. */
  label(g: number, x0: number, x1: number): number {
    const a = (g * Math.PI) / 2, b = a + Math.PI / 4;
    return (x0 - 0.5 * Math.cos(a)) * Math.cos(b) + (x1 - 0.5 * Math.sin(a)) * Math.sin(b) > 0 ? 1 : 0;
  }

  private rows(g: number, source: Float32Array, picks: readonly number[]): GroupBatch {
    const x = new Float32Array(2 * picks.length);
    const y = new Float32Array(picks.length);
    picks.forEach((k, i) => {
      x[2 * i] = source[2 * k];
      x[2 * i + 1] = source[2 * k + 1];
      y[i] = this.label(g, x[2 * i], x[2 * i + 1]);
    });
    return { x: new Tensor(x, [picks.length, 2]), y: new Tensor(y, [picks.length]) };
  }

  trainBatch(rng: Rng, g: number, n: number): GroupBatch {
    return this.rows(g, this.trainX[g], Array.from({ length: n }, () => rng.int(this.trainSizes[g])));
  }

  pooledBatch(rng: Rng, n: number): GroupBatch {
    const total = this.trainSizes.reduce((a, b) => a + b, 0);
    const x = new Float32Array(2 * n), y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let k = rng.int(total), g = 0;
      while (k >= this.trainSizes[g]) k -= this.trainSizes[g++];
      x[2 * i] = this.trainX[g][2 * k];
      x[2 * i + 1] = this.trainX[g][2 * k + 1];
      y[i] = this.label(g, x[2 * i], x[2 * i + 1]);
    }
    return { x: new Tensor(x, [n, 2]), y: new Tensor(y, [n]) };
  }

  testBatches(g: number, size: number): GroupBatch[] {
    const out: GroupBatch[] = [];
    for (let i = 0; i + size <= 400; i += size) out.push(this.rows(g, this.testX[g], Array.from({ length: size }, (_, k) => i + k)));
    return out;
  }
}
