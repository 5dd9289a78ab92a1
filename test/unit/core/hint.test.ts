import { describe, expect, it } from 'vitest';
import { hintCommand, hintFlagArgs, withHintFlags } from '../../../src/core/hint.js';

const ALL = { stack: 'team-b', region: 'eu-west-1', profile: 'prod' };
const COMMANDS = new Set(['run', 'logs', 'status', 'kill', 'locks', 'list', 'init', 'config', 'destroy']);

describe('hintCommand', () => {
  it('repeats the --stack, --region and --profile the user gave', () => {
    expect(hintCommand(['logs', 'abcd2345efgh', '--follow'], ALL)).toBe(
      'runvoy logs abcd2345efgh --follow --stack team-b --region eu-west-1 --profile prod',
    );
  });

  it('is the plain command without global flags', () => {
    expect(hintCommand(['kill', 'abcd'], {})).toBe('runvoy kill abcd');
  });

  it('quotes what a shell would split, and never repeats a flag the hint already has', () => {
    expect(hintCommand(['init', '--stack', 'other'], { stack: 'team-b', profile: 'my profile' })).toBe(
      "runvoy init --stack other --profile 'my profile'",
    );
  });

  it('leaves local commands (config, help) alone', () => {
    expect(hintCommand(['config', 'set', 'region', 'us-east-1'], ALL)).toBe(
      'runvoy config set region us-east-1',
    );
  });
});

describe('hintFlagArgs', () => {
  it('skips empty values and flags already given as --name=value', () => {
    expect(hintFlagArgs({ stack: '', region: 'us-east-1' }, ['--region=eu-west-1'])).toEqual([]);
    expect(hintFlagArgs({ region: 'us-east-1' })).toEqual(['--region', 'us-east-1']);
  });
});

describe('withHintFlags', () => {
  it('adds the flags to every `runvoy ...` in backticks', () => {
    expect(
      withHintFlags('Run `runvoy init` to create it, then `runvoy doctor`.', { stack: 's1', region: 'r1' }),
    ).toBe(
      'Run `runvoy init --stack s1 --region r1` to create it, then `runvoy doctor --stack s1 --region r1`.',
    );
  });

  it('keeps a --stack the hint already names, and adds the others', () => {
    expect(withHintFlags('Run `runvoy init --stack s1` again.', ALL)).toBe(
      'Run `runvoy init --stack s1 --region eu-west-1 --profile prod` again.',
    );
  });

  it('adds them to a command that ends a line, only when its first word is a command', () => {
    const text = [
      'runvoy acquires a lock so that two runs never hold it at once, or release it: runvoy locks release x --force',
      '  follow:  runvoy logs abcd --follow',
      'runvoy acquires locks',
    ].join('\n');
    expect(withHintFlags(text, { region: 'r1' }, COMMANDS).split('\n')).toEqual([
      'runvoy acquires a lock so that two runs never hold it at once, or release it: runvoy locks release x --force --region r1',
      '  follow:  runvoy logs abcd --follow --region r1',
      'runvoy acquires locks',
    ]);
  });

  it('changes nothing without global flags, or in config hints', () => {
    const text = 'Fix with `runvoy config set KEY VALUE` or `runvoy kill x`.';
    expect(withHintFlags(text, {}, COMMANDS)).toBe(text);
    expect(withHintFlags(text, { stack: 's' }, COMMANDS)).toBe(
      'Fix with `runvoy config set KEY VALUE` or `runvoy kill x --stack s`.',
    );
  });

  it('is idempotent', () => {
    const once = withHintFlags('Run `runvoy status x`.\n  stop: runvoy kill x', ALL, COMMANDS);
    expect(withHintFlags(once, ALL, COMMANDS)).toBe(once);
  });
});
