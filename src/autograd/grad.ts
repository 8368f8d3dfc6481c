// The backward driver: walks the tape from outputs to inputs in reverse topological order,
// calls each node's VJP, unbroadcasts (once, here, not in every rule) and accumulates.
// With createGraph the VJP ops are themselves recorded, so the result can be differentiated
// again; without it grad mode is off during the walk and nothing is recorded.
import { GradError, expectOptions, fmtShape } from '../errors.ts';
import { sameShape } from './shape.ts';
import { checkFinite, inBackwardOf, isAnomalyEnabled, setGradEnabled } from './tape.ts';
import { Tensor, expectTensor, expectTensors, onesLike, zerosLike } from './tensor.ts';
import { keep } from './tidy.ts';
import { add } from './ops/elementwise.ts';
import { sumTo } from './ops/reduce.ts';

export interface GradOptions {
  /** Gradient of each output (required for non-scalar outputs): the v in vᵀJ. */
  gradOutput?: Tensor | readonly Tensor[];
  /** Record the backward pass so the gradients can be differentiated again. Default false. */
  createGraph?: boolean;
  /** Keep the graph usable for another backward. Default: createGraph. */
  retainGraph?: boolean;
  /** Return zeros for inputs the outputs do not depend on, instead of throwing. Default false. */
  allowUnused?: boolean;
}

/** Tensors with a node reachable from `roots`, inputs before the tensors made from them. */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const r of roots) {
    if (r.node && !seen.has(r)) {
      seen.add(r);
      stack.push([r, 0]);
    }
    while (stack.length) {
      const top = stack[stack.length - 1];
      const inputs = top[0].node!.inputs;
      if (top[1] < inputs.length) {
        const next = inputs[top[1]++];
        if (next.node && next.requiresGrad && !seen.has(next)) {
          seen.add(next);
          stack.push([next, 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

/**
 * Gradients of outputs with respect to inputs (torch.autograd.grad semantics): returns one
 * tensor per input, the sum over outputs of gradOutputᵀ · d output / d input.
 * @example
 * const x = tensor([2], { dtype: 'float64', requiresGrad: true });
 * const [g] = grad(pow(x, 3), [x], { createGraph: true }); // 12
 * const [h] = grad(g, [x]);                                // 12 (= 6x)
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): Tensor[] {
  const outs = outputs instanceof Tensor ? [outputs] : expectTensors('grad', outputs, 'outputs');
  const ins = inputs instanceof Tensor ? [inputs] : expectTensors('grad', inputs, 'inputs');
  options = expectOptions('grad', options);
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const gOuts = options.gradOutput === undefined ? [] : options.gradOutput instanceof Tensor ? [options.gradOutput] : [...options.gradOutput];
  if (gOuts.length > 0 && gOuts.length !== outs.length) {
    throw new GradError(`grad: ${gOuts.length} gradOutput tensors for ${outs.length} outputs`);
  }
  ins.forEach((x, i) => {
    if (!x.requiresGrad) throw new GradError(`grad: input ${i} ${fmtShape(x.shape)} does not require grad; create it with requiresGrad: true`);
  });

  const grads = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t);
    grads.set(t, prev ? add(prev, g) : g);
  };
  const prevMode = setGradEnabled(createGraph);
  try {
    outs.forEach((y, i) => {
      if (!y.requiresGrad) throw new GradError(`grad: output ${i} ${fmtShape(y.shape)} does not require grad (no input of it requires grad, or it was computed under noGrad)`);
      let g = gOuts[i];
      if (g === undefined) {
        if (y.size !== 1) throw new GradError(`grad: output ${i} has shape ${fmtShape(y.shape)}; a non-scalar output needs gradOutput`);
        g = onesLike(y);
      } else if (!sameShape(g.shape, y.shape) || g.dtype !== y.dtype) {
        throw new GradError(`grad: gradOutput ${i} is ${fmtShape(g.shape)} ${g.dtype}, output is ${fmtShape(y.shape)} ${y.dtype}`);
      }
      accumulate(y, g);
    });

    const order = topoOrder(outs);
    const wanted = new Set(ins);
    // relevant: tensors from which some requested input is reachable (so their gradient matters)
    const relevant = new Set<Tensor>(ins);
    for (const t of order) if (t.node!.inputs.some((x) => relevant.has(x))) relevant.add(t);

    for (let idx = order.length - 1; idx >= 0; idx--) {
      const t = order[idx];
      const node = t.node!;
      const g = grads.get(t);
      // Stop at tensors below which no requested input lies (a requested non-leaf, say):
      // walking further would waste work and release a graph the caller may still need.
      if (!g || !node.inputs.some((x) => relevant.has(x))) continue;
      if (!wanted.has(t)) grads.delete(t);
      if (!node.vjp) {
        throw new GradError(`grad: the graph through ${node.op} ${fmtShape(t.shape)} was freed by an earlier backward; pass retainGraph: true to the first one`);
      }
      const needs = node.inputs.map((x) => relevant.has(x));
      const vjp = node.vjp;
      const gIns = createGraph || isAnomalyEnabled() ? inBackwardOf(node.op, () => vjp(g, needs)) : vjp(g, needs);
      if (!retainGraph) node.vjp = null;
      node.inputs.forEach((x, i) => {
        let gi = gIns[i];
        if (!needs[i] || !gi) return;
        if (!sameShape(gi.shape, x.shape)) gi = sumTo(gi, x.shape);
        if (isAnomalyEnabled()) checkFinite(`${node.op} (backward)`, 'backward', gi, [g]);
        accumulate(x, gi);
      });
    }
  } finally {
    setGradEnabled(prevMode);
  }

  return ins.map((x, i) => {
    const g = grads.get(x);
    if (g) return g;
    if (options.allowUnused) return zerosLike(x);
    throw new GradError(`grad: input ${i} ${fmtShape(x.shape)} was not used to compute the outputs; pass allowUnused: true to get zeros`);
  });
}

/** Every leaf with requiresGrad that `root` depends on. */
function leavesOf(root: Tensor): Tensor[] {
  const leaves = new Set<Tensor>();
  for (const t of topoOrder([root])) {
    for (const x of t.node!.inputs) if (x.requiresGrad && !x.node) leaves.add(x);
  }
  if (root.requiresGrad && !root.node) leaves.add(root);
  return [...leaves];
}

/**
 * Accumulates d output / d leaf into leaf.grad for every leaf with requiresGrad (PyTorch's
 * loss.backward()).
 * @example
 * const w = tensor([1, 2], { requiresGrad: true });
 * sum(mul(w, w)).backward(); // w.grad = [2, 4]
 */
export function backward(output: Tensor, gradOutput?: Tensor, options: Omit<GradOptions, 'gradOutput' | 'allowUnused'> = {}): void {
  expectTensor('backward', output, 'output');
  if (gradOutput !== undefined) expectTensor('backward', gradOutput, 'gradOutput');
  const leaves = leavesOf(output);
  if (leaves.length === 0 && !output.requiresGrad) {
    throw new GradError(`backward: output ${fmtShape(output.shape)} does not require grad`);
  }
  const gs = grad(output, leaves, { ...options, gradOutput, allowUnused: true });
  const prev = setGradEnabled(options.createGraph ?? false);
  try {
    leaves.forEach((leaf, i) => {
      leaf.grad = keep(leaf.grad ? add(leaf.grad, gs[i]) : gs[i]); // .grad outlives a tidy()
    });
  } finally {
    setGradEnabled(prev);
  }
}
