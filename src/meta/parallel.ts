// Data-parallel meta-steps: a meta-batch split into contiguous shards, one per thread, the
// caller's included. Each worker holds its own copy of the learner (built by the same code from
// a spec), receives the meta-parameters and its shard's task data through a SharedArrayBuffer,
// and writes back its shard's mean loss, task losses and gradients; the caller weighs the
// shards by their task counts. No Node built-ins: the caller supplies spawn() (a Node
// worker_threads Worker, or a Web Worker) running a script that calls startTaskWorker.
// The caller blocks in Atomics.wait: fine in Node and in a worker, not on a browser's main thread.
import { ArgumentError, MetagradError, describe, expectFunction } from '../errors.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { WorkerLike } from '../kernels/threads.ts';
import { announceFailure, awaitDone, awaitReady, post, serve, type HandoffTiming } from '../kernels/handoff.ts';
import type { Module, ParamMap } from '../nn/module.ts';
import type { Batch } from '../envs/task.ts';
import { applyObjective, taskWeights, type AdaptOptions, type Learner, type MetaGradient, type TaskData, type TaskObjective } from './learner.ts';
import { noGrad } from '../autograd/tape.ts';
import { flatten } from '../autograd/flat.ts';
import { HEADER_BYTES, ensurePayload, newBuffer, readError, readTasks, stateOf, taskFloats, writeError, writeJob } from './parallel-wire.ts';

export interface ParallelOptions {
  /** Starts one worker running a script that passes its first message to startTaskWorker. */
  spawn: () => WorkerLike;
  /** Threads in all, the caller's included (default 2). */
  threads?: number;
  /** Handed to each worker's makeLearner (a run config, say); must survive structured cloning. */
  spec?: unknown;
  /** How long to wait for the workers to build their learners (default 30 s). */
  startTimeoutMs?: number;
}

export interface TaskWorkerInit {
  buffer: SharedArrayBuffer;
  spec: unknown;
  /** Sizes of the caller's meta-parameters then extra state, which the worker's must match. */
  sizes: number[];
}

// The hand-off's control words (src/kernels/handoff.ts) before the payload (Float64); a failed
// start or shard leaves its error message in the payload.
// A shard takes milliseconds, and the caller's optimizer step and task sampling come between two
// shards: both sides spin 2 ms before sleeping.
const TIMING: HandoffTiming = { spinMs: 2, timeoutMs: 300_000 };

/**
 * A worker's whole life: build the learner, then run posted shards forever.
 * @example
 * // worker script: parentPort.once('message', (init) => startTaskWorker(init, (spec) => buildLearner(spec)));
 */
export function startTaskWorker(init: TaskWorkerInit, makeLearner: (spec: unknown) => Learner): void {
  if (init === null || typeof init !== 'object' || !(init.buffer instanceof SharedArrayBuffer) || !Array.isArray(init.sizes)) {
    throw new ArgumentError(`startTaskWorker: init must be the message parallelTasks posts ({ buffer, spec, sizes }), got ${describe(init)}`);
  }
  expectFunction('startTaskWorker', makeLearner, 'makeLearner');
  const ctl = new Int32Array(init.buffer, 0, HEADER_BYTES / 4);
  let learner: Learner;
  let state: Tensor[];
  try {
    learner = makeLearner(init.spec);
    state = stateOf(learner);
    const mine = state.map((t) => t.size);
    if (mine.join() !== init.sizes.join()) {
      throw new MetagradError(`startTaskWorker: this worker's learner has state of sizes [${mine}], the caller's [${init.sizes}]; build it the same way`);
    }
  } catch (e) {
    writeError(init.buffer, e);
    announceFailure(ctl);
    return;
  }
  serve(ctl, TIMING.spinMs, () => {
    try {
      const p = new Float64Array(init.buffer, HEADER_BYTES);
      const perTask = p[0] < 0;
      const n = Math.abs(p[0]);
      let at = 1;
      for (const t of state) {
        t.data.set(p.subarray(at, at + t.size));
        at += t.size;
      }
      const tasks = readTasks(p, at, n);
      // each task's own gradient (an objective that weighs tasks), or the shard's mean
      const results = perTask ? tasks.map((t) => learner.metaGradient([t])) : [learner.metaGradient(tasks)];
      const losses = results.flatMap((r) => r.taskLosses);
      at = 0;
      p[at++] = losses.reduce((a, b) => a + b, 0) / n;
      p.set(losses, at);
      at += losses.length;
      for (const r of results) {
        for (const g of r.grads) {
          p.set(g.data, at);
          at += g.size;
        }
      }
      return true;
    } catch (e) {
      writeError(init.buffer, e);
      return false;
    }
  });
}

