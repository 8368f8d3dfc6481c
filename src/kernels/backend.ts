// Which Kernels run: 'wasm-simd' when the runtime validates SIMD, else the scalar 'wasm' build,
// else 'js'. Chosen lazily at the first kernel call; setBackend forces one, and initWasm takes a
// precompiled WebAssembly.Module for runtimes that forbid compiling bytes (Cloudflare Workers).
import { BackendError } from '../errors.ts';
import { jsKernels } from './js/index.ts';
import { KERNEL_NAMES, type BackendName, type Kernels } from './types.ts';
import { decodeBase64 } from './base64.ts';
import { wasmKernels } from './wasm.ts';
import { RELAXED_WASM_BASE64, SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm-bytes.generated.ts';

let active: Kernels | null = null;
const loaded: Partial<Record<BackendName, Kernels>> = { js: jsKernels };
let reproducible = false;

/**
 * Reproducible mode: the same seed gives the same bytes on every machine. Relaxed SIMD's fused
 * multiply-add rounds once on some CPUs and twice on others, so in this mode 'wasm-simd' runs
 * the plain SIMD build (multiply, then add), which sums every product in the same order as the
 * scalar 'wasm' build: the two agree bit for bit, and neither depends on the CPU. About 10%
 * slower GEMMs. Call it before creating threadedKernels, which pick their build when created.
 * @example
 * setReproducible(true);
 * isReproducible(); // true
 * backendKernels('wasm-simd').kernelNames.gemm; // 'f32_gemm_4x8_wasmsimd'
 * setReproducible(false);
 */
export function setReproducible(on: boolean): void {
  if (typeof on !== 'boolean') throw new BackendError(`setReproducible: expected true or false, got ${typeof on}`);
  if (on === reproducible) return;
  if (active && active !== loaded[active.name] && active.kernelNames.gemm.includes('relaxed')) {
    throw new BackendError(`setReproducible: the active kernels (${active.kernelNames.gemm}) use relaxed SIMD; call setReproducible before creating them`);
  }
  const wasActive = active !== null && active === loaded['wasm-simd'];
  reproducible = on;
  delete loaded['wasm-simd']; // the other build loads at the next use
  if (wasActive) active = loadSync('wasm-simd');
}

/** True in reproducible mode (setReproducible). */
export function isReproducible(): boolean {
  return reproducible;
}

export type WasmBuild = 'relaxed' | 'simd' | 'scalar';

/** The embedded module bytes of one WASM build. */
export function buildBytes(build: WasmBuild): Uint8Array<ArrayBuffer> {
  return decodeBase64(build === 'relaxed' ? RELAXED_WASM_BASE64 : build === 'simd' ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64);
}

/**
 * The module bytes a backend runs: for 'wasm-simd', the relaxed-SIMD build (fused multiply-add)
 * where the runtime validates it (browsers; Node 20 only after
 * v8.setFlagsFromString('--experimental-wasm-relaxed-simd'), which the metagrad command and the
 * benchmarks do), else the plain SIMD build; for 'wasm', the scalar build.
 */
export function wasmBytes(backend: 'wasm-simd' | 'wasm'): Uint8Array<ArrayBuffer> {
  if (backend === 'wasm') return buildBytes('scalar');
  if (reproducible) return buildBytes('simd');
  const relaxed = buildBytes('relaxed');
  return WebAssembly.validate(relaxed) ? relaxed : buildBytes('simd');
}

function loadSync(name: BackendName): Kernels {
  const have = loaded[name];
  if (have) return have;
  if (typeof WebAssembly === 'undefined') throw new BackendError(`setBackend('${name}'): this runtime has no WebAssembly`);
  const bytes = wasmBytes(name as 'wasm-simd' | 'wasm');
  if (!WebAssembly.validate(bytes)) {
    throw new BackendError(`setBackend('${name}'): this runtime does not validate the ${name} module${name === 'wasm-simd' ? ' (no WebAssembly SIMD)' : ''}`);
  }
  let k: Kernels;
  try {
    k = wasmKernels(new WebAssembly.Instance(new WebAssembly.Module(bytes), {}));
  } catch (e) {
    throw new BackendError(`setBackend('${name}'): compiling the embedded module failed (${(e as Error).message}); a runtime that forbids compiling bytes needs initWasm(precompiledModule)`);
  }
  loaded[name] = k;
  return k;
}

/** The active kernels, choosing the best available backend on first use. */
export function kernels(): Kernels {
  if (active) return active;
  for (const name of ['wasm-simd', 'wasm'] as const) {
    try {
      active = loadSync(name);
      return active;
    } catch {
      // fall through to the next build
    }
  }
  active = jsKernels;
  return active;
}

/**
 * The name of the backend that runs kernels: 'wasm-simd', 'wasm' or 'js'.
 * @example
 * getBackend(); // 'wasm-simd' in Node 20 and current browsers
 */
export function getBackend(): BackendName {
  return kernels().name;
}

/**
 * Forces a backend. Throws BackendError naming the backend when the runtime cannot run it.
 * @example
 * setBackend('js'); // reference kernels, float32 and float64
 */
export function setBackend(name: BackendName): void {
  if (name !== 'js' && name !== 'wasm' && name !== 'wasm-simd') {
    throw new BackendError(`setBackend: unknown backend '${String(name)}'; expected 'wasm-simd', 'wasm' or 'js'`);
  }
  active = loadSync(name);
}

/**
 * Makes a Kernels object the active one: threadedKernels' result, or your own backend (the
 * registry test's list, KERNEL_NAMES, is what it must provide). Returns the previous kernels.
 * @example const previous = setKernels(backendKernels('js')); setKernels(previous);
 */
export function setKernels(k: Kernels): Kernels {
  if (k === null || typeof k !== 'object' || !k.kernelNames) throw new BackendError(`setKernels: expected a Kernels object, got ${k === null ? 'null' : typeof k}`);
  const missing = KERNEL_NAMES.filter((name) => typeof k[name] !== 'function');
  if (missing.length) throw new BackendError(`setKernels: the kernels '${String(k.name)}' lack ${missing.join(', ')}`);
  const prev = kernels();
  active = k;
  return prev;
}

/**
 * The kernels of one backend without making it active (for tests and benchmarks).
 * @example backendKernels('wasm-simd').kernelNames.gemm // 'f32_gemm_4x8_wasmsimd'
 */
export function backendKernels(name: BackendName): Kernels {
  if (name !== 'js' && name !== 'wasm' && name !== 'wasm-simd') {
    throw new BackendError(`backendKernels: unknown backend '${String(name)}'; expected 'wasm-simd', 'wasm' or 'js'`);
  }
  return loadSync(name);
}

/**
 * Instantiates a metagrad kernel module and makes it the active backend. Pass a precompiled
 * `WebAssembly.Module` where compiling bytes at run time is forbidden (Cloudflare Workers:
 * `import mod from 'metagrad/metagrad-simd.wasm'`), or bytes; with no argument the embedded
 * SIMD build is used when valid, else the scalar one. Resolves to the backend name.
 * @example
 * await initWasm(); // 'wasm-simd'
 */
export async function initWasm(source?: WebAssembly.Module | BufferSource): Promise<BackendName> {
  let module: WebAssembly.Module;
  if (source instanceof WebAssembly.Module) {
    module = source;
  } else {
    let bytes: BufferSource;
    if (source !== undefined) {
      if (!(source instanceof ArrayBuffer) && !ArrayBuffer.isView(source)) {
        throw new BackendError(`initWasm: expected a WebAssembly.Module, the module's bytes or nothing, got ${source === null ? 'null' : typeof source}`);
      }
      bytes = source;
    } else {
      const simd = wasmBytes('wasm-simd');
      bytes = WebAssembly.validate(simd) ? simd : wasmBytes('wasm');
    }
    try {
      module = await WebAssembly.compile(bytes);
    } catch (e) {
      throw new BackendError(`initWasm: the bytes do not compile as WebAssembly (${(e as Error).message})`);
    }
  }
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {});
  } catch (e) {
    throw new BackendError(`initWasm: the module does not instantiate without imports; is it a metagrad kernel module? (${(e as Error).message})`);
  }
  const k = wasmKernels(instance);
  loaded[k.name] = k;
  active = k;
  return k.name;
}
