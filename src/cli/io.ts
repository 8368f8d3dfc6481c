// Files for the command line: atomic writes (temporary file, fsync, rename, so a crash never
// leaves half a file), and checked reads of run folders and checkpoints.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CheckpointError } from '../errors.ts';
import { fromSafetensors, toSafetensors, type SafetensorsFile } from '../nn/safetensors.ts';
import type { Tensor } from '../autograd/tensor.ts';

/** A user-facing error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The names writeAtomic gives its temporary files (and the write probe's): safe to delete. */
export const TMP_FILE = /^\.(\d+-\d+-[a-z0-9]+\.tmp|write-test-\d+)$/;

export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or its folder is gone
    }
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder no longer exists (was it removed while the run was writing?)' : code ?? (e as Error).message;
    throw new UsageError(`cannot write '${path}': ${why}`);
  }
}

/**
 * mkdir -p, one level at a time: Node 20's mkdirSync(..., { recursive: true }) spins forever on
 * some paths it cannot create (under /proc, for one).
 */
function makeDirs(dir: string): void {
  const full = resolve(dir);
  if (existsSync(full)) {
    if (!statSync(full).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return;
  }
  makeDirs(dirname(full));
  mkdirSync(full);
}

/** Creates the output folder, or says in one line why it cannot. */
export function ensureWritableDir(dir: string): void {
  try {
    makeDirs(dir);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeAtomic(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new UsageError(`cannot write to output folder '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function saveCheckpoint(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string>): void {
  writeAtomic(path, toSafetensors(tensors, metadata));
}

export function loadCheckpoint(path: string): SafetensorsFile {
  if (!existsSync(path)) throw new UsageError(`no checkpoint at '${path}' (an interrupted run? train --resume continues one that wrote checkpoints)`);
  return fromSafetensors(new Uint8Array(readFileSync(path)), path);
}

export function readJson<T>(path: string, what: string): T {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no ${what} at '${path}'`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new CheckpointError(`${path}: corrupt ${what}: ${(e as Error).message}`);
  }
}
