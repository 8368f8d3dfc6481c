// The Node worker behind `metagrad train --workers N` and the bench's task-parallel case: its
// first message is a TaskWorkerInit whose spec is the run's config, from which it builds the
// same learner as the caller.
import { setFlagsFromString } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { startTaskWorker } from '../meta/parallel.ts';
import { setReproducible } from '../kernels/backend.ts';
import { makeFamily, makeLearner, type RunConfig } from './run.ts';
import { registerDigitEnvironments } from './digit-files.ts';

// The caller's kernels: the relaxed-SIMD build validates only behind this flag (see main.ts).
setFlagsFromString('--experimental-wasm-relaxed-simd');
registerDigitEnvironments();
parentPort!.once('message', (init) => startTaskWorker(init, (spec) => {
  const c = spec as RunConfig;
  setReproducible(c.reproducible === true); // the caller's kernels, or the shards would differ
  return makeLearner(c, makeFamily(c));
}));
