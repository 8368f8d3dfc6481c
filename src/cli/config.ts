// The command line's view of a run's configuration (src/meta/run-config.ts): its errors as
// UsageError (exit 2, one line), and the help of the options, learners and environments.
import { ArgumentError } from '../errors.ts';
import { environment, environmentNames } from '../envs/registry.ts';
import { learnerEntry, learnerNames } from '../meta/registry.ts';
import { RUN_OPTIONS, runConfig, type RunConfig } from '../meta/run-config.ts';
import { samplerEntry, samplerNames } from '../meta/samplers/registry.ts';
import { optionsHelp, type OptionSpec } from '../options.ts';
import { UsageError } from './io.ts';

// config.json, checked: a CheckpointError names the file and the field
export { checkedRunConfig as configFromJson } from '../meta/run-config.ts';
export { allTrainingOptions, configJson, entryOptions, parameterCount, MAX_PARAMETERS, type RunConfig } from '../meta/run-config.ts';

/** The help lines of the options every run has. */
export function runOptionsHelp(): string {
  return optionsHelp(RUN_OPTIONS);
}

/** The help of the registered learners, environments and samplers, each with its options. */
export function entriesHelp(): string {
  const section = (title: string, names: string[], entry: (n: string) => { summary: string; options: readonly OptionSpec[] }) => {
    const lines = [title, ...names.map((n) => `  ${n.padEnd(18)}${entry(n).summary}`)];
    const groups = new Map<string, string[]>();
    for (const n of names) {
      const help = optionsHelp(entry(n).options, '    ');
      if (help) groups.set(help, [...(groups.get(help) ?? []), n]);
    }
    for (const [help, members] of groups) lines.push(`  options of ${members.join(', ')}:`, help);
    return lines.join('\n');
  };
  return [
    section('learners (--algo NAME):', learnerNames(), learnerEntry),
    section('\nenvironments (--env NAME):', environmentNames(), environment),
    section('\nsamplers (--sampler NAME):', samplerNames(), samplerEntry),
  ].join('\n');
}

/** The run configuration from parsed command-line values; a UsageError names the flag. */
export function trainConfig(values: Record<string, unknown>): RunConfig {
  try {
    return runConfig(values);
  } catch (e) {
    if (e instanceof ArgumentError) throw new UsageError(e.message);
    throw e;
  }
}
