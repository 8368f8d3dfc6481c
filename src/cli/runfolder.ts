// A run folder is written by one process at a time and is either consistent or refused:
// - a lock file (.lock, naming the holder's pid and host) keeps a second writer out; a lock
//   whose process is gone is stale and is taken over;
// - temporary files a killed writer left behind are removed when the lock is taken;
// - checkpoint.safetensors holds everything a resumed run needs (model, learned rates,
//   optimizer moments, the task stream's RNG state, the losses so far), so --resume gives the
//   same bytes as a run that was never interrupted.
import { closeSync, existsSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../errors.ts';
import { Tensor } from '../autograd/tensor.ts';
import { Rng } from '../rng.ts';
import type { Learner } from '../meta/learner.ts';
import type { TaskSampler } from '../meta/samplers/sampler.ts';
import type { Adam } from '../nn/optim.ts';
import type { RunConfig } from './config.ts';
import { TMP_FILE, UsageError, loadCheckpoint, saveCheckpoint } from './io.ts';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const CHECKPOINT_FORMAT = 'metagrad-checkpoint/1';

interface LockInfo {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Takes the folder's lock or throws a UsageError naming the holder. Returns the release
 * function; the lock is also released when the process exits.
 */
export function lockRunFolder(dir: string): () => void {
  const path = join(dir, '.lock');
  const me: LockInfo = { pid: process.pid, host: hostname() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot lock '${dir}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      let holder: LockInfo | null = null;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      } catch {
        holder = null; // half-written or garbage: the writer died while taking it
      }
      if (holder && Number.isInteger(holder.pid) && (holder.host !== me.host || alive(holder.pid))) {
        throw new UsageError(`'${dir}' is being written by another metagrad (pid ${holder.pid} on ${holder.host}); wait for it, or choose another --out`);
      }
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // another process took it over first; the next attempt sees its lock
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    removeTemporaryFiles(dir);
    // No signal handlers: training is one synchronous loop, so a handler would run only after
    // it ends, and Ctrl-C would stop nothing. A run killed by a signal leaves its lock, which
    // the next writer finds stale (its pid is gone) and takes over.
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        unlinkSync(path);
      } catch {
        // the folder is gone: nothing to release
      }
    };
    process.on('exit', release);
    return release;
  }
  throw new UsageError(`cannot lock '${dir}': another process keeps taking it`);
}

/** Temporary files of atomic writes that a killed process never renamed. */
function removeTemporaryFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (TMP_FILE.test(name)) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // already gone
      }
    }
  }
}

/** Everything a run needs to continue exactly where it stood after `step` meta-steps. */
export interface TrainState {
  step: number;
  losses: number[];
  rng: Rng;
}

/** A sampler's state under the keys it has in a checkpoint ('sampler.NAME'). */
export function samplerTensors(sampler: TaskSampler): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(sampler.state?.() ?? {}).map(([k, t]) => [`sampler.${k}`, t]));
}

/** Restores a sampler from the 'sampler.' tensors of a checkpoint. */
export function restoreSampler(sampler: TaskSampler, tensors: Record<string, Tensor>, path: string): void {
  if (!sampler.loadState) return;
  const own = Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith('sampler.')).map(([k, t]) => [k.slice('sampler.'.length), t]));
  try {
    sampler.loadState(own);
  } catch (e) {
    throw new CheckpointError(`${path}: the ${sampler.name} sampler's state does not fit: ${(e as Error).message}`);
  }
}

export function saveTrainCheckpoint(dir: string, c: RunConfig, learner: Learner, optimizer: Adam, s: TrainState, sampler: TaskSampler): void {
  const tensors: Record<string, Tensor> = { ...learner.model.stateDict(), ...(learner.extraState?.() ?? {}), ...samplerTensors(sampler) };
  for (const [k, t] of Object.entries(optimizer.stateDict())) tensors[`optimizer.${k}`] = t;
  tensors['train.rng'] = new Tensor(Float64Array.from(s.rng.state()), [5]);
  tensors['train.losses'] = new Tensor(Float64Array.from(s.losses), [s.losses.length]);
  saveCheckpoint(join(dir, CHECKPOINT_FILE), tensors, { format: CHECKPOINT_FORMAT, config: JSON.stringify(c), step: String(s.step) });
}

/** Restores learner, optimizer and the training stream from the folder's checkpoint. */
export function loadTrainCheckpoint(dir: string, c: RunConfig, learner: Learner, optimizer: Adam, sampler: TaskSampler): TrainState {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) throw new UsageError(`--resume: '${dir}' has no ${CHECKPOINT_FILE} (train with --checkpoint-every N to write one)`);
  const { tensors, metadata } = loadCheckpoint(path);
  if (metadata.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path}: unknown format '${String(metadata.format)}'`);
  if (metadata.config !== JSON.stringify(c)) throw new CheckpointError(`${path} was written for another configuration than ${join(dir, 'config.json')}; the folder is inconsistent`);
  const step = Number(metadata.step);
  const losses = tensors['train.losses'];
  const rng = tensors['train.rng'];
  if (!Number.isInteger(step) || step < 0 || step > c.metaSteps || !losses || losses.size !== step || !rng || rng.size !== 5) {
    throw new CheckpointError(`${path}: step ${metadata.step} does not match its ${losses?.size ?? 'missing'} losses or the RNG state`);
  }
  const pick = (prefix: string) => Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  const model: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (!k.startsWith('optimizer.') && !k.startsWith('train.') && !k.startsWith('innerLr.') && !k.startsWith('sampler.')) model[k] = t;
  try {
    learner.model.loadStateDict(model);
    for (const [k, t] of Object.entries(learner.extraState?.() ?? {})) {
      const src = tensors[k];
      if (!src || src.size !== t.size) throw new CheckpointError(`lacks learned inner rate '${k}'`);
      t.data.set(src.data);
    }
    optimizer.loadStateDict(pick('optimizer.'));
  } catch (e) {
    throw new CheckpointError(`${path} does not fit the run's model and optimizer: ${(e as Error).message}`);
  }
  restoreSampler(sampler, tensors, path);
  return { step, losses: Array.from(losses.data), rng: Rng.fromState(Array.from(rng.data)) };
}
