// Layers for learning where weights are shared (seed 001, Zhou et al. 2021, "Meta-learning
// Symmetries by Reparameterization"): MSRLinear, whose weight is vec(W) = U·v with U learned
// only in the outer loop (the sharing pattern: a convolution is one such U) and v adapted in the
// inner loop; MSRConv2d, the same for a convolution's filter bank (the paper's variant for
// images: U can learn sharing across filters and channels beyond what the convolution fixes);
// and LocallyConnected1d, a 1-D layer with a filter of its own at every output
// position (a convolution without the sharing), for the synthetic families that tell them apart.
import { expectNumber, expectOptions } from '../errors.ts';
import { Rng, expectRng } from '../rng.ts';
import { Tensor, randn, type DType } from '../autograd/tensor.ts';
import { linear } from '../autograd/ops/linear.ts';
import { conv2d } from '../autograd/ops/conv.ts';
import { matmul } from '../autograd/ops/matmul.ts';
import { transpose } from '../autograd/ops/transpose.ts';
import { mul } from '../autograd/ops/elementwise.ts';
import { sum } from '../autograd/ops/reduce.ts';
import { reshape } from '../autograd/ops/reshape.ts';
import { indexSelect } from '../autograd/ops/gather.ts';
import { Module, type Scope } from './module.ts';
import { initWeight } from './init.ts';

export interface MSROptions {
  /** The size of v (default 3). */
  latent?: number;
  rng?: Rng;
  dtype?: DType;
}

/**
 * y = x Wᵀ with vec(W) = U v: U [out·in, latent] ~ N(0, 0.01²), v [latent] ~ N(0, (1/out)²),
 * the reference's initialisation. Adapt only 'v' in the inner loop (MAML's innerParameters).
 * @example new MSRLinear(70, 68, { latent: 3 }).namedParameters().map(([n]) => n) // ['U', 'v']
 */
export class MSRLinear extends Module {
  static override readonly typeName: string = 'MSRLinear';
  readonly latent: number;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: MSROptions = {}) {
    super();
    expectNumber('MSRLinear', 'inFeatures', inFeatures, { integer: true, min: 1, max: 65536 });
    expectNumber('MSRLinear', 'outFeatures', outFeatures, { integer: true, min: 1, max: 65536 });
    options = expectOptions('MSRLinear', options);
    this.latent = expectNumber('MSRLinear', 'latent', options.latent ?? 3, { integer: true, min: 1, max: 4096 });
    expectNumber('MSRLinear', 'parameters', inFeatures * outFeatures * this.latent, { max: 1e8 });
    const rng = options.rng === undefined ? new Rng(0) : expectRng('MSRLinear', options.rng, 'options.rng');
    const dtype = options.dtype ?? 'float32';
    this.registerParameter('U', mul(randn([inFeatures * outFeatures, this.latent], { rng, dtype }), 0.01).detach().requiresGrad_());
    this.registerParameter('v', mul(randn([this.latent], { rng, dtype }), 1 / outFeatures).detach().requiresGrad_());
  }

  /** The weight W [out, in] that U and v make; [T, out, in] for task-batched v [T, latent]. */
  weight(s: Scope = this.ownScope()): Tensor {
    const u = s.param('U');
    const v = s.param('v');
    if (u.ndim === 2 && v.ndim === 2) return reshape(matmul(v, transpose(u)), [v.shape[0], this.outFeatures, this.inFeatures]);
    if (u.ndim === 3) return reshape(matmul(u, reshape(v, [...v.shape, 1])), [u.shape[0], this.outFeatures, this.inFeatures]);
    return reshape(matmul(u, reshape(v, [this.latent, 1])), [this.outFeatures, this.inFeatures]);
  }

  /** A meta-batch can run as one computation: v (or U) with a leading task axis. */
  override get acceptsTaskBatch(): boolean {
    return true;
  }

  /** U, the sharing pattern, is meta-learned; v adapts to each task. */
  override get outerOnlyParameters(): readonly string[] {
    return ['U'];
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    return linear(x, this.weight(s), null);
  }
}

/**
 * A 2-D convolution without bias whose filters [out, in, k, k] are reshape(U v): U
 * [out·in·k·k, latent] learned in the outer loop only, v [latent] adapted (MAML's
 * innerParameters ['v']); initialised like MSRLinear (U ~ N(0, 0.01²), v ~ N(0, (1/out)²)).
 * @example new MSRConv2d(1, 4, 3, { latent: 5 }).weight().shape // [4, 1, 3, 3]
 */
