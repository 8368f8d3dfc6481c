// MSR's synthetic task families (seed 001, Zhou et al. 2021): x ~ N(0, I) of length 70, and the
// output of length 68 from a bias-free locally connected layer of width 3, whose filters have
// the structure the task family shares. Rank 1: one random filter at every position (a true
// convolution). Rank k > 1: filters = C·B with a connectivity C = softmax(N(0, 1)^{68×k}) (row by
// row) fixed for the family and a per-task basis B ~ N(0, 1)^{k×3}. Task id: B, row by row
// (rank 1: the filter).
import { ArgumentError, expectNumber, expectOptions } from '../errors.ts';
import { Rng } from '../rng.ts';
import { Tensor, allocate, type DType } from '../autograd/tensor.ts';
import type { Batch, Task, TaskFamily } from './task.ts';

export interface LocalFiltersOptions {
  rank?: number;
  /** Seed of the family's connectivity (rank > 1; default 0). */
  seed?: number;
  dtype?: DType;
}

const LENGTH = 70;
const WIDTH = 3;
const OUTPUTS = LENGTH - WIDTH + 1;

/** @example new LocalFilters({ rank: 2 }).idNames.length // 6 */
export class LocalFilters implements TaskFamily {
  static readonly typeName: string = 'LocalFilters';
  readonly name: string;
  readonly rank: number;
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  readonly inputSize = LENGTH;
  readonly outputSize = OUTPUTS;
  readonly loss = 'mse' as const;
  /** C [68, rank], row-softmax (all ones for rank 1). */
  readonly connectivity: Float64Array;
  private readonly dtype: DType;

  constructor(options: LocalFiltersOptions = {}) {
    options = expectOptions('LocalFilters', options);
    this.rank = expectNumber('LocalFilters', 'rank', options.rank ?? 1, { integer: true, min: 1, max: 68 });
    const seed = expectNumber('LocalFilters', 'seed', options.seed ?? 0, { integer: true, min: 0 });
    this.name = `local-filters-rank${this.rank}`;
    this.idNames = Array.from({ length: this.rank * WIDTH }, (_, i) => `basis${Math.floor(i / WIDTH)}.${i % WIDTH}`);
    this.idLow = this.idNames.map(() => -Infinity);
    this.idHigh = this.idNames.map(() => Infinity);
    this.dtype = options.dtype ?? 'float32';
    const rng = new Rng(seed);
    this.connectivity = new Float64Array(OUTPUTS * this.rank);
    for (let p = 0; p < OUTPUTS; p++) {
      const z = Array.from({ length: this.rank }, () => (this.rank === 1 ? 0 : rng.normal()));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, k) => (this.connectivity[p * this.rank + k] = v / s));
    }
  }

  /** The filters [68, 3] of the task with this id. */
  filters(id: readonly number[]): Float64Array {
    const f = new Float64Array(OUTPUTS * WIDTH);
    for (let p = 0; p < OUTPUTS; p++) {
      for (let k = 0; k < this.rank; k++) {
        const c = this.connectivity[p * this.rank + k];
        for (let j = 0; j < WIDTH; j++) f[p * WIDTH + j] += c * id[k * WIDTH + j];
      }
    }
    return f;
  }

  sample(rng: Rng, n: number): Task[] {
    return Array.from({ length: n }, () => this.task(this.idNames.map(() => rng.normal())));
  }

  task(id: readonly number[]): Task {
    if (!Array.isArray(id) || id.length !== this.idNames.length || id.some((v) => !Number.isFinite(v))) {
      throw new ArgumentError(`LocalFilters.task: id must be ${this.idNames.length} finite numbers (the basis, row by row), got ${JSON.stringify(id)}`);
    }
    const filters = this.filters(id);
    const dtype = this.dtype;
    return {
      id: [...id],
      sample(rng: Rng, n: number): Batch {
        const x = allocate(dtype, n * LENGTH);
        const y = allocate(dtype, n * OUTPUTS);
        for (let i = 0; i < x.length; i++) x[i] = rng.normal();
        for (let r = 0; r < n; r++) {
          for (let p = 0; p < OUTPUTS; p++) {
            let s = 0;
            for (let j = 0; j < WIDTH; j++) s += filters[p * WIDTH + j] * x[r * LENGTH + p + j];
            y[r * OUTPUTS + p] = s;
          }
        }
        return { x: new Tensor(x, [n, LENGTH]), y: new Tensor(y, [n, OUTPUTS]) };
      },
    };
  }
}
