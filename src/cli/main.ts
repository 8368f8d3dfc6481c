#!/usr/bin/env node
// The metagrad command. Bad input ends in one line on stderr and exit code 2, never a stack trace.
import { setFlagsFromString } from 'node:v8';
import { DivergedError, MetagradError } from '../errors.ts';
import { COMMANDS, EXIT_DIVERGED, runCommand } from './commands.ts';
import { UsageError } from './io.ts';
import { registerDigitEnvironments } from './digit-files.ts';

const USAGE = `metagrad <command> [options]

commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(8)}${c.summary}`).join('\n')}

'metagrad <command> --help' lists a command's options.`;

function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  if (!(name in COMMANDS)) {
    console.error(`metagrad: unknown command '${name}'; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    runCommand(name, rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof DivergedError) {
      console.error(`metagrad ${name}: ${err.message}`);
      return EXIT_DIVERGED;
    }
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options
    if (e instanceof UsageError || e instanceof MetagradError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`metagrad ${name}: ${err.message.split('\n')[0]}`);
      return 2;
    }
    console.error(`metagrad ${name}: internal error: ${err.message}`);
    if (process.env.METAGRAD_DEBUG) console.error(err.stack);
    return 1;
  }
}

// Node 20 validates relaxed SIMD (the fused multiply-add GEMM build) only behind this flag, set
// before the first compile (kernels compile lazily, at the first product). Browsers have it on.
setFlagsFromString('--experimental-wasm-relaxed-simd');
registerDigitEnvironments(); // its images are read when a run of it starts, not here
process.exitCode = main(process.argv.slice(2));
