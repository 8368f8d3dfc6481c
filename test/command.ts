// The metagrad command as the tests run it: the built bin, dist/cli.js (what `npm install`
// gives users), which starts in a quarter of the time tsx takes over src/cli/main.ts: the CLI
// tests spawn it some sixty times. npm test builds it first (pretest); a dist/cli.js older than
// any source file is refused rather than tested.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = 'dist/cli.js';

function newestSource(dir: string): { path: string; mtime: number } {
  let newest = { path: dir, mtime: 0 };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const n = e.isDirectory() ? newestSource(path) : { path, mtime: statSync(path).mtimeMs };
    if (n.mtime > newest.mtime) newest = n;
  }
  return newest;
}

let checked = false;
/** node's arguments to run `metagrad ARGS` from the built bin. */
export function cliArgs(args: readonly string[]): string[] {
  if (!checked) {
    const built = statSync(CLI, { throwIfNoEntry: false });
    const src = newestSource('src');
    if (!built || built.mtimeMs < src.mtime) throw new Error(`${CLI} is ${built ? `older than ${src.path}` : 'missing'}: run npm run build (npm test does)`);
    checked = true;
  }
  return [CLI, ...args];
}

/** Runs `metagrad ARGS` to its end; env adds to the test's environment. */
export function cli(args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, cliArgs(args), { encoding: 'utf8', env: { ...process.env, ...env } });
}
