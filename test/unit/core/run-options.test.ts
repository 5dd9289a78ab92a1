import { describe, expect, it } from 'vitest';
import {
  OVERRIDES_MAX_CHARS,
  isArchitecture,
  overridesSize,
  validateArch,
  validateEphemeralStorage,
  validateOverridesSize,
} from '../../../src/core/run-options.js';

describe('validateArch', () => {
  it.each(['x86_64', 'arm64'])('accepts %j', (arch) => {
    expect(validateArch(arch)).toBeUndefined();
    expect(isArchitecture(arch)).toBe(true);
  });

  it.each([
    ['amd64', 'Use x86_64.'],
    ['X64', 'Use x86_64.'],
    ['x86-64', 'Use x86_64.'],
    ['aarch64', 'Use arm64.'],
    ['ARM', 'Use arm64.'],
    ['graviton', 'Use arm64.'],
  ])('rejects the alias %j and names the right value', (arch, hint) => {
    expect(validateArch(arch)).toEqual({ field: '--arch', value: arch, allowed: 'x86_64 or arm64', hint });
  });

  it.each(['', 'X86_64', 'ARM64', 'i386', 'riscv64'])('rejects %j', (arch) => {
    expect(validateArch(arch, 'defaults.arch')).toMatchObject({
      field: 'defaults.arch',
      value: arch,
      allowed: 'x86_64 or arm64',
    });
    expect(isArchitecture(arch)).toBe(false);
  });
});

describe('validateEphemeralStorage', () => {
  it.each([21, 50, 200])('accepts %d GiB', (gib) => {
    expect(validateEphemeralStorage(gib)).toBeUndefined();
  });

  it.each([20, 0, -1, 201, 1000, 21.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d GiB', (gib) => {
    expect(validateEphemeralStorage(gib)).toEqual({
      field: '--ephemeral-storage',
      value: String(gib),
      allowed: 'a whole number of GiB from 21 to 200',
      hint: 'Every task already gets 20 GiB; omit the flag to keep that.',
    });
  });
});

describe('overridesSize', () => {
  it('counts the characters of the JSON document', () => {
    expect(overridesSize({})).toBe(2);
    expect(overridesSize({ cpu: '256' })).toBe('{"cpu":"256"}'.length);
    expect(overridesSize({ command: ['echo', 'é'] })).toBe('{"command":["echo","é"]}'.length);
  });
});

describe('validateOverridesSize', () => {
  const withLength = (length: number) => {
    const skeleton = { containerOverrides: [{ name: 'runner', command: [''] }] };
    const padding = length - overridesSize(skeleton);
    return { containerOverrides: [{ name: 'runner', command: ['x'.repeat(padding)] }] };
  };

  it('accepts a document of exactly the limit', () => {
    const overrides = withLength(OVERRIDES_MAX_CHARS);
    expect(overridesSize(overrides)).toBe(8192);
    expect(validateOverridesSize(overrides)).toBeUndefined();
  });

  it('rejects one character more, stating the size and the limit and what to do', () => {
    expect(validateOverridesSize(withLength(8193))).toEqual({
      field: 'command and --env',
      value: '8193 characters of RunTask overrides',
      allowed: 'at most 8192 characters for the command and environment together',
      hint: 'Move large values into the image, or into a secret (--secret NAME=REF).',
    });
  });

  it('counts JSON escapes, as ECS does', () => {
    const quotes = { command: ['"'.repeat(4100)] }; // 4100 characters, 8200 once escaped
    expect(overridesSize(quotes)).toBeGreaterThan(OVERRIDES_MAX_CHARS);
    expect(validateOverridesSize(quotes, '--env-file')?.field).toBe('--env-file');
  });
});
