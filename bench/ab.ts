// Two revisions side by side on the MAML sinusoid meta-step, in one process:
//   node --import tsx bench/ab.ts REV [--first-order] [--rounds N] [--whole]
// builds REV's assembly/ (relaxed-SIMD build) into a temporary folder, instantiates it and the
// working tree's build/metagrad-relaxed.wasm, and alternates rounds of 300 meta-steps between
// them. With --whole, REV's whole library (its src/ and its kernels) runs against the working
// tree's, for changes on the JS side. On these shared 2-core machines two separate bench runs
// drift by several percent; rounds interleaved in one process see the same neighbours, so a 2-3%
// change is visible. The commits of the second performance session quote ratios measured this way.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { Adam, MAML, MLP, Rng, Sinusoid } from '../src/index.ts';
import { setKernels } from '../src/kernels/backend.ts';
import { wasmKernels } from '../src/kernels/wasm.ts';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'first-order': { type: 'boolean' }, whole: { type: 'boolean' }, rounds: { type: 'string', default: '16' } } });
const rev = positionals[0];
const rounds = Number(values.rounds);
if (!rev || !Number.isInteger(rounds) || rounds < 3) {
  console.error('usage: node --import tsx bench/ab.ts REV [--first-order] [--rounds N >= 3] [--whole]');
  process.exit(2);
}

interface Side { enter(): void; step(): void }

/** One side of the comparison: a learner and its optimizer, on the given library's kernels. */
function side(lib: typeof import('../src/index.ts'), before: () => void): Side {
  const family = new lib.Sinusoid();
  const rng = new lib.Rng(1);
  const tasks = family.sample(rng, 25).map((t) => ({ support: t.sample(rng, 10), query: t.sample(rng, 10) }));
  const learner = new lib.MAML(new lib.MLP([1, 40, 40, 1], { rng: new lib.Rng(0) }), { innerLr: 0.01, firstOrder: values['first-order'] });
  const opt = new lib.Adam(learner.metaParameters(), { lr: 1e-3 });
  return { enter: before, step: () => opt.step(learner.metaGradient(tasks).grads) };
}

function compare(sides: Side[]): void {
  const times: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const i of [0, 1]) {
      sides[i].enter();
      const t0 = performance.now();
      for (let s = 0; s < 300; s++) sides[i].step();
      if (round >= 2) times[i].push((performance.now() - t0) / 300); // the first two rounds warm up
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const [a, b] = times.map(median);
  console.log(`${rev}: ${(1000 / a).toFixed(0)} meta-steps/s; working tree: ${(1000 / b).toFixed(0)}; ratio ${(a / b).toFixed(3)}`);
}

const dir = mkdtempSync(join(tmpdir(), 'metagrad-ab-'));
try {
  if (values.whole) {
    // REV's library as it was: its sources, its kernels embedded by its own build script, and
    // this checkout's node_modules for the compiler.
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(rev)} src assembly scripts asconfig.json asconfig.threads.json package.json | tar -x -C ${JSON.stringify(dir)}`], { stdio: 'inherit' });
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
    execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { cwd: dir, stdio: 'inherit' });
    const old = await import(join(dir, 'src', 'index.ts'));
    const now = await import('../src/index.ts');
    compare([side(old, () => undefined), side(now, () => undefined)]);
  } else {
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(rev)} assembly | tar -x -C ${JSON.stringify(dir)}`], { stdio: 'inherit' });
    execFileSync(process.execPath, ['node_modules/assemblyscript/bin/asc.js', ...['gemm', 'elementwise', 'conv'].map((f) => join(dir, 'assembly', `${f}.ts`)),
      '--runtime', 'stub', '-O3', '--noAssert', '--converge', '--enable', 'simd', '--enable', 'relaxed-simd', '-o', join(dir, 'a.wasm')], { stdio: 'inherit' });
    const builds = [join(dir, 'a.wasm'), 'build/metagrad-relaxed.wasm'];
    const kernels = builds.map((f) => wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(readFileSync(f)), {})));
    const sides = kernels.map((k) => side({ MAML, MLP, Rng, Sinusoid, Adam } as unknown as typeof import('../src/index.ts'), () => setKernels(k)));
    compare(sides);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
