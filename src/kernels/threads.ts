// Two (or more) threads on one GEMM: the shared-memory build of the kernels, instantiated on
// the calling thread and in each worker over the same WebAssembly.Memory. A product's columns
// are split in multiples of 8; every thread packs its own share of B (and the A blocks) into
// its own buffers and writes its own columns of C. Threads meet through Atomics on a control
// block in the shared memory. No Node built-ins: the caller supplies spawn() (a Node
// worker_threads Worker, or a Web Worker) running a script that calls startGemmWorker.
// The calling thread blocks in Atomics.wait while the workers finish: fine in Node and in a
// worker; a browser's main thread may not block, so use threads from a worker there.
import { ArgumentError, BackendError, describe } from '../errors.ts';
import { jsKernels } from './js/index.ts';
import { gemmEpilogue } from './js/gemm.ts';
import type { GemmArgs, Kernels } from './types.ts';
import { carve } from './bump.ts';
import { LinearMemory } from './linear-memory.ts';
import { backendKernels, isReproducible } from './backend.ts';
import { decodeBase64 } from './base64.ts';
import { CONTROL_WORDS, announceFailure, awaitDone, awaitReadyAsync, post, serve, type HandoffTiming } from './handoff.ts';

export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** The shared-memory kernel builds, base64 or bytes: `threadsWasm` from 'metagrad/threads-wasm'. */
export interface ThreadBuilds {
  readonly simd: string | Uint8Array;
  /** Tried first where the CPU has relaxed SIMD (not in reproducible mode). */
  readonly relaxed?: string | Uint8Array;
}

export interface ThreadOptions {
  /** Starts one worker running a script that passes its first message to startGemmWorker. */
  spawn: () => WorkerLike;
  /** The shared-memory builds (import { threadsWasm } from 'metagrad/threads-wasm'). */
  builds: ThreadBuilds;
  /** Threads in all, the caller's included (default 2). */
  threads?: number;
  /** Multiply-adds below which a product runs on the calling thread alone (default 64³). */
  minMacs?: number;
  /** How long the workers may take to start (default 10,000 ms). */
  startTimeoutMs?: number;
}

export interface ThreadedKernels extends Kernels {
  readonly threads: number;
  /** Stops the workers; the kernels then run on the calling thread only. */
  dispose(): void;
}

interface GemmExports {
  f32_gemm_range(
    batch: number, transA: number, transB: number, m: number, n: number, k: number,
    a: number, strideA: number, b: number, strideB: number, c: number, pa: number, pb: number,
    edge: number, jBegin: number, jEnd: number,
  ): void;
  packABytes(): number;
  packBBytes(n: number): number;
}

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of this worker's control block. */
  ctl: number;
}

// Control block: the hand-off's words (./handoff.ts), then ARGS.., the 16 arguments of a share.
const ARGS = CONTROL_WORDS;
// A GEMM share takes microseconds to milliseconds: the worker spins 0.2 ms for the next one, the
// caller 0.5 ms for the workers to finish (they usually finish about when it does).
const WORKER_SPIN_MS = 0.2;
const CALLER: HandoffTiming = { spinMs: 0.5, timeoutMs: 60_000 };
const CTL_BYTES = 128;
const CTL_BASE = 4096; // edge tiles below: thread i's at 128 * i
const ARENA_BASE = 8192;

/** The shared-memory kernel build this runtime validates (relaxed SIMD first), or null. */
function threadsBuild(builds: ThreadBuilds): { bytes: Uint8Array<ArrayBuffer>; relaxed: boolean } | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return null;
  const candidates = [[builds.relaxed, true], [builds.simd, false]] as const;
  for (const [build, relaxed] of candidates) {
    if (build === undefined || (relaxed && isReproducible())) continue; // fused multiply-add rounds differently by CPU
    const bytes = typeof build === 'string' ? decodeBase64(build) : new Uint8Array(build);
    if (WebAssembly.validate(bytes)) return { bytes, relaxed };
  }
  return null;
}

/**
 * A worker's whole life: instantiate over the shared memory, then run posted shares forever.
 * @example
 * // in a Web Worker: self.onmessage = (e) => startGemmWorker(e.data);
 */
export function startGemmWorker(init: WorkerInit): void {
  if (init === null || typeof init !== 'object' || !(init.module instanceof WebAssembly.Module) || !(init.memory instanceof WebAssembly.Memory) || !Number.isInteger(init.ctl)) {
    throw new ArgumentError(`startGemmWorker: init must be the message threadedKernels posts ({ module, memory, ctl }), got ${describe(init)}`);
  }
  const ctl = new Int32Array(init.memory.buffer, init.ctl, CTL_BYTES / 4);
  let ex: GemmExports;
  try {
    ex = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as GemmExports;
  } catch (e) {
    announceFailure(ctl);
    throw e;
  }
  const g = (i: number) => ctl[ARGS + i];
  serve(ctl, WORKER_SPIN_MS, () => {
    ex.f32_gemm_range(g(0), g(1), g(2), g(3), g(4), g(5), g(6), g(7), g(8), g(9), g(10), g(11), g(12), g(13), g(14), g(15));
    return true;
  });
}

