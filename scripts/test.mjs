// npm test's runner: uvu over test/*.test.ts in two processes side by side (the machines have two
// cores and most tests use one), then, alone, the test that measures the page's responsiveness
// (browser).
// `node scripts/test.mjs [PATTERN]` runs the files whose name matches PATTERN. Exit code 1 when
// any test fails; each lane's output is printed whole when it ends.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const SOLO = ['browser.test.ts'];
// Seconds each file took alone on these machines (the rest about 1-3): for balancing the lanes.
const COST = {
  'readme.test.ts': 28, 'runfolder.test.ts': 13, 'cli.test.ts': 9, 'docs.test.ts': 13, 'rl.test.ts': 2, 'maml-rl.test.ts': 6,
  'experiment.test.ts': 11, 'experiment-armaml.test.ts': 5, 'experiment-pointnav.test.ts': 32, 'experiment-cheetah.test.ts': 45, 'experiment-fewshot.test.ts': 14, 'fewshot.test.ts': 2,
  'rl-cli.test.ts': 8, 'experiment-arm.test.ts': 6, 'arm.test.ts': 2, 'rl-samplers.test.ts': 4, 'group-cli.test.ts': 4, 'sysid.test.ts': 2, 'msr-conv.test.ts': 2, 'samplers.test.ts': 4,
  'meta.test.ts': 3, 'flow.test.ts': 4, 'parallel.test.ts': 3, 'reproducible.test.ts': 3, 'fewshot-cli.test.ts': 7, 'msr.test.ts': 4,
};
const LANES = 2;

const pattern = new RegExp(process.argv[2] ?? '\\.test\\.ts$', 'i');
const files = readdirSync('test').filter((f) => f.endsWith('.test.ts') && pattern.test(f)).sort();
const escape = (f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const uvu = (names) => ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', `^(${names.map(escape).join('|')})$`];

/** Runs uvu on `names`; resolves to its exit code, its output printed when it ends. */
function run(names, label) {
  if (!names.length) return Promise.resolve(0);
  console.log(`${label}: ${names.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, uvu(names), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code, signal) => {
      console.log(`\n--- ${label} ---\n${out}`);
      if (signal) console.log(`${label}: killed by ${signal}`);
      resolve(code ?? 1);
    });
  });
}

// the longest first, each to the lane with the least so far
const lanes = Array.from({ length: LANES }, () => ({ names: [], cost: 0 }));
for (const f of files.filter((f) => !SOLO.includes(f)).sort((a, b) => (COST[b] ?? 2) - (COST[a] ?? 2))) {
  const lane = lanes.reduce((a, b) => (b.cost < a.cost ? b : a));
  lane.names.push(f);
  lane.cost += COST[f] ?? 2;
}
const t0 = performance.now();
const codes = await Promise.all(lanes.map((l, i) => run(l.names.sort(), `lane ${i + 1}`)));
codes.push(await run(files.filter((f) => SOLO.includes(f)), 'alone'));
const failed = codes.some((c) => c !== 0);
console.log(`\n${files.length} test files in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${failed ? 'FAILED' : 'all passed'}`);
process.exit(failed ? 1 : 0);
