// Sinusoid regression (Finn et al. 2017): y = A sin(x - phase), amplitude U[0.1, 5], phase
// U[0, π], x U[-5, 5]. With `frequency`, y = A sin(f·x - phase), f U[0.3, 3] (RoML's variant).
// Task id: [amplitude, phase] or [amplitude, phase, frequency]. The shifted held-out set:
// amplitudes in the top third of their range (the hard tasks: the loss grows with amplitude).
import { MetagradError, expectOptions } from '../errors.ts';
import type { Rng } from '../rng.ts';
import { Tensor, allocate, type DType } from '../autograd/tensor.ts';
import { uniformIds, type Batch, type Task, type TaskFamily } from './task.ts';

export interface SinusoidOptions {
  amplitude?: [number, number];
  phase?: [number, number];
  x?: [number, number];
  /** Adds a frequency dimension with this range (RoML: [0.3, 3]); omitted, frequency is 1. */
  frequency?: [number, number] | null;
  dtype?: DType;
}

export class SinusoidTask implements Task {
  constructor(readonly id: readonly number[], private readonly xRange: [number, number], private readonly dtype: DType) {}

  get amplitude(): number { return this.id[0]; }
  get phase(): number { return this.id[1]; }
  get frequency(): number { return this.id[2] ?? 1; }

  /** The noiseless target at x. */
  f(x: number): number {
    return this.amplitude * Math.sin(this.frequency * x - this.phase);
  }

  sample(rng: Rng, n: number): Batch {
    return this.at(Array.from({ length: n }, () => rng.uniform(this.xRange[0], this.xRange[1])));
  }

  /** A batch at the given inputs (for plots and fixed grids). */
  at(xs: readonly number[]): Batch {
    const x = allocate(this.dtype, xs.length);
    const y = allocate(this.dtype, xs.length);
    xs.forEach((v, i) => {
      x[i] = v;
      y[i] = this.f(v);
    });
    return { x: new Tensor(x, [xs.length, 1]), y: new Tensor(y, [xs.length, 1]) };
  }
}

/** @example new Sinusoid().sample(new Rng(0), 25) // 25 tasks */
export class Sinusoid implements TaskFamily {
  readonly name = 'sinusoid';
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  readonly inputSize = 1;
  readonly outputSize = 1;
  readonly loss = 'mse' as const;
  readonly xRange: [number, number];
  private readonly dtype: DType;

  constructor(options: SinusoidOptions = {}) {
    options = expectOptions('Sinusoid', options);
    const amp = options.amplitude ?? [0.1, 5];
    const phase = options.phase ?? [0, Math.PI];
    this.xRange = options.x ?? [-5, 5];
    for (const [name, r] of [['amplitude', amp], ['phase', phase], ['x', this.xRange], ['frequency', options.frequency ?? [0, 0]]] as const) {
      if (!Array.isArray(r) || r.length !== 2 || !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] <= r[1])) {
        throw new MetagradError(`Sinusoid: ${name} range must be [low, high] with low <= high, got ${JSON.stringify(r)}`);
      }
    }
    this.idNames = options.frequency ? ['amplitude', 'phase', 'frequency'] : ['amplitude', 'phase'];
    this.idLow = options.frequency ? [amp[0], phase[0], options.frequency[0]] : [amp[0], phase[0]];
    this.idHigh = options.frequency ? [amp[1], phase[1], options.frequency[1]] : [amp[1], phase[1]];
    this.dtype = options.dtype ?? 'float32';
  }

  sample(rng: Rng, n: number): SinusoidTask[] {
    return Array.from({ length: n }, () => this.task(uniformIds(rng, this.idLow, this.idHigh)));
  }

  readonly shiftDescription = 'amplitudes in the top third of the range';

  /** The shifted held-out set: amplitudes in the top third of their range, the rest uniform. */
  shifted(rng: Rng, n: number): SinusoidTask[] {
    const low = [...this.idLow];
    low[0] = this.idLow[0] + (2 / 3) * (this.idHigh[0] - this.idLow[0]);
    return Array.from({ length: n }, () => this.task(uniformIds(rng, low, this.idHigh)));
  }

  task(id: readonly number[]): SinusoidTask {
    if (id.length !== this.idNames.length || id.some((v) => !Number.isFinite(v))) {
      throw new MetagradError(`Sinusoid.task: id must be ${this.idNames.length} finite numbers [${this.idNames.join(', ')}], got ${JSON.stringify(id)}`);
    }
    return new SinusoidTask([...id], this.xRange, this.dtype);
  }
}