/** A Learner whose meta-steps run on several threads; dispose() stops the workers. */
export interface ParallelLearner extends Learner {
  readonly threads: number;
  dispose(): void;
}

/**
 * Splits every meta-batch over `threads` threads (the caller's included). For learners whose
 * meta-loss is the mean over tasks (every built-in one); the result equals one thread's up to
 * the order of the additions. In Node the worker script for the command line's learners is the
 * package's dist/task-worker.js; write your own with startTaskWorker for other learners.
 * @example
 * // import { Worker } from 'node:worker_threads';
 * // const p = parallelTasks(learner, { spawn: () => new Worker('my-task-worker.js'), spec: config });
 * // metaTrain({ learner: p, ... }); p.dispose();
 */
export function parallelTasks(learner: Learner, options: ParallelOptions): ParallelLearner {
  if (learner === null || typeof learner !== 'object' || typeof learner.metaGradient !== 'function') {
    throw new ArgumentError(`parallelTasks: learner must be a Learner, got ${describe(learner)}`);
  }
  if (options === null || typeof options !== 'object' || typeof options.spawn !== 'function') {
    throw new ArgumentError(`parallelTasks: options must be an object with spawn (a function returning a worker), got ${describe(options)}`);
  }
  const threads = options.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new MetagradError(`parallelTasks: threads must be an integer from 1 to 64, got ${threads}`);
  if (typeof SharedArrayBuffer === 'undefined') throw new MetagradError('parallelTasks: this runtime has no SharedArrayBuffer (in browsers: cross-origin isolation)');
  if (learner.needsWholeBatch) {
    throw new MetagradError(`parallelTasks: ${learner.name} needs every task of a meta-batch on one thread (RMAML's inner-rate hypergradient does); run it with threads = 1`);
  }
  const state = stateOf(learner);
  const sizes = state.map((t) => t.size);
  const stateFloats = sizes.reduce((a, b) => a + b, 0);
  const gradSize = learner.metaParameters().reduce((s, t) => s + t.size, 0);
  const workers: WorkerLike[] = [];
  const buffers: SharedArrayBuffer[] = [];
  for (let i = 1; i < threads; i++) {
    const buffer = newBuffer(8 * (1 + stateFloats) + (1 << 16));
    const w = options.spawn();
    w.postMessage({ buffer, spec: options.spec, sizes } satisfies TaskWorkerInit);
    workers.push(w);
    buffers.push(buffer);
  }
  const stop = () => workers.forEach((w) => w.terminate());
  const ctls = buffers.map((b) => new Int32Array(b, 0, HEADER_BYTES / 4));
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const started = awaitReady(ctls, startTimeoutMs);
  if (started.state !== 'ready') {
    stop();
    throw new MetagradError(started.state === 'failed'
      ? `parallelTasks: worker ${started.index + 1} could not build its learner: ${readError(buffers[started.index])}`
      : `parallelTasks: worker ${started.index + 1} did not start in ${startTimeoutMs} ms (does spawn() run a script that calls startTaskWorker?)`);
  }
  let live = true;

  /** Blocks until worker s has finished the shard last posted to it; true when it succeeded. */
  function awaitWorker(s: number): boolean {
    return awaitDone(ctls[s - 1], TIMING, () => new MetagradError(`parallelTasks: worker ${s} has not finished its shard in ${TIMING.timeoutMs / 60_000} minutes (did it exit?)`));
  }

  /**
   * Posts shards 1.. of the tasks to the workers (each task's own gradient when `perTask`), runs
   * shard 0 here with `own`, waits for the workers and returns the bounds, own's result and the
   * workers' payloads. A failure here waits for the workers (they are reading their shards)
   * before it is thrown; the workers' failures are reported by name and message.
   */
  function runShards<R>(tasks: readonly TaskData[], perTask: boolean, own: (mine: readonly TaskData[]) => R): { bounds: number[]; own: R; payloads: Float64Array[] } {
    const T = tasks.length;
    const parts = Math.min(threads, T);
    const bounds = Array.from({ length: parts + 1 }, (_, s) => Math.round((s * T) / parts));
    for (let s = 1; s < parts; s++) {
      const mine = tasks.slice(bounds[s], bounds[s + 1]);
      const input = 1 + stateFloats + mine.reduce((a, t) => a + taskFloats(t), 0);
      ensurePayload(buffers[s - 1], perTask ? Math.max(input, 1 + mine.length * (1 + gradSize)) : input);
      writeJob(new Float64Array(buffers[s - 1], HEADER_BYTES), state, mine, perTask);
      post(ctls[s - 1]);
    }
    let result: R;
    try {
      result = own(tasks.slice(0, bounds[1]));
    } catch (e) {
      for (let s = 1; s < parts; s++) awaitWorker(s);
      throw e;
    }
    const failures: string[] = [];
    for (let s = 1; s < parts; s++) if (!awaitWorker(s)) failures.push(`worker ${s} failed: ${readError(buffers[s - 1])}`);
    if (failures.length) throw new MetagradError(`parallelTasks: ${failures.join('; ')}`);
    return { bounds, own: result, payloads: buffers.slice(0, parts - 1).map((b) => new Float64Array(b, HEADER_BYTES)) };
  }

  /**
   * Under an objective J of the task losses: every task's own gradient from the shards, then
   * ∇J = Σ_i (∂J/∂L_i) ∇L_i with the weights taken at all the losses (the chain rule, exact for
   * any J; each shard runs its tasks one by one, without the batched path).
   */
  function weighted(tasks: readonly TaskData[], objective: TaskObjective): MetaGradient {
    const T = tasks.length;
    const { bounds, own, payloads } = runShards(tasks, true, (mine) => mine.map((t) => learner.metaGradient([t])));
    const losses = own.map((r) => r.taskLosses[0]);
    const perTask = own.map((r) => flatten(r.grads));
    payloads.forEach((p, k) => {
      const n = bounds[k + 2] - bounds[k + 1];
      for (let i = 0; i < n; i++) {
        losses.push(p[1 + i]);
        perTask.push(p.slice(1 + n + i * gradSize, 1 + n + (i + 1) * gradSize));
      }
    });
    const w = taskWeights(objective, losses);
    const sums = new Float64Array(gradSize);
    perTask.forEach((g, i) => {
      for (let k = 0; k < gradSize; k++) sums[k] += w[i] * g[k];
    });
    const value = noGrad(() => applyObjective(new Tensor(Float64Array.from(losses), [T]), objective, 'parallelTasks.metaGradient').item());
    return { loss: losses.reduce((a, b) => a + b, 0) / T, objective: value, grads: gradsOf(sums), taskLosses: losses };
  }

  /** The meta-parameters' shapes and dtypes around flat float64 sums. */
  function gradsOf(sums: Float64Array): Tensor[] {
    let at = 0;
    return learner.metaParameters().map((m) => {
      const data = m.dtype === 'float64' ? new Float64Array(m.size) : new Float32Array(m.size);
      data.set(sums.subarray(at, at + m.size));
      at += m.size;
      return new Tensor(data, m.shape);
    });
  }

  function metaGradient(tasks: readonly TaskData[], objective?: TaskObjective): MetaGradient {
    if (!live) throw new MetagradError('parallelTasks: metaGradient after dispose()');
    if (objective) return weighted(tasks, objective);
    const T = tasks.length;
    const { bounds, own, payloads } = runShards(tasks, false, (mine) => learner.metaGradient(mine));
    // Shards weighed by their task counts: the mean over all tasks of means over shards.
    const sums = new Float64Array(gradSize);
    let loss = (bounds[1] / T) * own.loss;
    const taskLosses = [...own.taskLosses];
    let at = 0;
    for (const g of own.grads) {
      const d = g.data;
      for (let i = 0; i < d.length; i++) sums[at + i] = (bounds[1] / T) * d[i];
      at += d.length;
    }
    payloads.forEach((p, k) => {
      const n = bounds[k + 2] - bounds[k + 1];
      for (let i = 0; i < n; i++) taskLosses.push(p[1 + i]);
      loss += (n / T) * p[0];
      for (let i = 0; i < gradSize; i++) sums[i] += (n / T) * p[1 + n + i];
    });
    return { loss, grads: gradsOf(sums), taskLosses };
  }

  return {
    name: learner.name,
    model: learner.model,
    threads,
    metaParameters: () => learner.metaParameters(),
    adapt: (params: ParamMap, support: Batch, steps: number, o?: AdaptOptions) => learner.adapt(params, support, steps, o),
    metaGradient,
    afterStep: learner.afterStep ? () => learner.afterStep!() : undefined,
    extraState: learner.extraState ? () => learner.extraState!() : undefined,
    dispose() {
      live = false;
      stop();
    },
  } satisfies ParallelLearner & { model: Module };
}
