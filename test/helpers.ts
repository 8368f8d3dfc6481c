// Test helpers: closeness with a stated tolerance, flattening of nested expectations.
import * as assert from 'uvu/assert';
import { Tensor, type NestedArray } from '../src/index.ts';

export function flat(x: Tensor | NestedArray | ArrayLike<number>): number[] {
  if (x instanceof Tensor) return Array.from(x.data);
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return (x as NestedArray[]).flatMap((v) => flat(v));
  return Array.from(x as ArrayLike<number>);
}

/** Asserts every element is within atol + rtol*|expected|; names the first bad index. */
export function assertClose(actual: Tensor | NestedArray | ArrayLike<number>, expected: Tensor | NestedArray | ArrayLike<number>,
  atol = 1e-6, rtol = 1e-6, msg = ''): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.is(a.length, e.length, `${msg} length ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i])) || a[i] === e[i];
    if (!ok) assert.unreachable(`${msg} element ${i}: got ${a[i]}, expected ${e[i]} (atol ${atol}, rtol ${rtol})`);
  }
}

export function assertShape(t: Tensor, shape: number[]): void {
  assert.equal([...t.shape], shape, `shape ${JSON.stringify(t.shape)} vs ${JSON.stringify(shape)}`);
}

/** Asserts fn throws an instance of cls whose message contains every fragment. */
export function assertThrowsTyped(fn: () => unknown, cls: new (...a: never[]) => Error, ...fragments: string[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, cls, `expected ${cls.name}, got ${(e as Error).name}: ${(e as Error).message}`);
    for (const f of fragments) assert.ok((e as Error).message.includes(f), `message "${(e as Error).message}" lacks "${f}"`);
    return;
  }
  assert.unreachable(`expected ${cls.name} with ${fragments.join(', ')}`);
}
