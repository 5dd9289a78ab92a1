import { UsageError } from '../core/errors.js';

interface ParseErrorLike extends Error {
  args?: Array<{ name: string; description?: string }>;
}

/**
 * A usage error from what oclif's parser threw, with its whole message: which argument is missing, what
 * was wrong with a flag's value, which flag does not exist. oclif's text is "header\n\tdetail\nSee more
 * help with --help"; the header alone ("Missing 1 required arg:", "Parsing --tail") says nothing.
 */
export function parseErrorToUsage(error: ParseErrorLike, helpCommand: string): UsageError {
  const lines = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^See more help with --help$/i.test(line));
  const [header = error.message.trim(), ...details] = lines;
  const fix = `See \`${helpCommand} --help\`. Nothing was sent to AWS.`;
  const missing = /^Missing \d+ required arg/.test(header) && error.args?.length ? error.args : undefined;
  if (missing) {
    const names = missing.map((arg) => arg.name.toUpperCase());
    const notes = details.filter((line) => /^(Note:|Alternatively)/.test(line));
    return new UsageError({
      what: `Missing ${names.length === 1 ? 'the argument' : 'the arguments'} ${names.join(', ')}.`,
      why: [
        ...missing.map((arg) => `${arg.name.toUpperCase()}: ${arg.description ?? 'required'}`),
        ...notes,
      ].join('\n'),
      fix: `Give ${names.join(' ')} after the command, e.g. \`${helpCommand} ${names.join(' ')}\`. ${fix}`,
      code: 'USAGE',
    });
  }
  const parsing = /^Parsing (--?[\w-]+)\s*$/.exec(header);
  if (parsing && details.length > 0) {
    return new UsageError({ what: `${parsing[1]}: ${details.join(' ')}`, fix, code: 'USAGE' });
  }
  if (details.length === 0) return new UsageError({ what: header, fix, code: 'USAGE' });
  return new UsageError({
    what: header.endsWith(':') ? `${header} ${details.join('; ')}` : header,
    why: header.endsWith(':') ? undefined : details.join('\n'),
    fix,
    code: 'USAGE',
  });
}