export class MSRConv2d extends Module {
  static override readonly typeName: string = 'MSRConv2d';
  readonly latent: number;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number, options: MSROptions & { stride?: number; padding?: number } = {}) {
    super();
    expectNumber('MSRConv2d', 'inChannels', inChannels, { integer: true, min: 1, max: 65536 });
    expectNumber('MSRConv2d', 'outChannels', outChannels, { integer: true, min: 1, max: 65536 });
    expectNumber('MSRConv2d', 'kernel', kernel, { integer: true, min: 1, max: 64 });
    options = expectOptions('MSRConv2d', options);
    this.latent = expectNumber('MSRConv2d', 'latent', options.latent ?? 3, { integer: true, min: 1, max: 4096 });
    this.stride = expectNumber('MSRConv2d', 'stride', options.stride ?? 1, { integer: true, min: 1 });
    this.padding = expectNumber('MSRConv2d', 'padding', options.padding ?? 0, { integer: true, min: 0 });
    expectNumber('MSRConv2d', 'parameters', outChannels * inChannels * kernel * kernel * this.latent, { max: 1e8 });
    const rng = options.rng === undefined ? new Rng(0) : expectRng('MSRConv2d', options.rng, 'options.rng');
    const dtype = options.dtype ?? 'float32';
    this.registerParameter('U', mul(randn([outChannels * inChannels * kernel * kernel, this.latent], { rng, dtype }), 0.01).detach().requiresGrad_());
    this.registerParameter('v', mul(randn([this.latent], { rng, dtype }), 1 / outChannels).detach().requiresGrad_());
  }

  /** U, the sharing pattern, is meta-learned; v adapts to each task. */
  override get outerOnlyParameters(): readonly string[] {
    return ['U'];
  }

  /** The filters [out, in, k, k] that U and v make. */
  weight(s: Scope = this.ownScope()): Tensor {
    const k = this.kernel;
    return reshape(matmul(s.param('U'), reshape(s.param('v'), [this.latent, 1])), [this.outChannels, this.inChannels, k, k]);
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    return conv2d(x, this.weight(s), null, { stride: this.stride, padding: this.padding });
  }
}

/**
 * A 1-D locally connected layer without bias: output position p is Σ_k w[p, k]·x[p + k]
 * (x [N, length], y [N, outputs]); weight [outputs, kernel] with PyTorch's default init. With
 * `shared`, one filter [kernel] serves every position: a convolution (cross-correlation).
 * @example new LocallyConnected1d(70, 3).outputs // 68
 */
export class LocallyConnected1d extends Module {
  static override readonly typeName: string = 'LocallyConnected1d';
  readonly outputs: number;
  private readonly windows: Int32Array;

  readonly shared: boolean;

  constructor(readonly length: number, readonly kernel: number, options: { shared?: boolean; rng?: Rng; dtype?: DType } = {}) {
    super();
    expectNumber('LocallyConnected1d', 'length', length, { integer: true, min: 1, max: 1 << 20 });
    expectNumber('LocallyConnected1d', 'kernel', kernel, { integer: true, min: 1, max: length });
    options = expectOptions('LocallyConnected1d', options);
    const rng = options.rng === undefined ? new Rng(0) : expectRng('LocallyConnected1d', options.rng, 'options.rng');
    this.outputs = length - kernel + 1;
    this.windows = Int32Array.from({ length: this.outputs * kernel }, (_, i) => Math.floor(i / kernel) + (i % kernel));
    this.shared = options.shared ?? false;
    const shape = this.shared ? [kernel] : [this.outputs, kernel];
    this.registerParameter('weight', initWeight('default', shape, rng, options.dtype ?? 'float32', kernel));
  }

  /** x [N, length], or task-batched x [T, N, length] with weight [T, ...]. */
  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    const lead = x.shape.slice(0, -1);
    const windows = reshape(indexSelect(x, x.ndim - 1, this.windows), [...lead, this.outputs, this.kernel]);
    let w = s.param('weight');
    // task-batched [T, ...]: one filter set per task, broadcast over its N rows (and positions)
    if (w.ndim === (this.shared ? 2 : 3)) w = reshape(w, [w.shape[0], 1, ...(this.shared ? [1] : []), ...w.shape.slice(1)]);
    return sum(mul(windows, w), x.ndim);
  }

  override get acceptsTaskBatch(): boolean {
    return true;
  }
}
