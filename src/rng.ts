// Seeded random numbers: the same seed gives the same stream on every platform and backend.
// xoshiro128** (32-bit state words, pure integer arithmetic via Math.imul, so no platform
// float differences), seeded through splitmix32.

import { ArgumentError, describe } from './errors.ts';

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded pseudo-random generator.
 * @example
 * const rng = new Rng(42);
 * rng.uniform();      // in [0, 1)
 * rng.normal();       // standard normal
 * rng.int(10);        // integer in [0, 10)
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    if (!Number.isInteger(seed)) throw new ArgumentError(`Rng: seed must be an integer, got ${describe(seed)}`);
    const sm = splitmix32(seed);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(low = 0, high = 1): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    const u = (hi * 67108864 + lo) / 9007199254740992;
    return low + (high - low) * u;
  }

  /** Standard normal (Box-Muller, the second value cached), scaled to N(mean, std^2). */
  normal(mean = 0, std = 1): number {
    let z: number;
    if (this.spareNormal !== null) {
      z = this.spareNormal;
      this.spareNormal = null;
    } else {
      let u = 0;
      while (u === 0) u = this.uniform();
      const v = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      z = r * Math.cos(2 * Math.PI * v);
      this.spareNormal = r * Math.sin(2 * Math.PI * v);
    }
    return mean + std * z;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new ArgumentError(`Rng.int: n must be a positive integer, got ${describe(n)}`);
    return Math.floor(this.uniform() * n);
  }

  /**
   * Shuffles xs in place (Fisher–Yates, from the last element down) and returns it.
   * @example new Rng(0).shuffle([1, 2, 3]).length // 3
   */
  shuffle<T>(xs: T[]): T[] {
    if (!Array.isArray(xs)) throw new ArgumentError(`Rng.shuffle: xs must be an array, got ${describe(xs)}`);
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }

  /**
   * The generator's whole state (four 32-bit words and the cached normal, or NaN), for a
   * checkpoint: `Rng.fromState(rng.state())` continues exactly where rng stands.
   * @example const copy = Rng.fromState(new Rng(3).state()); copy.uniform() // the same as new Rng(3).uniform()
   */
  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spareNormal ?? NaN];
  }

  /** A generator in the state that state() returned. */
  static fromState(state: readonly number[]): Rng {
    if (!Array.isArray(state) || state.length !== 5 || state.slice(0, 4).some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff) ||
      (state[0] | state[1] | state[2] | state[3]) === 0 || typeof state[4] !== 'number') {
      throw new ArgumentError(`Rng.fromState: expected four 32-bit words, not all zero, and the cached normal (or NaN), got ${describe(state)}`);
    }
    const rng = new Rng(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state;
    rng.spareNormal = Number.isNaN(state[4]) ? null : state[4];
    return rng;
  }

  /** A new generator whose stream is independent of this one's continuation. */
  fork(): Rng {
    return new Rng(this.nextUint32() | 0);
  }
}

/** rng itself when it is an Rng; otherwise an ArgumentError naming the op and the option. */
export function expectRng(op: string, rng: unknown, what = 'rng'): Rng {
  if (!(rng instanceof Rng)) throw new ArgumentError(`${op}: ${what} must be an Rng (e.g. new Rng(0)), got ${describe(rng)}`);
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
