const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Renders an argument vector as a POSIX shell would need it typed, for display only (never for execution). */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  if (SAFE_ARG.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}
