// The hand-off between a calling thread and its workers, through Atomics on a few Int32 control
// words in shared memory. One protocol for threadedKernels (a GEMM's column shares) and
// parallelTasks (a meta-batch's shards):
//   READY  0 while the worker starts, READY_OK once it serves, READY_FAILED if it could not start
//   SEQ    bumped by the caller to post a job (the job's data is written before)
//   DONE   set by the worker to the SEQ it finished (its results written before)
//   STATUS 0 when the job succeeded, 1 when it threw (the user's payload says why)
// Both sides spin for a short while before sleeping in Atomics.wait: a futex wake-up costs tens
// of microseconds (50-100 measured here), more than a GEMM share or the gap between two shards.

export const SEQ = 0;
export const DONE = 1;
export const READY = 2;
export const STATUS = 3;
/** Int32 words the protocol uses at the start of a control block. */
export const CONTROL_WORDS = 4;
export const READY_OK = 1;
export const READY_FAILED = 2;

/** How the two sides wait: spin this long first, and give up on a job after timeoutMs. */
export interface HandoffTiming {
  spinMs: number;
  timeoutMs: number;
}

/** Worker side: could not start; the caller's awaitReady reports it. */
export function announceFailure(ctl: Int32Array): void {
  Atomics.store(ctl, READY, READY_FAILED);
  Atomics.notify(ctl, READY);
}

/**
 * Worker side, for the rest of the worker's life: announce READY_OK, then run every posted job;
 * `job` returns false when it failed (and wrote why into the caller's payload).
 */
export function serve(ctl: Int32Array, spinMs: number, job: () => boolean): never {
  // Read SEQ before announcing: the caller posts only after READY, so no post can slip in
  // between and be taken for the starting value.
  let seen = Atomics.load(ctl, SEQ);
  Atomics.store(ctl, READY, READY_OK);
  Atomics.notify(ctl, READY);
  for (;;) {
    const spinUntil = performance.now() + spinMs;
    while (Atomics.load(ctl, SEQ) === seen && performance.now() < spinUntil);
    Atomics.wait(ctl, SEQ, seen);
    // Only a new SEQ is a job: a wake-up without one (a stray notify) would otherwise rerun the
    // last job on a payload that now holds its results.
    const now = Atomics.load(ctl, SEQ);
    if (now === seen) continue;
    seen = now;
    Atomics.store(ctl, STATUS, job() ? 0 : 1);
    Atomics.store(ctl, DONE, seen);
    Atomics.notify(ctl, DONE);
  }
}

/** Caller side: the job's data is in place; wake the worker. */
export function post(ctl: Int32Array): void {
  Atomics.add(ctl, SEQ, 1);
  Atomics.notify(ctl, SEQ);
}

/**
 * Caller side: blocks until the worker finished the job last posted, true when it succeeded.
 * `stuck` is thrown when the worker takes longer than the timing's timeoutMs.
 */
export function awaitDone(ctl: Int32Array, timing: HandoffTiming, stuck: () => Error): boolean {
  const seq = Atomics.load(ctl, SEQ);
  const since = Date.now();
  const spinUntil = performance.now() + timing.spinMs; // the worker is usually about to finish
  while (Atomics.load(ctl, DONE) !== seq && performance.now() < spinUntil);
  while (Atomics.load(ctl, DONE) !== seq) {
    Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 1000);
    if (Date.now() - since > timing.timeoutMs) throw stuck();
  }
  return Atomics.load(ctl, STATUS) === 0;
}

/** Caller side: where a worker stands after starting. */
export type StartState = 'ready' | 'failed' | 'starting';

export function startState(ctl: Int32Array): StartState {
  const r = Atomics.load(ctl, READY);
  return r === READY_OK ? 'ready' : r === READY_FAILED ? 'failed' : 'starting';
}

/**
 * Caller side, blocking: waits until every worker is ready or one failed ('failed', its
 * index), or until the deadline passes ('timeout', the first still starting).
 */
export function awaitReady(ctls: readonly Int32Array[], timeoutMs: number): { state: 'ready' } | { state: 'failed' | 'timeout'; index: number } {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < ctls.length; i++) {
    for (;;) {
      const s = startState(ctls[i]);
      if (s === 'failed') return { state: 'failed', index: i };
      if (s === 'ready') break;
      if (Date.now() > deadline) return { state: 'timeout', index: i };
      Atomics.wait(ctls[i], READY, 0, 50);
    }
  }
  return { state: 'ready' };
}

/** awaitReady without blocking the event loop (where the caller's loop must run meanwhile). */
export async function awaitReadyAsync(ctls: readonly Int32Array[], timeoutMs: number): Promise<{ state: 'ready' } | { state: 'failed' | 'timeout'; index: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = ctls.map(startState);
    const failed = states.indexOf('failed');
    if (failed >= 0) return { state: 'failed', index: failed };
    const starting = states.indexOf('starting');
    if (starting < 0) return { state: 'ready' };
    if (Date.now() > deadline) return { state: 'timeout', index: starting };
    await new Promise((r) => setTimeout(r, 5));
  }
}
