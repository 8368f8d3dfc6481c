// tidy(): results computed inside equal those computed outside bit for bit (in place in WASM
// memory, on recycled memory, on every staging path), released tensors throw, survivors survive.
import { setFlagsFromString } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Adam, DisposedError, MAML, MLP, MetagradError, Rng, Sinusoid, Tensor, add, addScaled, conv2d, full, grad, isTidy, keep,
  matmul, mean, mseLoss, mul, noGrad, randn, reshape, sum, tanh, tensor, tidy, transpose, type TaskData,
} from '../src/index.ts';
import { buildBytes, setKernels } from '../src/kernels/backend.ts';
import { jsKernels } from '../src/kernels/js/index.ts';
import type { Kernels } from '../src/kernels/types.ts';
import { wasmKernels, type ArenaReserve } from '../src/kernels/wasm.ts';
import { assertThrowsTyped } from './helpers.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const build = WebAssembly.validate(buildBytes('relaxed')) ? 'relaxed' : 'simd';
const wasm = (reserve: ArenaReserve = {}): Kernels =>
  wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {}), 0, 0, reserve);

/** Runs fn with kernels k active, restoring the previous ones after. */
function using<T>(k: Kernels, fn: () => T): T {
  const prev = setKernels(k);
  try {
    return fn();
  } finally {
    setKernels(prev);
  }
}

// One computation through every kernel: batched and transposed GEMM, broadcasts, unary,
// binary, axpy, sums, conv2d forward (fused) and backward (im2col, col2im).
const rng = new Rng(7);
const x = randn([5, 9, 13], { rng });
const w = randn([13, 11], { rng, requiresGrad: true });
const bias = randn([11], { rng });
const img = randn([2, 3, 7, 6], { rng });
const filt = randn([4, 3, 3, 3], { rng, requiresGrad: true });

function everyKernel(): Tensor[] {
  const h = tanh(add(matmul(x, w), bias));
  const s = addScaled(h, mul(h, h), -0.5);
  const y = conv2d(img, filt, null, { padding: 1, stride: [1, 2] });
  const loss = add(mean(sum(s, 1)), mean(mul(y, y)));
  const [gw, gf] = grad(loss, [w, filt]);
  const fused = noGrad(() => conv2d(img, filt, null, { padding: 1 }));
  return [h, s, y, loss, gw, gf, fused, matmul(transpose(h, [0, 2, 1]), h)];
}

// Leaves garbage in the recycled memory, so an op that relied on zeroed output would show it.
const dirty = () => tidy(() => void full([1 << 20], 7.5));

const sameBits = (a: Tensor, b: Tensor, what: string) => {
  assert.equal([...a.shape], [...b.shape], `${what} shape`);
  for (let i = 0; i < a.size; i++) {
    if (!Object.is(a.data[i], b.data[i])) assert.unreachable(`${what}: element ${i} is ${a.data[i]} in the tidy, ${b.data[i]} outside`);
  }
};

for (const [name, make] of [['wasm (in place)', () => wasm()], ['js', () => jsKernels]] as const) {
  test(`${name}: every kernel gives the same bits inside a tidy (twice, on recycled memory) as outside`, () => {
    using(make(), () => {
      const outside = everyKernel();
      for (let round = 0; round < 2; round++) {
        dirty();
        const inside = tidy(everyKernel);
        inside.forEach((t, i) => sameBits(t, outside[i], `result ${i}, round ${round}`));
      }
    });
  });
}

test('a call whose operands do not fit the staging area, nor above the arena, still computes the product', () => {
  // 4 KiB of staging and a 64 KiB arena: a 64x64 product of outside operands fits neither, so it
  // runs on the JS twin; afterwards the staging area has grown and the same call runs in WASM.
  const a = randn([64, 64], { rng });
  const b = randn([64, 64], { rng });
  const reference = using(jsKernels, () => matmul(a, b));
  using(wasm({ stagingBytes: 4096, arenaBytes: 65536 }), () => {
    for (let round = 0; round < 2; round++) {
      const c = tidy(() => {
        const big = full([20000], 1); // fills most of the arena
        return add(matmul(a, b), mul(big, 0).sum());
      });
      for (let i = 0; i < c.size; i++) assert.ok(Math.abs(c.data[i] - reference.data[i]) < 1e-4, `round ${round} element ${i}`);
    }
  });
});

test('tensors too large for the arena go to ordinary memory, and the next arena is larger', () => {
  using(wasm({ arenaBytes: 1 << 16 }), () => {
    for (let round = 0; round < 2; round++) {
      const n = 100_000; // 400 KB > the 64 KiB arena
      const total = tidy(() => sum(add(full([n], 1), full([n], 2))).item());
      assert.is(total, 3 * n, `round ${round}`);
    }
  });
});

test('the next arena adds the most overflow held at once, not the total: nested tidies reuse theirs', () => {
  // 20 nested tidies, each holding 400 KB beyond a 64 KiB arena and releasing it: 400 KB is what
  // the next arena needs (MAML-TRPO's ten Fisher-vector products overflowed 9 GB, needing 1.3)
  const k = wasm({ arenaBytes: 1 << 16 });
  using(k, () => tidy(() => {
    for (let i = 0; i < 20; i++) assert.is(tidy(() => sum(full([100_000], 1)).item()), 100_000);
  }));
  const next = k.openArena!()!;
  const size = next.end - next.top;
  k.closeArena!(next);
  assert.ok(size >= (1 << 16) + 400_000 && size < (1 << 16) + 400_000 + (1 << 16), `next arena ${size} bytes`);
});

