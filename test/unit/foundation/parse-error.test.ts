import { Args, Flags, Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { parseErrorToUsage } from '../../../src/ui/parse-error.js';
import { formatError } from '../../../src/ui/error-view.js';
import { stylist } from '../../../src/ui/style.js';

const spec = {
  args: { id: Args.string({ required: true, description: 'Execution ID or a unique prefix of it.' }) },
  flags: {
    tail: Flags.integer({ char: 'n', min: 0 }),
    format: Flags.string({ options: ['text', 'json'] }),
    env: Flags.string({ multiple: true }),
  },
  strict: true,
};

async function parseError(argv: string[], input: Record<string, unknown> = spec): Promise<Error> {
  try {
    await Parser.parse(argv, input);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`parsing ${argv.join(' ')} did not fail`);
}

const text = (error: Error) => formatError(parseErrorToUsage(error, 'runvoy logs'), stylist(false));

describe('parseErrorToUsage: the whole of what oclif found wrong, as what/why/fix, exit 2', () => {
  it('a missing argument is named, with its description', async () => {
    const usage = parseErrorToUsage(await parseError([]), 'runvoy logs');
    expect(usage.exitCode).toBe(2);
    expect(usage.what).toBe('Missing the argument ID.');
    expect(usage.why?.split('\n')[0]).toBe('ID: Execution ID or a unique prefix of it.');
    expect(usage.fix).toContain('`runvoy logs ID`');
    expect(usage.fix).toContain('`runvoy logs --help`');
    expect(usage.fix).toContain('Nothing was sent to AWS.');
  });

  it('a bad integer says which flag and what was wrong', async () => {
    const usage = parseErrorToUsage(await parseError(['abcd', '--tail', 'x']), 'runvoy logs');
    expect(usage.what).toBe('--tail: Expected an integer but received: x');
    expect(usage.exitCode).toBe(2);
  });

  it('a flag without its value, an unknown flag, a value not allowed, an extra argument', async () => {
    expect(parseErrorToUsage(await parseError(['abcd', '--tail']), 'runvoy logs').what).toBe(
      'Flag --tail expects a value',
    );
    expect(parseErrorToUsage(await parseError(['abcd', '--nope']), 'runvoy logs').what).toBe(
      'Nonexistent flag: --nope',
    );
    expect(parseErrorToUsage(await parseError(['abcd', '--format', 'xml']), 'runvoy logs').what).toBe(
      'Expected --format=xml to be one of: text, json',
    );
    expect(parseErrorToUsage(await parseError(['a', 'b']), 'runvoy logs').what).toBe(
      'Unexpected argument: b',
    );
  });

  it('never shows oclif\'s "See more help" line, and keeps its note about repeatable flags', async () => {
    const shown = text(await parseError(['--env', 'A=1']));
    expect(shown).not.toContain('See more help');
    expect(shown).toContain('Missing the argument ID.');
    expect(shown).toContain('--env allows multiple values');
  });

  it('the first line alone was the old message: it is more than that now', async () => {
    const shown = text(await parseError(['abcd', '--tail', 'x']));
    expect(shown.split('\n')[0]).not.toBe('Error: Parsing --tail');
    expect(shown.split('\n')[0]).toContain('Expected an integer');
  });
});
