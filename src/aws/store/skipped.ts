import { skippedItemWarning, type SkipReport } from '../../core/items.js';

/**
 * Where a batch read reports the items it skips unless told otherwise: a warning on stderr, which never
 * carries data, so that `--json` output stays whole.
 */
export function warnOnStderr(table: string): SkipReport {
  return (bad) => {
    process.stderr.write(`${skippedItemWarning(bad, table)}\n`);
  };
}
