// A WebAssembly memory and a Float32Array view of it that follows its growth: growing detaches
// every view of the old buffer, so the view is renewed here, in the one place that grows.
// Used by the single-thread kernels (wasm.ts) and the shared memory of the threads (threads.ts).

const PAGE = 65536;

export class LinearMemory {
  /** The memory's buffer, cached: reading `memory.buffer` is a runtime call. */
  buffer: ArrayBuffer;
  heap: Float32Array;

  constructor(readonly memory: WebAssembly.Memory) {
    this.buffer = memory.buffer;
    this.heap = new Float32Array(this.buffer);
  }

  /** Grows the memory (whole pages) until it holds `bytes`; throws when the runtime cannot. */
  ensureBytes(bytes: number): void {
    if (this.buffer.byteLength >= bytes) return;
    this.memory.grow(Math.ceil((bytes - this.buffer.byteLength) / PAGE));
    this.buffer = this.memory.buffer;
    this.heap = new Float32Array(this.buffer);
  }

  /** Whether `a` is a view of this memory (a tensor of a lent arena), usable in place. */
  holds(a: { buffer: ArrayBufferLike }): boolean {
    return a.buffer === this.buffer;
  }
}

/** The first byte offset at or above `bytes` that starts a page. */
export const pageAbove = (bytes: number): number => Math.ceil(bytes / PAGE) * PAGE;
