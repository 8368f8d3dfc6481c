// Module: named parameters, buffers and child modules, train/eval, and a functional call.
// `module.call(x, params)` runs the module with an explicit parameter map (how MAML evaluates
// adapted weights without mutating the module); `module.call(x)` uses its own parameters.
import { ArgumentError, MetagradError, ShapeError, describe, fmtShape, className } from '../errors.ts';
import { Tensor, expectTensor } from '../autograd/tensor.ts';

/** Parameters by dotted name ("layers.0.weight"), as namedParameters() lists them. */
export type ParamMap = Map<string, Tensor>;

/** Where a module's forward finds its tensors: its own, or the caller's map under a prefix. */
export class Scope {
  constructor(readonly module: Module, readonly map: ParamMap | null, readonly prefix: string) {}

  /** The parameter `name` of this scope's module. */
  param(name: string): Tensor {
    if (this.map) {
      const t = this.map.get(this.prefix + name);
      if (!t) throw new MetagradError(`${className(this.module)}.call: the parameter map lacks '${this.prefix + name}'`);
      return t;
    }
    return this.module.localParameter(name);
  }

  /** Runs child `name` on x within this scope. */
  run(name: string, x: Tensor): Tensor {
    return this.module.child(name).forward(x, this.sub(name));
  }

  /** The scope of child `name`. */
  sub(name: string): Scope {
    return new Scope(this.module.child(name), this.map, `${this.prefix}${name}.`);
  }
}

export abstract class Module {
  static readonly typeName: string = 'Module';
  /** True in training mode (BatchNorm uses it); set with train() / eval(). */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /**
   * The computation, reading parameters through the scope. Called without one (the PyTorch
   * habit, `model.forward(x)`), it runs with the module's own parameters, as call(x) does: every
   * built-in layer defaults its scope to `this.ownScope()`, and a subclass of yours should too.
   */
  abstract forward(x: Tensor, scope?: Scope): Tensor;

  /** The scope that reads this module's own parameters: what forward(x) and call(x) use. */
  ownScope(): Scope {
    return new Scope(this, null, '');
  }

  /**
   * Runs the module; with `params`, the module's own parameters are replaced by the map's
   * tensors of the same names (the functional call).
   * @example
   * const fast = new Map([...model.paramMap()].map(([n, p]) => [n, p.mul(0.5)]));
   * model.call(tensor([[1]]), fast); // runs with the halved weights; model's own are unchanged
   */
  call(x: Tensor, params?: ParamMap): Tensor {
    return this.forward(x, new Scope(this, params ?? null, ''));
  }

  protected registerParameter(name: string, t: Tensor): Tensor {
    if (!t.isLeaf) throw new MetagradError(`registerParameter: '${name}' must be a leaf tensor`);
    t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  localParameter(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new MetagradError(`${className(this)}: no parameter '${name}'`);
    return t;
  }

  localBuffer(name: string): Tensor {
    const t = this.buffers.get(name);
    if (!t) throw new MetagradError(`${className(this)}: no buffer '${name}'`);
    return t;
  }

  child(name: string): Module {
    const m = this.children.get(name);
    if (!m) throw new MetagradError(`${className(this)}: no child module '${name}'`);
    return m;
  }

  /**
   * True when forward also accepts task-batched parameters (a leading task axis on every
   * parameter, inputs [T, N, ...]), so a meta-batch runs as one batched computation.
   */
  get acceptsTaskBatch(): boolean {
    return false;
  }

  /**
   * This module's own parameters that only the outer loop learns: an inner loop adapts the
   * others (MSR's U, which says how weights are shared; its v adapts). Default none.
   */
  get outerOnlyParameters(): readonly string[] {
    return [];
  }

  childModules(): Module[] {
    return [...this.children.values()];
  }

  /** [name, tensor] for every parameter, depth first in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** The parameters as a ParamMap, for call(x, params). */
  paramMap(): ParamMap {
    return new Map(this.namedParameters());
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.buffers) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /** Sets training mode here and below; returns this. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by name (what a checkpoint stores). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [n, t] of this.namedParameters()) out[n] = t;
    for (const [n, t] of this.namedBuffers()) out[n] = t;
    return out;
  }

  /**
   * Copies tensors into the parameters and buffers of the same names. Every name must match
   * both ways and every shape and dtype must agree, or nothing is changed.
   */
  loadStateDict(state: Record<string, Tensor>): void {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new ArgumentError(`${className(this)}.loadStateDict: state must be a record of Tensors by name, got ${describe(state)}`);
    }
    const own = this.stateDict();
    const missing = Object.keys(own).filter((n) => !(n in state));
    const unexpected = Object.keys(state).filter((n) => !(n in own));
    if (missing.length || unexpected.length) {
      throw new ShapeError(`loadStateDict: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
    }
    for (const [n, t] of Object.entries(own)) {
      const src = state[n];
      expectTensor(`${className(this)}.loadStateDict`, src, `state['${n}']`);
      if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i]) || src.dtype !== t.dtype) {
        throw new ShapeError(`loadStateDict: '${n}' is ${fmtShape(src.shape)} ${src.dtype} in the state, ${fmtShape(t.shape)} ${t.dtype} in the module`);
      }
    }
    for (const [n, t] of Object.entries(own)) t.data.set(state[n].data);
  }
}

/**
 * The parameters an inner loop adapts by default: all but those a module keeps to the outer
 * loop (outerOnlyParameters), by their full names.
 * @example innerParameterNames(new MLP([2, 3, 1])) // ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']
 */
export function innerParameterNames(model: Module): string[] {
  if (!(model instanceof Module)) throw new ArgumentError(`innerParameterNames: model must be a Module, got ${describe(model)}`);
  const outer = new Set(model.namedModules().flatMap(([at, m]) => m.outerOnlyParameters.map((n) => (at ? `${at}.${n}` : n))));
  return model.namedParameters().map(([n]) => n).filter((n) => !outer.has(n));
}
