/**
 * Hints: the `runvoy ...` commands that errors and notes tell the user to run. A hint must work when
 * copied, so it keeps the `--stack`, `--region` and `--profile` the user gave on the command line (those
 * from the environment or the config file still apply when the hint is run).
 */
import { quoteArgv } from './shell-quote.js';

export interface HintFlags {
  stack?: string;
  region?: string;
  profile?: string;
}

/** Commands that do not use the stack, region or profile: their hints stay as they are. */
const LOCAL_COMMANDS = new Set(['config', 'help', 'autocomplete', 'version']);

/** `--stack S --region R --profile P`, for the flags given, leaving out those already in `args`. */
export function hintFlagArgs(flags: HintFlags, args: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const name of ['stack', 'region', 'profile'] as const) {
    const value = flags[name];
    if (value === undefined || value === '') continue;
    if (args.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))) continue;
    out.push(`--${name}`, value);
  }
  return out;
}

/** `runvoy ARGS` with the user's global flags: a command to copy and run. */
export function hintCommand(args: readonly string[], flags: HintFlags): string {
  const local = LOCAL_COMMANDS.has(args[0] ?? '');
  return quoteArgv(['runvoy', ...args, ...(local ? [] : hintFlagArgs(flags, args))]);
}

/** Appends the global flags to the text of one `runvoy ...` command, unless it is a local command. */
function extend(commandText: string, flags: HintFlags, commands: ReadonlySet<string> | undefined): string {
  const words = commandText.trim().split(/\s+/);
  const first = words[1] ?? '';
  if (LOCAL_COMMANDS.has(first)) return commandText;
  if (commands && !commands.has(first)) return commandText;
  const extra = hintFlagArgs(flags, words);
  return extra.length === 0 ? commandText : `${commandText.trimEnd()} ${quoteArgv(extra)}`;
}

/**
 * Gives every `runvoy ...` command in a message the user's global flags: those in backticks, and one that
 * ends a line (`... or release it: runvoy locks release NAME --force`) when its first word is one of
 * `commands` (so that "runvoy acquires a lock" is left alone).
 */
export function withHintFlags(text: string, flags: HintFlags, commands?: ReadonlySet<string>): string {
  if (hintFlagArgs(flags).length === 0) return text;
  const quoted = text.replace(/`(runvoy [^`\n]+)`/g, (_match, command: string) => {
    return `\`${extend(command, flags, undefined)}\``;
  });
  if (!commands) return quoted;
  return quoted
    .split('\n')
    .map((line) => {
      // The last `runvoy <word>` of the line, with nothing quoted after it.
      const match = /(^|[\s:(])(runvoy [a-z](?:(?!runvoy )[^`])*)$/.exec(line);
      if (!match || line.slice(0, match.index).split('`').length % 2 === 0) return line;
      const command = match[2] ?? '';
      return `${line.slice(0, match.index)}${match[1] ?? ''}${extend(command, flags, commands)}`;
    })
    .join('\n');
}
