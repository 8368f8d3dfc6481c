// Batch normalization with an explicit statistics mode, because in meta-learning "which mean
// and variance?" decides what the inner loop sees:
//   'batch'   — always the statistics of the batch at hand. What MAML uses by default (Finn et
//               al.'s code does this at meta-train and meta-test time): each task is normalized
//               by its own support or query batch, and nothing leaks between tasks.
//   'running' — always the running averages (frozen statistics; a test-time choice).
//   'auto'    — PyTorch's behaviour: batch statistics in train(), running ones in eval().
// Running averages are updated whenever batch statistics are used in training mode.
import { MetagradError, ShapeError, expectNumber, expectOptions, fmtShape, className } from '../errors.ts';
import { Tensor, allocatePersistent, type DType } from '../autograd/tensor.ts';
import { add, div, mul, sqrt, sub } from '../autograd/ops/elementwise.ts';
import { mean } from '../autograd/ops/reduce.ts';
import { reshape } from '../autograd/ops/reshape.ts';
import { noGrad } from '../autograd/tape.ts';
import { Module, type Scope } from './module.ts';

export type BatchNormStats = 'batch' | 'running' | 'auto';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  stats?: BatchNormStats;
  dtype?: DType;
}

abstract class BatchNorm extends Module {
  static override readonly typeName: string = 'BatchNorm';
  readonly eps: number;
  readonly momentum: number;
  stats: BatchNormStats;

  constructor(readonly numFeatures: number, options: BatchNormOptions, private readonly rank: number) {
    super();
    expectNumber(className(this), 'numFeatures', numFeatures, { integer: true, min: 1 });
    options = expectOptions(className(this), options);
    this.eps = expectNumber(className(this), 'eps', options.eps ?? 1e-5, { min: 0, above: true });
    this.momentum = expectNumber(className(this), 'momentum', options.momentum ?? 0.1, { min: 0, max: 1 });
    this.stats = options.stats ?? 'batch';
    if (!['batch', 'running', 'auto'].includes(this.stats)) {
      throw new MetagradError(`BatchNorm: stats must be 'batch', 'running' or 'auto', got '${this.stats}'`);
    }
    const dtype = options.dtype ?? 'float32';
    const filled = (v: number) => {
      const d = allocatePersistent(dtype, numFeatures);
      d.fill(v);
      return new Tensor(d, [numFeatures]);
    };
    this.registerParameter('weight', filled(1));
    this.registerParameter('bias', filled(0));
    this.registerBuffer('runningMean', filled(0));
    this.registerBuffer('runningVar', filled(1));
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    const name = className(this);
    if (x.ndim !== this.rank || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${name}: expected [N, ${this.numFeatures}${this.rank === 4 ? ', H, W' : ''}], got ${fmtShape(x.shape)}`);
    }
    const axes = this.rank === 4 ? [0, 2, 3] : [0];
    const bshape = this.rank === 4 ? [1, this.numFeatures, 1, 1] : [1, this.numFeatures];
    const useBatch = this.stats === 'batch' || (this.stats === 'auto' && this.training);
    let mu: Tensor;
    let variance: Tensor;
    if (useBatch) {
      const count = x.size / this.numFeatures;
      if (count < 2 && this.training) throw new ShapeError(`${name}: batch statistics need more than one value per channel, got ${fmtShape(x.shape)}`);
      mu = mean(x, axes, true);
      const centered = sub(x, mu);
      variance = mean(mul(centered, centered), axes, true); // biased, as PyTorch normalizes
      if (this.training) this.updateRunning(mu, variance, count);
    } else {
      mu = reshape(this.localBuffer('runningMean'), bshape);
      variance = reshape(this.localBuffer('runningVar'), bshape);
    }
    const normalized = div(sub(x, mu), sqrt(add(variance, this.eps)));
    return add(mul(normalized, reshape(s.param('weight'), bshape)), reshape(s.param('bias'), bshape));
  }

  private updateRunning(mu: Tensor, variance: Tensor, count: number): void {
    noGrad(() => {
      const rm = this.localBuffer('runningMean').data;
      const rv = this.localBuffer('runningVar').data;
      const m = this.momentum;
      const unbias = count / (count - 1);
      for (let c = 0; c < this.numFeatures; c++) {
        rm[c] = (1 - m) * rm[c] + m * mu.data[c];
        rv[c] = (1 - m) * rv[c] + m * variance.data[c] * unbias;
      }
    });
  }
}

/** BatchNorm over [N, C]. Default stats 'batch' (see the header for why). */
export class BatchNorm1d extends BatchNorm {
  static override readonly typeName: string = 'BatchNorm1d';
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 2);
  }
}

/** BatchNorm over [N, C, H, W]. Default stats 'batch' (see the header for why). */
export class BatchNorm2d extends BatchNorm {
  static override readonly typeName: string = 'BatchNorm2d';
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 4);
  }
}
