/**
 * The split of `runvoy run`'s arguments (src/core/run-argv.ts) must read runvoy's real flags as oclif's parser
 * does: every way of writing every flag stays with the flags, whole, and the command starts after it.
 */
import { Parser } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import Run from '../../../src/commands/run.js';
import { argvGrammar, splitRunArgv, type FlagShape } from '../../../src/core/run-argv.js';

type Flag = FlagShape & { allowNo?: boolean; options?: readonly string[] };
const flags = { ...Run.baseFlags, ...Run.flags } as unknown as Record<string, Flag>;
const grammar = argvGrammar({ ...flags, json: { type: 'boolean' } });

/** Every way to write a flag: long, long=value, short, short+value, and a boolean's no- form. */
function spellings(name: string, flag: Flag): string[][] {
  if (flag.type === 'boolean') {
    return [
      [`--${name}`],
      ...(flag.char ? [[`-${flag.char}`]] : []),
      ...(flag.allowNo ? [[`--no-${name}`]] : []),
    ];
  }
  const value = flag.options?.[0] ?? '30';
  return [
    [`--${name}`, value],
    [`--${name}=${value}`],
    ...(flag.char ? [[`-${flag.char}`, value], [`-${flag.char}${value}`], [`-${flag.char}=${value}`]] : []),
  ];
}

const cases = Object.entries(flags).flatMap(([name, flag]) =>
  spellings(name, flag).map((argv) => [argv.join(' '), argv] as const),
);

describe("splitRunArgv with runvoy run's own flags", () => {
  it('covers every flag of the command', () => {
    expect(cases.length).toBeGreaterThan(Object.keys(flags).length);
  });

  it.each(cases)(
    '%s: stays with the flags, and oclif reads it as that flag alone',
    async (_label, written) => {
      const { flags: mine, command } = splitRunArgv([...written, 'ls', '-la'], grammar);
      expect(mine).toEqual(written);
      expect(command).toEqual(['ls', '-la']);
      const parsed = await Parser.parse(mine, { flags: flags as never, args: {}, strict: true });
      expect(parsed.argv).toEqual([]);
      expect(parsed.raw.filter((token) => token.type === 'flag')).toHaveLength(1);
    },
  );

  it('groups short booleans with a value flag as oclif does (-d then -i VALUE)', async () => {
    const { flags: mine, command } = splitRunArgv(['-di', 'alpine', 'ls'], grammar);
    expect(command).toEqual(['ls']);
    const parsed = await Parser.parse(mine, { flags: flags as never, args: {}, strict: true });
    expect(parsed.flags).toMatchObject({ detach: true, image: 'alpine' });
  });
});
