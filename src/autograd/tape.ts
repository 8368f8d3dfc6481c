// The tape: every op that runs with grad mode on and an input that requires grad records a
// Node on its output (op name, inputs, VJP closure). The graph of Nodes, reachable from an
// output, is the tape that grad() walks backwards. With grad mode off nothing is recorded, so
// a backward without createGraph, or an evaluation under noGrad, builds nothing.
import { AnomalyError, ArgumentError, describe, expectFunction, fmtShape } from '../errors.ts';
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
  /** Set on ops recorded while a VJP ran (createGraph): the op whose backward made this one. */
  readonly backwardOf?: string;
}

let gradEnabled = true;
let anomalyEnabled = false;

/** @example noGrad(() => isGradEnabled()) // false */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Sets grad mode and returns the previous mode.
 * @example const previous = setGradEnabled(false); setGradEnabled(previous);
 */
export function setGradEnabled(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new ArgumentError(`setGradEnabled: expected true or false, got ${describe(on)}`);
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/**
 * Runs fn with grad mode off: no op inside records a node.
 * @example
 * noGrad(() => model.call(tensor([[0.5]]))).requiresGrad // false
 */
export function noGrad<T>(fn: () => T): T {
  expectFunction('noGrad', fn);
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/**
 * Runs fn with grad mode on (inside a noGrad, for example).
 * @example noGrad(() => enableGrad(() => mul(x, 2))).requiresGrad // true
 */
export function enableGrad<T>(fn: () => T): T {
  expectFunction('enableGrad', fn);
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
 * try {
 *   log(tensor([-1]));
 * } catch (e) {
 *   // AnomalyError: log produced NaN in forward at flat index 0 of output [1] (inputs [1])
 * } finally {
 *   detectAnomaly(false);
 * }
 */
export function detectAnomaly(on = true): void {
  if (typeof on !== 'boolean') throw new ArgumentError(`detectAnomaly: expected true or false, got ${describe(on)}`);
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

// The op whose VJP is running: an anomaly inside it is blamed on that op's backward, and ops it
// records (createGraph) are labelled as part of that backward.
let runningBackwardOf: string | null = null;

/** Runs a node's VJP with anomaly reports and recorded ops naming that node's op. */
export function inBackwardOf<T>(op: string, fn: () => T): T {
  const prev = runningBackwardOf;
  runningBackwardOf = op;
  try {
    return fn();
  } finally {
    runningBackwardOf = prev;
  }
}

export type TraceHook = (op: string, inputs: readonly Tensor[], out: Tensor, backwardOf: string | undefined) => void;
let traceHook: TraceHook | null = null;

/** Installs a hook called for every op (see inspect.ts's trace); returns the previous one. */
export function setTraceHook(hook: TraceHook | null): TraceHook | null {
  const prev = traceHook;
  traceHook = hook;
  return prev;
}

/** Every op ends here: anomaly check, then a Node on `out` when the tape is recording. */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], vjp: Vjp): Tensor {
  if (traceHook) traceHook(op, inputs, out, runningBackwardOf ?? undefined);
  if (anomalyEnabled) {
    if (runningBackwardOf) checkFinite(`${runningBackwardOf} (its VJP's ${op})`, 'backward', out, inputs);
    else checkFinite(op, 'forward', out, inputs);
  }
  if (gradEnabled) {
    for (const x of inputs) {
      if (x.requiresGrad) {
        out.node = runningBackwardOf ? { op, inputs, vjp, backwardOf: runningBackwardOf } : { op, inputs, vjp };
        out.requiresGrad = true;
        break;
      }
    }
  }
  return out;
}
