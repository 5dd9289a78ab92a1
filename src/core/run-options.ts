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

/**
 * ECS limits the RunTask `overrides` document to 8192 characters, "including the JSON formatting characters
 * of the override structure" (ECS API Reference, RunTask, overrides); it is checked here in UTF-8 bytes of
 * the serialised JSON, which is never less than its characters, so that no multi-byte text slips through.
 * It bounds the command and the whole environment (--env, --env-file, runvoy's RUNVOY_* variables).
 */
export const OVERRIDES_MAX_BYTES = 8192;

export function overridesSize(overrides: object): number {
  return jsonBytes(overrides);
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

interface OverridesShape {
  containerOverrides?: Array<{ command?: string[]; environment?: Array<{ name: string; value: string }> }>;
}

export function validateOverridesSize(
  overrides: object,
  field = 'command, --env and --env-file',
): ValidationIssue | undefined {
  const size = overridesSize(overrides);
  if (size <= OVERRIDES_MAX_BYTES) return undefined;
  return {
    field,
    value: `${size} bytes of RunTask overrides`,
    allowed: `at most ${OVERRIDES_MAX_BYTES} bytes (UTF-8 JSON) for the command and environment together`,
    hint: `${largestParts(overrides as OverridesShape)}Move large values into the image, or into a secret (--secret NAME=REF).`,
  };
}

/** Where the bytes go: the command, and the largest variables by name (never their values). */
function largestParts(overrides: OverridesShape): string {
  const container = overrides.containerOverrides?.[0];
  if (!container) return '';
  const parts = [
    ...(container.command ? [{ what: 'the command', bytes: jsonBytes(container.command) }] : []),
    ...(container.environment ?? []).map((v) => ({ what: v.name, bytes: jsonBytes(v) })),
  ]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3);
  if (parts.length === 0) return '';
  return `Largest: ${parts.map((p) => `${p.what} (${p.bytes} bytes)`).join(', ')}. `;
}
