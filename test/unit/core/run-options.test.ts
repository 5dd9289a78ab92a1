import { describe, expect, it } from 'vitest';
import {
  OVERRIDES_MAX_BYTES,
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
  it('counts the UTF-8 bytes of the JSON document, not its characters', () => {
    expect(overridesSize({})).toBe(2);
    expect(overridesSize({ cpu: '256' })).toBe('{"cpu":"256"}'.length);
    expect(overridesSize({ command: ['echo', 'é'] })).toBe('{"command":["echo","é"]}'.length + 1);
    expect(overridesSize({ command: ['日本'] })).toBe('{"command":[""]}'.length + 6);
    expect(overridesSize({ command: ['😀'] })).toBe('{"command":[""]}'.length + 4);
  });
});

describe('validateOverridesSize', () => {
  const withLength = (length: number) => {
    const skeleton = { containerOverrides: [{ name: 'runner', command: [''] }] };
    const padding = length - overridesSize(skeleton);
    return { containerOverrides: [{ name: 'runner', command: ['x'.repeat(padding)] }] };
  };

  it('accepts a document of exactly the limit', () => {
    const overrides = withLength(OVERRIDES_MAX_BYTES);
    expect(overridesSize(overrides)).toBe(8192);
    expect(validateOverridesSize(overrides)).toBeUndefined();
  });

  it('rejects one byte more, stating the size, the limit, where the bytes go and what to do', () => {
    expect(validateOverridesSize(withLength(8193))).toEqual({
      field: 'command, --env and --env-file',
      value: '8193 bytes of RunTask overrides',
      allowed: 'at most 8192 bytes (UTF-8 JSON) for the command and environment together',
      hint: 'Largest: the command (8140 bytes). Move large values into the image, or into a secret (--secret NAME=REF).',
    });
  });

  it('refuses multi-byte text that fits in 8192 characters but not in 8192 bytes', () => {
    const overrides = {
      containerOverrides: [{ name: 'runner', environment: [{ name: 'NOTE', value: 'é'.repeat(5000) }] }],
    };
    expect(JSON.stringify(overrides).length).toBeLessThan(OVERRIDES_MAX_BYTES);
    expect(validateOverridesSize(overrides)).toMatchObject({ value: '10085 bytes of RunTask overrides' });
  });

  it('names the largest variables but never shows their values', () => {
    const environment = [
      { name: 'SMALL', value: 'x' },
      { name: 'BIG', value: 's3cr3t'.repeat(1000) },
      { name: 'MEDIUM', value: 'm'.repeat(2500) },
    ];
    const issue = validateOverridesSize({
      containerOverrides: [{ name: 'runner', command: ['echo'], environment }],
    });
    expect(issue?.hint).toMatch(
      /^Largest: BIG \(6\d{3} bytes\), MEDIUM \(25\d\d bytes\), SMALL \(28 bytes\)\./,
    );
    expect(JSON.stringify(issue)).not.toContain('s3cr3t');
  });

  it('counts JSON escapes, as ECS does', () => {
    const quotes = { command: ['"'.repeat(4100)] }; // 4100 characters, 8200 once escaped
    expect(overridesSize(quotes)).toBeGreaterThan(OVERRIDES_MAX_BYTES);
    expect(validateOverridesSize(quotes, '--env-file')?.field).toBe('--env-file');
  });
});
