import type { ValidationIssue } from './errors.js';

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export function isArchitecture(text: string): text is Architecture {
  return (ARCHITECTURES as readonly string[]).includes(text);
}

export function validateArch(text: string, field = '--arch'): ValidationIssue | undefined {
  if (isArchitecture(text)) return undefined;
  const hint = /^(amd64|x64|x86-64)$/i.test(text)
    ? 'Use x86_64.'
    : /^(aarch64|arm|graviton)$/i.test(text)
      ? 'Use arm64.'
      : undefined;
  return { field, value: text, allowed: ARCHITECTURES.join(' or '), ...(hint ? { hint } : {}) };
}

/** Fargate's ephemeral storage: 20 GiB are included; a larger size can be asked for, up to 200 GiB. */
export const EPHEMERAL_STORAGE_MIN_GIB = 21;
export const EPHEMERAL_STORAGE_MAX_GIB = 200;

export function validateEphemeralStorage(
  gib: number,
  field = '--ephemeral-storage',
): ValidationIssue | undefined {
  if (Number.isInteger(gib) && gib >= EPHEMERAL_STORAGE_MIN_GIB && gib <= EPHEMERAL_STORAGE_MAX_GIB) {
    return undefined;
  }
  return {
    field,
    value: String(gib),
    allowed: `a whole number of GiB from ${EPHEMERAL_STORAGE_MIN_GIB} to ${EPHEMERAL_STORAGE_MAX_GIB}`,
    hint: 'Every task already gets 20 GiB; omit the flag to keep that.',
  };
}

/** ECS limits the RunTask overrides document, JSON punctuation included. */
export const OVERRIDES_MAX_CHARS = 8192;

export function overridesSize(overrides: object): number {
  return JSON.stringify(overrides).length;
}

export function validateOverridesSize(
  overrides: object,
  field = 'command and --env',
): ValidationIssue | undefined {
  const size = overridesSize(overrides);
  if (size <= OVERRIDES_MAX_CHARS) return undefined;
  return {
    field,
    value: `${size} characters of RunTask overrides`,
    allowed: `at most ${OVERRIDES_MAX_CHARS} characters for the command and environment together`,
    hint: 'Move large values into the image, or into a secret (--secret NAME=REF).',
  };
}