test('a reserve the memory cannot grow to: the largest arena it can grow to is lent instead, for every later tidy too', () => {
  // (the arena used to be refused outright, and after one tidy that outgrew what the memory can
  // hold, every later tidy of the process ran on ordinary memory)
  const instance = new WebAssembly.Instance(new WebAssembly.Module(buildBytes(build)), {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  using(wasmKernels(instance, 0, 0, { arenaBytes: 2 ** 32 }), () => {
    for (let round = 0; round < 2; round++) {
      let inArena = false;
      const out = tidy(() => {
        const t = add(mul(tensor([1, 2, 3]), 2), 1);
        inArena = t.data.buffer === memory.buffer;
        return t;
      });
      assert.ok(inArena, `round ${round}: computed in place in the arena`);
      assert.equal(Array.from(out.data), [3, 5, 7], `round ${round}`);
    }
  });
});

test('tidy and keep name what they were given when it is not a function or a tensor; keep outside a tidy is a no-op', () => {
  assertThrowsTyped(() => tidy(42 as never), MetagradError, 'tidy: expected a function, got number');
  assertThrowsTyped(() => tidy(() => keep([1, 2] as never)), MetagradError, 'keep: expected a Tensor, got object');
  const t = tensor([1]);
  assert.is(keep(t), t);
  assert.not.ok(isTidy());
});

test('released tensors throw a DisposedError naming their shape; returned ones survive, in Maps, arrays and objects', () => {
  let inner!: Tensor;
  const out = tidy(() => {
    inner = mul(tensor([1, 2, 3]), 2);
    const a = add(inner, 1);
    return { list: [a], map: new Map([['b', mul(a, a)]]), n: 3 };
  });
  assert.ok(inner.isDisposed);
  assertThrowsTyped(() => inner.data, DisposedError, '[3]', 'tidy()');
  assertThrowsTyped(() => add(inner, 1), DisposedError, '[3]');
  assert.equal(Array.from(out.list[0].data), [3, 5, 7]);
  assert.equal(Array.from(out.map.get('b')!.data), [9, 25, 49]);
  assert.is(out.n, 3);
  // the survivors do not share the arena: the next tidy cannot overwrite them
  tidy(() => void full([1000], -1));
  assert.equal(Array.from(out.list[0].data), [3, 5, 7]);
});

test('keep(), backward()\'s .grad and new leaves that require grad survive a tidy; reshapes stay views', () => {
  const p = tensor([1, 2], { requiresGrad: true });
  let kept!: Tensor;
  let made!: Tensor;
  let view!: Tensor;
  const base = tidy(() => {
    kept = keep(mul(p, 3));
    made = full([2], 0.5, { requiresGrad: true });
    sum(mul(p, p)).backward();
    const b = add(p, 10);
    view = reshape(b, [2, 1]);
    return b;
  });
  assert.equal(Array.from(kept.data), [3, 6]);
  assert.equal(Array.from(p.grad!.data), [2, 4]);
  assert.equal(Array.from(made.data), [0.5, 0.5]);
  assert.ok(view.isDisposed, 'an unreturned view is released with its tidy');
  assert.equal(Array.from(base.data), [11, 12]);
});

test('tidies nest: views of the outer one\'s memory live until it ends; errors close the arena', () => {
  let fromInner!: Tensor;
  let viewOfOuter!: Tensor;
  const result = tidy(() => {
    const a = mul(tensor([1, 2]), 2);
    fromInner = tidy(() => {
      viewOfOuter = reshape(a, [2, 1]);
      return add(a, 1);
    });
    assert.ok(!viewOfOuter.isDisposed, 'a view of the outer tidy\'s memory lives until the outer one ends');
    assert.equal(Array.from(fromInner.data), [3, 5]);
    return mul(fromInner, 10);
  });
  assert.ok(viewOfOuter.isDisposed);
  // a survivor moves to ordinary memory: the GC, not the outer tidy, reclaims it
  assert.equal(Array.from(fromInner.data), [3, 5]);
  assert.equal(Array.from(result.data), [30, 50]);
  assert.throws(() => tidy(() => {
    mul(tensor([1]), 2);
    throw new RangeError('inside');
  }), /inside/);
  assert.not.ok(isTidy());
  assert.equal(Array.from(tidy(() => mul(tensor([4]), 2)).data), [8]);
});

test('MAML meta-gradients from the tidy equal the same computation outside it, bit for bit, step after step', () => {
  const family = new Sinusoid();
  const r = new Rng(3);
  const tasks: TaskData[] = family.sample(r, 6).map((t) => ({ support: t.sample(r, 10), query: t.sample(r, 10) }));
  for (const batchTasks of [true, false]) {
    const a = new MAML(new MLP([1, 16, 16, 1], { rng: new Rng(0) }), { innerLr: 0.01, batchTasks });
    const b = new MAML(new MLP([1, 16, 16, 1], { rng: new Rng(0) }), { innerLr: 0.01, batchTasks });
    const optA = new Adam(a.metaParameters(), { lr: 1e-2 });
    const optB = new Adam(b.metaParameters(), { lr: 1e-2 });
    for (let step = 0; step < 3; step++) {
      const inTidy = a.metaGradient(tasks);
      const { loss } = batchTasks ? b.metaLossBatched(tasks) : b.metaLossLooped(tasks);
      const outside = grad(loss, b.metaParameters());
      assert.is(inTidy.loss, loss.item());
      inTidy.grads.forEach((g, i) => sameBits(g, outside[i], `batched ${batchTasks}, step ${step}, gradient ${i}`));
      optA.step(inTidy.grads);
      optB.step(outside);
    }
  }
  assert.ok(Number.isFinite(mseLoss(tensor([1]), tensor([2])).item()));
});

test.run();
