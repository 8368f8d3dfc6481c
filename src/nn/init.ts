// Seeded initializers (same seed, same weights). Fans follow PyTorch: for a weight of shape
// [out, in, ...kernel], fanIn = in * prod(kernel), fanOut = out * prod(kernel).
import { ArgumentError, MetagradError, describe } from '../errors.ts';
import { expectRng, type Rng } from '../rng.ts';
import { Tensor, allocatePersistent, type DType } from '../autograd/tensor.ts';
import { checkShape, sizeOf } from '../autograd/shape.ts';

export type InitName = 'uniform' | 'xavierUniform' | 'xavierNormal' | 'kaimingUniform' | 'kaimingNormal' | 'zeros' | 'default';

/** The arguments every initializer shares, checked in its name. */
function checkInit(op: string, shape: readonly number[], rng: Rng, dtype: DType): void {
  checkShape(op, shape);
  expectRng(op, rng);
  if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(`${op}: dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
}

export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = sizeOf(shape.slice(2));
  return [shape[1] * receptive, shape[0] * receptive];
}

function filled(shape: readonly number[], dtype: DType, draw: () => number): Tensor {
  const data = allocatePersistent(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return new Tensor(data, [...shape]);
}

/** U(low, high). @example uniform([3, 2], -0.1, 0.1, new Rng(0)) */
export function uniform(shape: readonly number[], low: number, high: number, rng: Rng, dtype: DType = 'float32'): Tensor {
  checkInit('uniform', shape, rng, dtype);
  return filled(shape, dtype, () => rng.uniform(low, high));
}

/**
 * Glorot: U(±gain·sqrt(6 / (fanIn + fanOut))).
 * @example xavierUniform([40, 40], new Rng(0))
 */
export function xavierUniform(shape: readonly number[], rng: Rng, gain = 1, dtype: DType = 'float32'): Tensor {
  checkInit('xavierUniform', shape, rng, dtype);
  const [fi, fo] = fans(shape);
  const a = gain * Math.sqrt(6 / (fi + fo));
  return uniform(shape, -a, a, rng, dtype);
}

/**
 * Glorot: N(0, gain²·2 / (fanIn + fanOut)).
 * @example xavierNormal([40, 40], new Rng(0))
 */
export function xavierNormal(shape: readonly number[], rng: Rng, gain = 1, dtype: DType = 'float32'): Tensor {
  checkInit('xavierNormal', shape, rng, dtype);
  const [fi, fo] = fans(shape);
  const std = gain * Math.sqrt(2 / (fi + fo));
  return filled(shape, dtype, () => rng.normal(0, std));
}

/**
 * He: U(±sqrt(6 / fanIn)), for ReLU layers.
 * @example kaimingUniform([40, 40], new Rng(0))
 */
export function kaimingUniform(shape: readonly number[], rng: Rng, dtype: DType = 'float32'): Tensor {
  checkInit('kaimingUniform', shape, rng, dtype);
  const a = Math.sqrt(6 / fans(shape)[0]);
  return uniform(shape, -a, a, rng, dtype);
}

/**
 * He: N(0, 2 / fanIn), for ReLU layers.
 * @example kaimingNormal([40, 40], new Rng(0))
 */
export function kaimingNormal(shape: readonly number[], rng: Rng, dtype: DType = 'float32'): Tensor {
  checkInit('kaimingNormal', shape, rng, dtype);
  const std = Math.sqrt(2 / fans(shape)[0]);
  return filled(shape, dtype, () => rng.normal(0, std));
}

/**
 * A weight by initializer name. 'default' is PyTorch's layer default, U(±1/sqrt(fanIn))
 * (kaiming_uniform with a = sqrt(5)); biases use it with the weight's fanIn.
 * @example initWeight('xavierUniform', [40, 1], new Rng(0)).shape // [40, 1]
 */
export function initWeight(name: InitName, shape: readonly number[], rng: Rng, dtype: DType = 'float32', fanIn?: number): Tensor {
  checkInit('initWeight', shape, rng, dtype);
  fanIn ??= fans(shape)[0];
  switch (name) {
    case 'default': {
      const a = 1 / Math.sqrt(fanIn);
      return uniform(shape, -a, a, rng, dtype);
    }
    case 'uniform': return uniform(shape, -0.1, 0.1, rng, dtype);
    case 'xavierUniform': return xavierUniform(shape, rng, 1, dtype);
    case 'xavierNormal': return xavierNormal(shape, rng, 1, dtype);
    case 'kaimingUniform': return kaimingUniform(shape, rng, dtype);
    case 'kaimingNormal': return kaimingNormal(shape, rng, dtype);
    case 'zeros': return new Tensor(allocatePersistent(dtype, sizeOf(shape)), [...shape]);
    default: throw new MetagradError(`initWeight: unknown initializer ${typeof name === 'string' ? `'${name}'` : describe(name)}; expected default, uniform, xavierUniform, xavierNormal, kaimingUniform, kaimingNormal or zeros`);
  }
}
