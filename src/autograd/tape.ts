// The tape: every op that runs with grad mode on and an input that requires grad records a
// Node on its output (op name, inputs, VJP closure). The graph of Nodes, reachable from an
// output, is the tape that grad() walks backwards. With grad mode off nothing is recorded, so
// a backward without createGraph, or an evaluation under noGrad, builds nothing.
import { AnomalyError, fmtShape } from '../errors.ts';
import type { Tensor } from './tensor.ts';

/**
 * A VJP rule: given the gradient of the op's output, returns the gradients of its inputs,
 * written with differentiable ops. needs[i] says whether input i's gradient is wanted at all;
 * a rule returns null there to skip work. Shapes may be broadcast: the driver unbroadcasts.
 */
export type Vjp = (g: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** null once a backward without retainGraph has released it. */
  vjp: Vjp | null;
}

let gradEnabled = true;
let anomalyEnabled = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets grad mode and returns the previous mode. */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/**
 * Runs fn with grad mode off: no op inside records a node.
 * @example
 * const y = noGrad(() => model(x)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Runs fn with grad mode on (inside a noGrad, for example). */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/**
 * Anomaly mode: every op checks its forward output, and grad() every gradient, for NaN or
 * Infinity, and throws an AnomalyError naming the op at the first one. Costs a pass per op.
 * @example
 * detectAnomaly(true);
 * log(tensor([-1])); // AnomalyError: log produced NaN in forward ...
 */
export function detectAnomaly(on = true): void {
  anomalyEnabled = on;
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

export function checkFinite(op: string, phase: 'forward' | 'backward', t: Tensor, inputs: readonly Tensor[]): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      const what = v !== v ? 'NaN' : 'Infinity';
      throw new AnomalyError(`${op} produced ${what} in ${phase} at flat index ${i} of output ${fmtShape(t.shape)}` +
        ` (inputs ${inputs.map((x) => fmtShape(x.shape)).join(', ')})`);
    }
  }
}

// The op whose VJP is running, so an anomaly inside it is blamed on that op's backward.
let runningBackwardOf: string | null = null;

/** Runs a node's VJP with anomaly reports naming that node's op. */
export function inBackwardOf<T>(op: string, fn: () => T): T {
  const prev = runningBackwardOf;
  runningBackwardOf = op;
  try {
    return fn();
  } finally {
    runningBackwardOf = prev;
  }
}

/** Every op ends here: anomaly check, then a Node on `out` when the tape is recording. */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], vjp: Vjp): Tensor {
  if (anomalyEnabled) {
    if (runningBackwardOf) checkFinite(`${runningBackwardOf} (its VJP's ${op})`, 'backward', out, inputs);
    else checkFinite(op, 'forward', out, inputs);
  }
  if (gradEnabled) {
    for (const x of inputs) {
      if (x.requiresGrad) {
        out.node = { op, inputs, vjp };
        out.requiresGrad = true;
        break;
      }
    }
  }
  return out;
}
