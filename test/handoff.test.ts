// The one hand-off protocol (src/kernels/handoff.ts) behind threadedKernels and parallelTasks,
// with real worker threads: jobs run and report success or failure, a worker that fails to start
// or never starts is reported (not waited on forever), a job that hangs times out; and both users
// of the protocol report a worker that never starts.
import { threadsWasm } from '../src/kernels/threads-wasm.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { awaitDone, awaitReady, awaitReadyAsync, post } from '../src/kernels/handoff.ts';
import { BackendError, MAML, MLP, MetagradError, Rng, parallelTasks, threadedKernels } from '../src/index.ts';
import { assertThrowsTyped } from './helpers.ts';

const spawn = () => new Worker(new URL('./fixtures/handoff-worker.mjs', import.meta.url));
const timing = { spinMs: 1, timeoutMs: 500 };

function start(mode: string): { ctl: Int32Array; worker: Worker } {
  const buffer = new SharedArrayBuffer(64);
  const worker = spawn();
  worker.postMessage({ buffer, mode });
  return { ctl: new Int32Array(buffer), worker };
}

test('jobs run, one after another, and report success or failure', async () => {
  const { ctl, worker } = start('serve');
  try {
    assert.equal(await awaitReadyAsync([ctl], 20_000), { state: 'ready' });
    ctl[8] = 21;
    post(ctl);
    assert.ok(awaitDone(ctl, timing, () => new Error('stuck')));
    assert.is(ctl[8], 42);
    post(ctl);
    assert.ok(awaitDone(ctl, timing, () => new Error('stuck')));
    assert.is(ctl[8], 84);
    ctl[9] = 1; // the next job throws
    post(ctl);
    assert.not.ok(awaitDone(ctl, timing, () => new Error('stuck')), 'a failed job reports false');
  } finally {
    await worker.terminate();
  }
});

test('a wake-up without a new job runs nothing: only a post does', async () => {
  const { ctl, worker } = start('serve');
  try {
    assert.equal(await awaitReadyAsync([ctl], 20_000), { state: 'ready' });
    ctl[8] = 3;
    post(ctl);
    assert.ok(awaitDone(ctl, timing, () => new Error('stuck')));
    assert.is(ctl[8], 6);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20)); // the worker is asleep in Atomics.wait by now
      Atomics.notify(ctl, 0); // a stray notify on SEQ, with no new job
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.is(ctl[8], 6, 'no job ran');
    post(ctl);
    assert.ok(awaitDone(ctl, timing, () => new Error('stuck')));
    assert.is(ctl[8], 12);
  } finally {
    await worker.terminate();
  }
});

test('a worker that fails to start, or never starts, is reported', async () => {
  const failed = start('fail');
  const never = start('never');
  try {
    assert.equal(awaitReady([failed.ctl], 20_000), { state: 'failed', index: 0 });
    assert.equal(await awaitReadyAsync([failed.ctl, never.ctl], 20_000), { state: 'failed', index: 0 });
    const t0 = Date.now();
    assert.equal(awaitReady([never.ctl], 300), { state: 'timeout', index: 0 });
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    await failed.worker.terminate();
    await never.worker.terminate();
  }
});

test('a job that hangs past the timeout throws the caller\'s error', async () => {
  const { ctl, worker } = start('hang');
  try {
    assert.equal(await awaitReadyAsync([ctl], 20_000), { state: 'ready' });
    post(ctl);
    assert.throws(() => awaitDone(ctl, timing, () => new Error('worker 1 is stuck')), /worker 1 is stuck/);
  } finally {
    await worker.terminate();
  }
});

test('threadedKernels and parallelTasks report a worker that never starts', async () => {
  const silent = () => new Worker('setTimeout(() => {}, 60000)', { eval: true });
  await threadedKernels({ builds: threadsWasm, spawn: silent, threads: 2, startTimeoutMs: 300 }).then(
    () => assert.unreachable('threadedKernels started without its worker'),
    (e: Error) => assert.ok(e instanceof BackendError && e.message.includes('did not start within 300 ms'), e.message),
  );
  const learner = new MAML(new MLP([1, 4, 1], { rng: new Rng(0) }));
  assertThrowsTyped(() => parallelTasks(learner, { spawn: silent, threads: 2, spec: null, startTimeoutMs: 300 }), MetagradError, 'worker 1 did not start in 300 ms');
});

test.run();
