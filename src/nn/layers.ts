// Layers: Linear, Conv1d, Conv2d, activations, Flatten, Sequential, MLP. Weights use PyTorch's
// layouts ([out, in], [out, in, k...]) so safetensors checkpoints map one to one.
import { ArgumentError, MetagradError, describe, expectNumber, expectOptions } from '../errors.ts';
import { Rng, expectRng } from '../rng.ts';
import type { DType, Tensor } from '../autograd/tensor.ts';
import { relu, sigmoid, tanh } from '../autograd/ops/elementwise.ts';
import { linear } from '../autograd/ops/linear.ts';
import { reshape } from '../autograd/ops/reshape.ts';
import { conv1d, conv2d } from '../autograd/ops/conv.ts';
import { Module, type Scope } from './module.ts';
import { fans, initWeight, type InitName } from './init.ts';
import { checkShape } from '../autograd/shape.ts';

export interface LayerOptions {
  bias?: boolean;
  /** Weight initializer; biases use PyTorch's default U(±1/sqrt(fanIn)) unless 'zeros'. */
  init?: InitName;
  rng?: Rng;
  dtype?: DType;
}

/** Layer sizes: positive integers, named in the error with the layer. */
function checkSizes(layer: string, sizes: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(sizes)) expectNumber(layer, name, v, { integer: true, min: 1 });
}

function initParams(layer: string, shape: number[], bias: boolean, o: LayerOptions): [Tensor, Tensor | null] {
  checkShape(layer, shape);
  if (o.rng !== undefined) expectRng(layer, o.rng, 'options.rng');
  const rng = o.rng ?? new Rng(0);
  const dtype = o.dtype ?? 'float32';
  const w = initWeight(o.init ?? 'default', shape, rng, dtype);
  const b = bias ? initWeight(o.init === 'zeros' ? 'zeros' : 'default', [shape[0]], rng, dtype, fans(shape)[0]) : null;
  return [w, b];
}

/** y = x Wᵀ + b, W [out, in]. @example new Linear(1, 40, { rng: new Rng(0) }) */
export class Linear extends Module {
  static override readonly typeName: string = 'Linear';
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LayerOptions = {}) {
    super();
    checkSizes('Linear', { inFeatures, outFeatures });
    options = expectOptions('Linear', options);
    const [w, b] = initParams('Linear', [outFeatures, inFeatures], options.bias ?? true, options);
    this.registerParameter('weight', w);
    if (b) this.registerParameter('bias', b);
    this.hasBias = b !== null;
  }
  private readonly hasBias: boolean;

  /**
   * Task-batched parameters work too: weight [T, out, in] with x [T, N, in] gives [T, N, out]
   * (one batched GEMM), and a bias [T, out] is added per task.
   */
  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    return this.forwardWith(x, s, null);
  }

  /** The layer followed by an activation, as one fused op (Sequential uses it for relu). */
  forwardWith(x: Tensor, s: Scope, activation: 'relu' | null): Tensor {
    const w = s.param('weight');
    if (!this.hasBias) return linear(x, w, null, { activation });
    const b = s.param('bias');
    // a task-batched bias [T, out] is one row per task's matrix
    return linear(x, w, b, { activation, biasPerMatrix: b.ndim === 2 });
  }

  override get acceptsTaskBatch(): boolean {
    return true;
  }
}

export interface ConvLayerOptions extends LayerOptions {
  stride?: number;
  padding?: number;
}

/** 2-D convolution, NCHW, W [out, in, k, k]. */
export class Conv2d extends Module {
  static override readonly typeName: string = 'Conv2d';
  private readonly hasBias: boolean;
  constructor(inChannels: number, outChannels: number, kernelSize: number, readonly options: ConvLayerOptions = {}) {
    super();
    checkSizes('Conv2d', { inChannels, outChannels, kernelSize });
    expectOptions('Conv2d', options);
    const [w, b] = initParams('Conv2d', [outChannels, inChannels, kernelSize, kernelSize], options.bias ?? true, options);
    this.registerParameter('weight', w);
    if (b) this.registerParameter('bias', b);
    this.hasBias = b !== null;
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    return conv2d(x, s.param('weight'), this.hasBias ? s.param('bias') : null, { stride: this.options.stride, padding: this.options.padding });
  }
}

