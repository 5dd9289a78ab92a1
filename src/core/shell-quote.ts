const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** A first word the shell would take for a variable assignment (`A=b cmd`), not for the command. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Words the shell reads as syntax when they come first (POSIX reserved words, and bash's). */
const RESERVED_WORDS = new Set([
  'case',
  'coproc',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'function',
  'if',
  'in',
  'select',
  'then',
  'time',
  'until',
  'while',
]);

/**
 * Renders an argument vector as a POSIX shell reads it back: each argument one literal word. Used for
 * display, and to build the `--shell` script from several arguments (see shellScript).
 */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((arg, i) => quoteArg(arg, i === 0)).join(' ');
}

function quoteArg(arg: string, commandWord: boolean): string {
  const syntax = commandWord && (ASSIGNMENT.test(arg) || RESERVED_WORDS.has(arg));
  if (SAFE_ARG.test(arg) && !syntax) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * What `--shell` gives to `sh -c`. One argument is the script itself, as written
 * (`--shell -- 'make test | tee out.log'`). Several arguments are each quoted as one literal word and
 * joined (`--shell -- grep 'foo bar' f` runs the script `grep 'foo bar' f`), so that their quoting is kept.
 */
export function shellScript(command: readonly string[]): string {
  return command.length === 1 ? (command[0] ?? '') : quoteArgv(command);
}

/** The container's command as ECS receives it; undefined keeps the image's own CMD. */
export function containerCommand(command: readonly string[], shell: boolean): string[] | undefined {
  if (command.length === 0) return undefined;
  return shell ? ['sh', '-c', shellScript(command)] : [...command];
}

/** Exactly what runs in the container, typed as a shell command line ('' for the image's own CMD). */
export function displayCommand(command: readonly string[], shell: boolean): string {
  const argv = containerCommand(command, shell);
  return argv ? quoteArgv(argv) : '';
}
