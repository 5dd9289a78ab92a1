import { describe, expect, it } from 'vitest';
import { argvGrammar, splitRunArgv, type FlagShape } from '../../../src/core/run-argv.js';

/** The flags of `runvoy run` that matter to the split, shaped as oclif's Flags.* return them. */
const FLAGS: Record<string, FlagShape> = {
  profile: { type: 'option' },
  region: { type: 'option' },
  stack: { type: 'option' },
  debug: { type: 'boolean' },
  json: { type: 'boolean' },
  image: { type: 'option', char: 'i' },
  lock: { type: 'option', char: 'l' },
  'lock-wait': { type: 'option' },
  spot: { type: 'boolean' },
  env: { type: 'option', char: 'e' },
  'env-file': { type: 'option' },
  secret: { type: 'option' },
  detach: { type: 'boolean', char: 'd' },
  shell: { type: 'boolean' },
  'ephemeral-storage': { type: 'option' },
  old: { type: 'option', aliases: ['older'], charAliases: ['o'] },
};
const grammar = argvGrammar(FLAGS);
const split = (...argv: string[]) => splitRunArgv(argv, grammar);
const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('argvGrammar', () => {
  it('knows each flag by its long name, its aliases and its characters, and booleans by their no- form', () => {
    expect(grammar.long.get('image')).toBe('value');
    expect(grammar.long.get('detach')).toBe('boolean');
    expect(grammar.long.get('no-spot')).toBe('boolean');
    expect(grammar.long.get('no-image')).toBeUndefined();
    expect(grammar.long.get('older')).toBe('value');
    expect(grammar.short.get('i')).toBe('value');
    expect(grammar.short.get('d')).toBe('boolean');
    expect(grammar.short.get('o')).toBe('value');
    expect(grammar.short.get('x')).toBeUndefined();
  });
});

