import type { Hook } from '@oclif/core';
import { UsageError } from '../core/errors.js';
import { closestMatch } from '../core/suggest.js';
import { formatError } from '../ui/error-view.js';
import { errorDocument } from '../ui/json-envelope.js';
import { outputMode } from '../ui/output-mode.js';
import { stylist } from '../ui/style.js';

/**
 * An unknown command (`runvoy lsit`): exit 2 with the closest command as a suggestion, in a terminal as
 * in a script. Nothing is run and nothing is asked: @oclif/plugin-not-found asked "Did you mean list?"
 * with yes as the default and ran the suggestion, and exited 127 in scripts.
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const config = opts.config;
  const hidden = new Set(config.commands.filter((c) => c.hidden).map((c) => c.id));
  const ids = [...config.commandIDs, ...config.commands.flatMap((c) => c.aliases)].filter(
    (id) => !hidden.has(id),
  );
  const shown = (id: string) => id.replaceAll(':', config.topicSeparator ?? ':');
  const nearest = closestMatch(opts.id, ids);
  const suggestion = nearest === undefined ? undefined : shown(nearest);
  const error = new UsageError({
    what: `${shown(opts.id)} is not a ${config.bin} command.`,
    fix: `${suggestion ? `Did you mean \`${config.bin} ${suggestion}\`? ` : ''}Run \`${config.bin} help\` for the list of commands. Nothing was run.`,
    code: 'COMMAND_NOT_FOUND',
    data: { command: shown(opts.id), ...(suggestion ? { suggestion } : {}) },
  });
  if ((opts.argv ?? []).includes('--json')) {
    process.stdout.write(`${JSON.stringify(errorDocument(error), null, 2)}\n`);
  } else {
    process.stderr.write(`${formatError(error, stylist(outputMode().colour.stderr))}\n`);
  }
  this.exit(error.exitCode);
};

export default hook;
