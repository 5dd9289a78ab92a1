/**
 * What each one-letter flag means, for every command. A letter means one thing everywhere it is
 * used (test/unit/foundation/short-flags.test.ts walks every command and fails on a letter used for a
 * flag not listed here). `-h` is help, on every command (package.json oclif.additionalHelpFlags), so no
 * flag may take it. `-v` is `--version` for `runvoy` alone.
 */
export const SHORT_FLAGS = {
  d: { meaning: 'detach: start and return at once', flags: ['detach'] },
  e: { meaning: 'an environment variable K=V', flags: ['env'] },
  f: { meaning: 'follow: keep printing new lines', flags: ['follow'] },
  i: { meaning: 'the container image', flags: ['image'] },
  l: { meaning: 'the lock name', flags: ['lock'] },
  // `list -n 50` rows, `logs -n 100` lines: how many to show, as with git log -n and tail -n.
  n: { meaning: 'how many rows or lines to show', flags: ['limit', 'tail'] },
  o: { meaning: 'the output file', flags: ['output'] },
  s: { meaning: 'only these statuses', flags: ['status'] },
  t: { meaning: 'timestamps on each line', flags: ['timestamps'] },
  u: { meaning: 'only the runs of this caller', flags: ['user'] },
  y: { meaning: 'yes: do not ask for confirmation', flags: ['yes'] },
} as const satisfies Record<string, { meaning: string; flags: readonly string[] }>;

/** Letters that no flag may take. */
export const RESERVED_SHORT_FLAGS = {
  h: 'help, on every command',
  v: '--version',
} as const;
