// Multi-task learning: one set of parameters, a loss per task, and how their gradients
// combine: summed, averaged, or by PCGrad's gradient surgery (Yu et al. 2020, "Gradient Surgery
// for Multi-Task Learning"): each task's gradient is projected onto the normal plane of every
// other task's original gradient it conflicts with (negative inner product), those tasks taken
// in a random order, and the projected gradients are summed. Gradients are compared as one
// vector over all parameters, as in the paper.
import { ArgumentError, describe, expectOptions } from '../errors.ts';
import { grad } from '../autograd/grad.ts';
import { dot, flatten } from '../autograd/flat.ts';
import { Tensor } from '../autograd/tensor.ts';
import { Rng, expectRng } from '../rng.ts';

export type GradientCombination = 'sum' | 'mean' | 'pcgrad';

interface Optimizer {
  step(grads: readonly Tensor[]): void;
}

/**
 * PCGrad's combined gradient from each task's gradients (one list per task, in the parameters'
 * order): every task's gradient, projected off each conflicting other gradient (original, not
 * projected) in an order drawn from rng, then all summed. Returns one tensor per parameter.
 * @example pcgrad([[tensor([1, 0])], [tensor([-1, 1])]])[0].data // Float32Array [0.5, 1.5]
 */
export function pcgrad(taskGradients: readonly (readonly Tensor[])[], rng: Rng = new Rng(0)): Tensor[] {
  const ok = (g: unknown) => Array.isArray(g) && g.length > 0 && g.every((t) => t instanceof Tensor);
  if (!Array.isArray(taskGradients) || taskGradients.length === 0 || !taskGradients.every(ok)) {
    throw new ArgumentError(`pcgrad: taskGradients must be a non-empty list of per-task gradient lists (Tensors), got ${describe(taskGradients)}`);
  }
  const taskGrads: readonly (readonly Tensor[])[] = taskGradients;
  expectRng('pcgrad', rng);
  taskGrads.forEach((gs, k) => {
    if (gs.length !== taskGrads[0].length || gs.some((t, i) => t.size !== taskGrads[0][i].size)) {
      throw new ArgumentError(`pcgrad: task ${k} has gradients of other sizes than task 0's (${gs.map((t) => t.size).join(', ')} vs ${taskGrads[0].map((t) => t.size).join(', ')})`);
    }
  });
  const flat = taskGrads.map(flatten);
  const norms = flat.map((g) => dot(g, g));
  const total = new Float64Array(flat[0].length);
  flat.forEach((gi, i) => {
    const p = Float64Array.from(gi);
    const others = flat.map((_, j) => j).filter((j) => j !== i);
    for (let k = others.length - 1; k > 0; k--) { // Fisher-Yates
      const r = rng.int(k + 1);
      [others[k], others[r]] = [others[r], others[k]];
    }
    for (const j of others) {
      const d = dot(p, flat[j]);
      if (d < 0 && norms[j] > 0) {
        const c = d / norms[j];
        for (let e = 0; e < p.length; e++) p[e] -= c * flat[j][e];
      }
    }
    for (let e = 0; e < p.length; e++) total[e] += p[e];
  });
  let at = 0;
  return taskGrads[0].map((t) => {
    const data = t.dtype === 'float64' ? new Float64Array(t.size) : new Float32Array(t.size);
    data.set(total.subarray(at, at + t.size));
    at += t.size;
    return new Tensor(data, t.shape);
  });
}

export interface MultiTaskOptions {
  /** How the task gradients combine (default 'sum'). */
  combine?: GradientCombination;
  /** The order PCGrad projects in (default new Rng(0)). */
  rng?: Rng;
}

/**
 * A multi-task trainer: step(losses) takes each task's loss on the shared parameters, combines
 * their gradients and steps the optimizer. Returns the losses' values and how many task pairs
 * conflicted.
 * @example new MultiTask([tensor([1, 2], { requiresGrad: true })], { step() {} }, { combine: 'pcgrad' }).combine // 'pcgrad'
 */
export class MultiTask {
  static readonly typeName: string = 'MultiTask';
  readonly combine: GradientCombination;
  private readonly rng: Rng;

  constructor(readonly params: Tensor[], private readonly optimizer: Optimizer, options: MultiTaskOptions = {}) {
    if (!Array.isArray(params) || params.length === 0 || params.some((p) => !(p instanceof Tensor) || !p.requiresGrad)) {
      throw new ArgumentError(`MultiTask: params must be a non-empty array of Tensors that require grad, got ${describe(params)}`);
    }
    if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.step !== 'function') throw new ArgumentError(`MultiTask: optimizer must have step(grads), got ${describe(optimizer)}`);
    options = expectOptions('MultiTask', options);
    this.combine = options.combine ?? 'sum';
    if (!['sum', 'mean', 'pcgrad'].includes(this.combine)) throw new ArgumentError(`MultiTask: combine must be 'sum', 'mean' or 'pcgrad', got ${describe(this.combine)}`);
    this.rng = expectRng('MultiTask', options.rng ?? new Rng(0));
  }

  /** Each task's gradient with respect to the parameters. */
  taskGradients(losses: readonly Tensor[]): Tensor[][] {
    if (!Array.isArray(losses) || losses.length === 0 || losses.some((l) => !(l instanceof Tensor) || l.size !== 1)) {
      throw new ArgumentError(`MultiTask.step: losses must be a non-empty array of scalar Tensors, got ${describe(losses)}`);
    }
    return losses.map((l, i) => grad(l, this.params, { retainGraph: i < losses.length - 1, allowUnused: true }));
  }

  step(losses: readonly Tensor[]): { losses: number[]; conflicts: number } {
    const gs = this.taskGradients(losses);
    const flat = gs.map(flatten);
    let conflicts = 0;
    for (let i = 0; i < flat.length; i++) for (let j = i + 1; j < flat.length; j++) if (dot(flat[i], flat[j]) < 0) conflicts++;
    let combined: Tensor[];
    if (this.combine === 'pcgrad') {
      combined = pcgrad(gs, this.rng);
    } else {
      const scale = this.combine === 'mean' ? 1 / gs.length : 1;
      combined = this.params.map((p, k) => {
        const data = p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size);
        for (const g of gs) for (let e = 0; e < p.size; e++) data[e] += scale * g[k].data[e];
        return new Tensor(data, p.shape);
      });
    }
    this.optimizer.step(combined);
    return { losses: losses.map((l) => l.item()), conflicts };
  }
}
