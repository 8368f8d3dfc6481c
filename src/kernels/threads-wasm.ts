// The shared-memory builds of the kernels that threadedKernels instantiates, in a module of
// their own (the package's `metagrad/threads-wasm`, dist/threads-wasm.js): 23 KiB of base64
// that only threads use, so the main bundle does not carry them.
import type { ThreadBuilds } from './threads.ts';
import { THREADS_RELAXED_WASM_BASE64, THREADS_WASM_BASE64 } from './wasm-bytes.generated.ts';

/** The two shared-memory builds, base64: pass as `threadedKernels({ spawn, builds: threadsWasm })`. */
export const threadsWasm: ThreadBuilds = { relaxed: THREADS_RELAXED_WASM_BASE64, simd: THREADS_WASM_BASE64 };
