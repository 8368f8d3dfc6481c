// What a WASM backend does with its linear memory between kernel calls: lend tidy() an arena,
// and stage each call's operands that are not already there.
//
// Layout: the kernel's edge tile at address 0, then the staging area, then (while a tidy runs)
// the arena [arenaBegin, end of memory). Tensors in the arena are read and written in place.
// The memory never grows while the arena is lent (growing would detach every tensor's view),
// so a call whose operands fit neither below arenaBegin nor above the arena's top runs on the
// JS twin, and the next arena leaves room for it.
import { align16, carve, type BumpRegion } from './bump.ts';
import { LinearMemory, pageAbove } from './linear-memory.ts';
import type { Arena, FloatArray } from './types.ts';

/** The smallest arena worth lending (below it, tidy() uses ordinary memory). */
const MIN_ARENA_BYTES = 1 << 22;

/** Bytes at address 0 that the kernels keep for their own scratch tile. */
export const EDGE_TILE_BYTES = 128;

/**
 * First sizes of the memory lent to tidy(): the arena for tensors (32 MiB) and the staging area
 * below it (64 MiB). Untouched pages cost no RAM; each grows after a tidy that outgrew it. The
 * staging area is generous because a call that fits neither there nor above the arena's top
 * runs on the JS twin, whose float32 sums round differently: with 4 MiB, a conv net's first
 * tidy of a process took that path and later ones did not, so the same training gave other
 * last digits in a fresh process than after other work.
 */
export interface ArenaReserve {
  arenaBytes?: number;
  stagingBytes?: number;
}

export interface WasmArena {
  openArena(): Arena | null;
  closeArena(arena: Arena): void;
  /**
   * Places one kernel call's operands: an input or output already in this memory (a tidy()
   * tensor) is used where it is; the others get room in the staging area (inputs copied in),
   * followed by `scratchBytes`. Returns the byte offsets of the inputs, the outputs and the
   * scratch, or null when the call must run on the JS twin.
   */
  stage(inputs: readonly Float32Array[], outputs: readonly Float32Array[], scratchBytes?: number): number[] | null;
  /** Copies a staged output at byte offset `at` back into `dst` (nothing when it was in place). */
  copyOut(at: number, dst: FloatArray): void;
}

export function wasmArena(mem: LinearMemory, reserve: ArenaReserve = {}): WasmArena {
  let lent: Arena | null = null;
  let arenaBegin = 0;
  let stagingReserve = reserve.stagingBytes ?? 1 << 26;
  let arenaReserve = reserve.arenaBytes ?? 1 << 25;
  let stagingDemand = 0;
  const bytesOf = (a: FloatArray) => (mem.holds(a) ? 0 : align16(a.length * 4));

  function openArena(): Arena | null {
    arenaBegin = pageAbove(EDGE_TILE_BYTES + stagingReserve);
    // A tidy that outgrew the arena asks for more next time; when the runtime cannot grow the
    // memory that far (wasm32 stops at 4 GiB, runtimes often earlier), the largest arena it can
    // have is lent, and remembered, rather than none: what does not fit overflows to ordinary
    // memory as before, and later tidies keep their arena.
    for (;;) {
      try {
        mem.ensureBytes(arenaBegin + arenaReserve);
        break;
      } catch {
        if (arenaReserve <= MIN_ARENA_BYTES) return null; // not even the smallest: tidy uses ordinary memory
        arenaReserve = Math.max(MIN_ARENA_BYTES, Math.floor(arenaReserve / 2));
      }
    }
    lent = { buffer: mem.buffer, top: arenaBegin, end: mem.buffer.byteLength, overflowBytes: 0, overflowPeak: 0 };
    return lent;
  }

  function closeArena(arena: Arena): void {

    if (arena.overflowPeak > 0) arenaReserve = Math.max(2 * arenaReserve, arenaReserve + arena.overflowPeak);
    if (stagingDemand > stagingReserve) stagingReserve = stagingDemand;
    lent = null;
  }

  // Below the arena when the call fits there, else above the arena's top (never advancing it).
  function stagingRegion(need: number): BumpRegion | null {
    if (lent === null) {
      mem.ensureBytes(EDGE_TILE_BYTES + need);
      return { top: EDGE_TILE_BYTES, end: mem.buffer.byteLength };
    }
    if (EDGE_TILE_BYTES + need <= arenaBegin) return { top: EDGE_TILE_BYTES, end: arenaBegin };
    stagingDemand = Math.max(stagingDemand, EDGE_TILE_BYTES + need);
    const region = { top: align16(lent.top), end: mem.buffer.byteLength };
    return region.top + need <= region.end ? region : null;
  }

  function stage(inputs: readonly Float32Array[], outputs: readonly Float32Array[], scratchBytes = 0): number[] | null {
    let need = scratchBytes;
    for (const a of inputs) need += bytesOf(a);
    for (const a of outputs) need += bytesOf(a);
    const region = stagingRegion(need);
    if (region === null) return null;
    const offsets: number[] = [];
    for (const a of inputs) {
      if (mem.holds(a)) {
        offsets.push(a.byteOffset);
      } else {
        const at = carve(region, a.length * 4);
        mem.heap.set(a, at >> 2);
        offsets.push(at);
      }
    }
    for (const a of outputs) offsets.push(mem.holds(a) ? a.byteOffset : carve(region, a.length * 4));
    offsets.push(region.top);
    return offsets;
  }

  function copyOut(at: number, dst: FloatArray): void {
    if (!mem.holds(dst)) dst.set(mem.heap.subarray(at >> 2, (at >> 2) + dst.length));
  }

  return { openArena, closeArena, stage, copyOut };
}
