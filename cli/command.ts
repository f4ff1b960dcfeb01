/** What every `cohort` command is, and how a command made of subcommands picks one. */
import { closestKey } from '../common/closest-key.js';
import { HelpRequested, UsageError } from './flags.js';

/** One `cohort <name>` command. */
export interface Command {
  name: string;
  /** One line for `cohort --help`. */
  summary: string;
  /** What `cohort <name> --help` prints. */
  usage: string;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(args: string[]): Promise<number> | number;
}

type Subcommand = (args: string[]) => Promise<number> | number;

/**
 * Runs the subcommand `args[0]` of `cohort <group>`: none, or one not in `subcommands`, is a UsageError
 * listing them with the group's usage; `--help` alone prints that usage. `aliases` maps other spellings
 * (enroll) to a subcommand without listing them.
 */
export function runSubcommand(
  group: string,
  usage: string,
  subcommands: Record<string, Subcommand>,
  args: string[],
  aliases: Record<string, string> = {},
  noun = 'subcommand',
): Promise<number> | number {
  const [sub, ...rest] = args;
  const names = Object.keys(subcommands);
  if (sub === '--help' || sub === '-h' || sub === 'help') throw new HelpRequested(usage);
  if (sub === undefined) throw new UsageError(`cohort ${group} needs a ${noun}: ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`, usage);
  const name = Object.hasOwn(aliases, sub) ? aliases[sub]! : sub;
  if (!Object.hasOwn(subcommands, name)) {
    const closest = closestKey(sub, names);
    const hint = closest === undefined ? '' : `; did you mean ${closest}?`;
    throw new UsageError(`unknown ${noun === 'subcommand' ? `${group} subcommand` : noun} "${sub}" (${names.join(', ')}${hint})`, usage);
  }
  return subcommands[name]!(rest);
}
