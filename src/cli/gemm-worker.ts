// The Node worker behind threadedKernels: its first message is the shared module and memory.
import { parentPort } from 'node:worker_threads';
import { startGemmWorker } from '../kernels/threads.ts';

parentPort!.once('message', (init) => startGemmWorker(init));