describe('splitRunArgv', () => {
  it('starts the command at the first argument that is not a flag: `ls -la` is not `-l a`', () => {
    expect(split('--image', 'alpine', 'ls', '-la')).toEqual({
      flags: ['--image', 'alpine'],
      command: ['ls', '-la'],
    });
  });

  it.each([
    ['--name value', ['--image', 'alpine', 'ls'], ['--image', 'alpine']],
    ['--name=value', ['--image=alpine', 'ls'], ['--image=alpine']],
    ['--name= (empty value)', ['--lock=', 'ls'], ['--lock=']],
    ['-c value', ['-i', 'alpine', 'ls'], ['-i', 'alpine']],
    ['-cvalue', ['-ialpine', 'ls'], ['-ialpine']],
    ['-c=value', ['-i=alpine', 'ls'], ['-i=alpine']],
    ['a value that starts with "-"', ['--lock-wait', '-5s', 'ls'], ['--lock-wait', '-5s']],
    ['a value that looks like a flag', ['--image', '--detach', 'ls'], ['--image', '--detach']],
    ['a value that is "--"', ['--lock', '--', 'ls'], ['--lock', '--']],
    ['a boolean', ['--detach', 'ls'], ['--detach']],
    ['a negated boolean', ['--no-spot', 'ls'], ['--no-spot']],
    ['a boolean given a value (the parser refuses it)', ['--detach=true', 'ls'], ['--detach=true']],
    ['a short boolean', ['-d', 'ls'], ['-d']],
    ['grouped: boolean then a value flag and its value', ['-di', 'alpine', 'ls'], ['-di', 'alpine']],
    ['grouped: boolean then a value flag with its value attached', ['-dialpine', 'ls'], ['-dialpine']],
    ['a repeated flag', ['-e', 'A=1', '--env', 'B=2', 'ls'], ['-e', 'A=1', '--env', 'B=2']],
    ['an alias', ['--older', 'x', 'ls'], ['--older', 'x']],
    ['a character alias', ['-o', 'x', 'ls'], ['-o', 'x']],
    [
      'global flags',
      ['--region', 'eu-west-1', '--json', '--debug', 'ls'],
      ['--region', 'eu-west-1', '--json', '--debug'],
    ],
  ])('takes %s as runvoy flags', (_label, argv, flags) => {
    expect(split(...argv)).toEqual({ flags, command: ['ls'] });
  });

  it('keeps every argument of the command as given, including flags runvoy also has and later "--"', () => {
    expect(split('-i', 'alpine', 'grep', '-e', 'x', '--json', '--', '-d', '--image', 'y')).toEqual({
      flags: ['-i', 'alpine'],
      command: ['grep', '-e', 'x', '--json', '--', '-d', '--image', 'y'],
    });
  });

  it('ends runvoy flags at "--", which it drops, and keeps a later "--" in the command', () => {
    expect(split('--image', 'alpine', '--', '-x', '--', 'y')).toEqual({
      flags: ['--image', 'alpine'],
      command: ['-x', '--', 'y'],
    });
    expect(split('--', '--image', 'alpine')).toEqual({ flags: [], command: ['--image', 'alpine'] });
    expect(split('--image', 'alpine', '--')).toEqual({ flags: ['--image', 'alpine'], command: [] });
  });

  it('takes a lone "-" as the start of the command', () => {
    expect(split('-d', '-', 'x')).toEqual({ flags: ['-d'], command: ['-', 'x'] });
  });

  it('keeps the values of repeatable flags from swallowing the command (`--env A=1 echo hi`)', () => {
    expect(split('--env', 'A=1', 'echo', 'hi')).toEqual({ flags: ['--env', 'A=1'], command: ['echo', 'hi'] });
  });

  it('leaves an unknown flag with the flags, for the parser to refuse, and does not guess it takes a value', () => {
    expect(split('--imag', 'alpine', 'ls')).toEqual({ flags: ['--imag'], command: ['alpine', 'ls'] });
    expect(split('-x', 'ls')).toEqual({ flags: ['-x'], command: ['ls'] });
    expect(split('-dx', 'ls')).toEqual({ flags: ['-dx'], command: ['ls'] });
    expect(split('-5', 'ls')).toEqual({ flags: ['-5'], command: ['ls'] });
  });

  it('leaves a value flag without its value at the end, for the parser to report', () => {
    expect(split('--image')).toEqual({ flags: ['--image'], command: [] });
    expect(split('-d', '-i')).toEqual({ flags: ['-d', '-i'], command: [] });
  });

  it('handles no arguments, only flags, and only a command', () => {
    expect(split()).toEqual({ flags: [], command: [] });
    expect(split('--image', 'alpine', '--detach')).toEqual({
      flags: ['--image', 'alpine', '--detach'],
      command: [],
    });
    expect(split('echo', '--image', 'x')).toEqual({ flags: [], command: ['echo', '--image', 'x'] });
  });

  it('gives back every argument exactly once, in order, for any mix', () => {
    const tokens = [
      '--image',
      'alpine',
      '-i',
      '-d',
      '--',
      'ls',
      '-la',
      '--lock=x',
      '-',
      '-e',
      'A=1',
      '--json',
    ];
    // Every sequence of up to 4 of these tokens (about 22 000).
    let level: string[][] = [[]];
    const failures: string[] = [];
    for (let length = 0; length <= 4; length++) {
      for (const argv of level) {
        const { flags, command } = splitRunArgv(argv, grammar);
        const dropped = argv.length - flags.length - command.length;
        const rebuilt = [...flags, ...(dropped ? ['--'] : []), ...command];
        const whole =
          (dropped === 0 || (dropped === 1 && argv[flags.length] === '--')) && same(rebuilt, argv);
        // Without "--", the command never starts in the middle of runvoy's flags: its first word is no flag.
        const start =
          dropped > 0 || command.length === 0 || command[0] === '-' || !command[0]?.startsWith('-');
        if (!whole || !start) failures.push(JSON.stringify(argv));
      }
      level = level.flatMap((prefix) => tokens.map((token) => [...prefix, token]));
    }
    expect(failures).toEqual([]);
  });
});
