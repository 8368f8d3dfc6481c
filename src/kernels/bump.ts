// The one bump allocator behind four regions: the tensor slabs (autograd/tensor.ts), tidy()'s
// arena (the same file's allocate()), a WASM module's staging area (wasm-arena.ts) and the
// threaded GEMM's operands (threads.ts). A region hands out 16-byte aligned byte offsets from
// `top` upward until `end`; its owner decides what "full" means (a new slab, ordinary memory,
// the JS twin, growing the memory).

/** Rounds a byte count up to a multiple of 16 (SIMD loads, and 8 suffices for Float64Array). */
export const align16 = (bytes: number): number => (bytes + 15) & ~15;

/** Bytes [top, end) still free in some buffer. */
export interface BumpRegion {
  top: number;
  readonly end: number;
}

/** The byte offset of `bytes` carved at the region's top, or -1 when they do not fit. */
export function carve(region: BumpRegion, bytes: number): number {
  const at = region.top;
  if (at + bytes > region.end) return -1;
  region.top = at + align16(bytes);
  return at;
}
