/*
 * `runvoy run [FLAGS] [--] COMMAND [ARGS...]`: runvoy's flags end at the first argument that is neither a
 * flag nor a flag's value, as with `docker run` and `kubectl run`. Everything from there on is the
 * container's command, untouched: `run --image alpine ls -la` runs `ls -la` (it does not read `-l a` as
 * `--lock a`). `--` still ends runvoy's flags explicitly, and is needed only when the command itself
 * starts with "-".
 */

/** The shape of a flag definition, as oclif's Flags.* return it (no oclif import in core). */
export interface FlagShape {
  type: 'option' | 'boolean';
  char?: string;
  aliases?: string[];
  charAliases?: string[];
}

export type FlagKind = 'value' | 'boolean';

export interface ArgvGrammar {
  /** Long names without "--" (including each boolean's `no-` form). */
  long: Map<string, FlagKind>;
  /** Single-character names without "-". */
  short: Map<string, FlagKind>;
}

export function argvGrammar(flags: Record<string, FlagShape>): ArgvGrammar {
  const long = new Map<string, FlagKind>();
  const short = new Map<string, FlagKind>();
  for (const [name, flag] of Object.entries(flags)) {
    const kind: FlagKind = flag.type === 'option' ? 'value' : 'boolean';
    for (const alias of [name, ...(flag.aliases ?? [])]) {
      long.set(alias, kind);
      if (kind === 'boolean') long.set(`no-${alias}`, kind);
    }
    for (const char of [flag.char, ...(flag.charAliases ?? [])]) if (char) short.set(char, kind);
  }
  return { long, short };
}

export interface SplitArgv {
  /** runvoy's own flags and their values, for the flag parser. */
  flags: string[];
  /** The container's command and its arguments, exactly as given. */
  command: string[];
}

/**
 * Splits `run`'s arguments at the first one that is not a runvoy flag or a runvoy flag's value, or at the
 * first `--` (dropped). Flags may be written `--name value`, `--name=value`, `-c value`, `-cvalue`,
 * `-c=value`, and booleans may be grouped (`-dc value`), as the flag parser reads them. A token that starts
 * with "-" but names no flag stays with the flags, so that the parser reports it rather than running it.
 */
export function splitRunArgv(argv: readonly string[], grammar: ArgvGrammar): SplitArgv {
  let i = 0;
  while (i < argv.length) {
    const token = argv[i] ?? '';
    if (token === '--') return { flags: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!token.startsWith('-') || token === '-') break;
    i += 1 + valuesTakenBy(token, grammar);
  }
  return { flags: argv.slice(0, Math.min(i, argv.length)), command: argv.slice(i) };
}

/** How many of the following arguments `token` takes as its value: 0 or 1. */
function valuesTakenBy(token: string, grammar: ArgvGrammar): number {
  if (token.startsWith('--')) {
    if (token.includes('=')) return 0;
    return grammar.long.get(token.slice(2)) === 'value' ? 1 : 0;
  }
  // A group of short flags: booleans, then at most one flag that takes a value (the rest of the token,
  // or else the next argument).
  for (let j = 1; j < token.length; j++) {
    const kind = grammar.short.get(token[j] ?? '');
    if (kind === 'value') return j === token.length - 1 ? 1 : 0;
    if (kind === undefined) return 0;
  }
  return 0;
}