/**
 * WASM SIMD kernels whose large f32 products run on `threads` threads. In Node the worker
 * script is the package's dist/gemm-worker.js; in a browser, a Web Worker whose first message
 * goes to startGemmWorker (the page must be cross-origin isolated for SharedArrayBuffer).
 * @example
 * // Node: import { Worker } from 'node:worker_threads';
 * // const k = await threadedKernels({ spawn: () => new Worker('node_modules/metagrad/dist/gemm-worker.js') });
 * // setKernels(k); ... k.dispose();
 */
export async function threadedKernels(options: ThreadOptions): Promise<ThreadedKernels> {
  if (options === null || typeof options !== 'object' || typeof options.spawn !== 'function') {
    throw new ArgumentError(`threadedKernels: options must be an object with spawn (a function returning a worker), got ${describe(options)}`);
  }
  const threads = options.threads ?? 2;
  const minMacs = options.minMacs ?? 64 ** 3;
  if (!Number.isInteger(threads) || threads < 1 || threads > 32) throw new BackendError(`threadedKernels: threads must be an integer from 1 to 32, got ${threads}`);
  const builds = options.builds;
  const isBuild = (b: unknown) => typeof b === 'string' || b instanceof Uint8Array;
  if (builds === null || typeof builds !== 'object' || !isBuild(builds.simd) || (builds.relaxed !== undefined && !isBuild(builds.relaxed))) {
    throw new ArgumentError(`threadedKernels: options.builds must be the shared-memory builds (import { threadsWasm } from 'metagrad/threads-wasm'), got ${describe(builds)}`);
  }
  const build = threadsBuild(builds);
  if (!build) throw new BackendError('threadedKernels: this runtime has no shared-memory WebAssembly threads (SharedArrayBuffer; in browsers, cross-origin isolation)');
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 16384, shared: true });
  const module = await WebAssembly.compile(build.bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const ex = instance.exports as unknown as GemmExports;
  // Everything but GEMM runs on the caller's single-thread kernels.
  const base = backendKernels('wasm-simd');
  const workers: WorkerLike[] = [];
  const ctls: Int32Array[] = [];
  for (let i = 1; i < threads; i++) {
    const ctl = CTL_BASE + (i - 1) * CTL_BYTES;
    const w = options.spawn();
    w.postMessage({ module, memory, ctl } satisfies WorkerInit);
    workers.push(w);
    ctls.push(new Int32Array(memory.buffer, ctl, CTL_BYTES / 4));
  }
  // Wait (without blocking the event loop the worker needs to start) until every worker is up.
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const started = await awaitReadyAsync(ctls, startTimeoutMs);
  if (started.state !== 'ready') {
    workers.forEach((w) => w.terminate());
    throw new BackendError(started.state === 'failed'
      ? `threadedKernels: worker ${started.index + 1} could not instantiate the kernels`
      : `threadedKernels: worker ${started.index + 1} did not start within ${startTimeoutMs} ms (does spawn() run a script that calls startGemmWorker?)`);
  }
  const mem = new LinearMemory(memory);
  let live = workers.length;

  function gemm(args: GemmArgs): void {
    const { batch, m, n, k, a, b, c } = args;
    if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || !(c instanceof Float32Array)) {
      jsKernels.gemm(args);
      return;
    }
    const parts = batch * m * n * k < minMacs || live === 0 ? 1 : Math.min(live + 1, Math.ceil(n / 8));
    const share = Math.ceil(Math.ceil(n / 8) / parts) * 8; // columns per thread, a multiple of 8
    const packA = ex.packABytes();
    const packB = ex.packBBytes(share);
    // Operands, then each thread's packing scratch, carved from ARENA_BASE up (grown to fit).
    const region = { top: ARENA_BASE, end: Infinity };
    const aOff = carve(region, a.length * 4);
    const bOff = carve(region, b.length * 4);
    const cOff = carve(region, c.length * 4);
    const packs: [number, number][] = [];
    for (let t = 0; t < parts; t++) {
      const at = carve(region, packA + packB);
      packs.push([at, at + packA]);
    }
    mem.ensureBytes(region.top);
    mem.heap.set(a, aOff >> 2);
    mem.heap.set(b, bOff >> 2);
    const call = [batch, args.transA ? 1 : 0, args.transB ? 1 : 0, m, n, k, aOff, args.strideA, bOff, args.strideB, cOff];
    for (let t = 1; t < parts; t++) {
      const ctl = ctls[t - 1];
      const jBegin = t * share;
      const values = [...call, packs[t][0], packs[t][1], 128 * t, jBegin, Math.min(n, jBegin + share)];
      values.forEach((v, i) => (ctl[ARGS + i] = v));
      post(ctl);
    }
    ex.f32_gemm_range(batch, call[1], call[2], m, n, k, aOff, args.strideA, bOff, args.strideB, cOff, packs[0][0], packs[0][1], 0, 0, Math.min(n, share));
    for (let t = 1; t < parts; t++) {
      awaitDone(ctls[t - 1], CALLER, () => new BackendError(`threadedKernels: worker ${t} has not finished its share of a ${m}x${k}·${k}x${n} product in ${CALLER.timeoutMs / 1000} s (did it exit?)`));
    }
    c.set(mem.heap.subarray(cOff >> 2, (cOff >> 2) + c.length));
    gemmEpilogue(args);
  }

  return {
    ...base,
    kernelNames: { ...base.kernelNames, gemm: `f32_gemm_4x8_wasm${build.relaxed ? 'relaxed' : ''}simd_x${threads}threads` },
    gemm,
    threads,
    dispose() {
      workers.forEach((w) => w.terminate());
      live = 0;
    },
  };
}