/** 1-D convolution, NCL, W [out, in, k]. */
export class Conv1d extends Module {
  static override readonly typeName: string = 'Conv1d';
  private readonly hasBias: boolean;
  constructor(inChannels: number, outChannels: number, kernelSize: number, readonly options: ConvLayerOptions = {}) {
    super();
    checkSizes('Conv1d', { inChannels, outChannels, kernelSize });
    expectOptions('Conv1d', options);
    const [w, b] = initParams('Conv1d', [outChannels, inChannels, kernelSize], options.bias ?? true, options);
    this.registerParameter('weight', w);
    if (b) this.registerParameter('bias', b);
    this.hasBias = b !== null;
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    return conv1d(x, s.param('weight'), this.hasBias ? s.param('bias') : null, { stride: this.options.stride, padding: this.options.padding });
  }
}

export type ActivationName = 'relu' | 'tanh' | 'sigmoid';
const ACTIVATIONS: Record<ActivationName, (x: Tensor) => Tensor> = { relu, tanh, sigmoid };

/** An elementwise activation as a module. */
export class Activation extends Module {
  static override readonly typeName: string = 'Activation';
  private readonly fn: (x: Tensor) => Tensor;
  constructor(readonly kind: ActivationName) {
    super();
    const fn = typeof kind === 'string' && Object.prototype.hasOwnProperty.call(ACTIVATIONS, kind) ? ACTIVATIONS[kind] : undefined;
    if (!fn) throw new MetagradError(`Activation: unknown activation ${typeof kind === 'string' ? `'${kind}'` : describe(kind)}; expected relu, tanh or sigmoid`);
    this.fn = fn;
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }

  override get acceptsTaskBatch(): boolean {
    return true;
  }
}

/** [N, ...] -> [N, prod(...)]. */
export class Flatten extends Module {
  static override readonly typeName: string = 'Flatten';
  forward(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], -1]);
  }
}

/** Children run in order; named '0', '1', ... like torch.nn.Sequential. */
export class Sequential extends Module {
  static override readonly typeName: string = 'Sequential';
  readonly length: number;
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ArgumentError(`Sequential: layer ${i} must be a Module, got ${describe(m)}`);
      this.registerModule(String(i), m);
    });
    this.length = layers.length;
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    for (let i = 0; i < this.length; i++) {
      const layer = this.child(String(i));
      const next = i + 1 < this.length ? this.child(String(i + 1)) : null;
      if (layer instanceof Linear && layer.forward === Linear.prototype.forward &&
        next instanceof Activation && next.kind === 'relu' && next.forward === Activation.prototype.forward) {
        // Linear then relu: one fused op (bias and relu in the GEMM's epilogue)
        x = layer.forwardWith(x, s.sub(String(i)), 'relu');
        i++;
      } else {
        x = s.run(String(i), x);
      }
    }
    return x;
  }

  override get acceptsTaskBatch(): boolean {
    return this.childModules().every((m) => m.acceptsTaskBatch);
  }
}

export interface MLPOptions extends LayerOptions {
  activation?: ActivationName;
}

/**
 * Linear layers of the given sizes with an activation between them (none after the last).
 * Parameters are named layers.0.weight, layers.0.bias, layers.2.weight, ...
 * @example new MLP([1, 40, 40, 1], { activation: 'relu', rng: new Rng(0) })
 */
export class MLP extends Module {
  static override readonly typeName: string = 'MLP';
  constructor(readonly sizes: readonly number[], options: MLPOptions = {}) {
    super();
    if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new MetagradError(`MLP: sizes must be at least two positive integers, got ${Array.isArray(sizes) ? `[${sizes.map(String).join(',')}]` : describe(sizes)}`);
    }
    options = expectOptions('MLP', options);
    for (let i = 1; i < sizes.length; i++) checkShape('MLP', [sizes[i], sizes[i - 1]]);
    const rng = options.rng ?? new Rng(0);
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i], sizes[i + 1], { ...options, rng }));
      if (i + 2 < sizes.length) layers.push(new Activation(options.activation ?? 'relu'));
    }
    this.registerModule('layers', new Sequential(...layers));
  }

  forward(x: Tensor, s: Scope = this.ownScope()): Tensor {
    return s.run('layers', x);
  }

  override get acceptsTaskBatch(): boolean {
    return this.child('layers').acceptsTaskBatch;
  }
}
