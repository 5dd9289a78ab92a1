import { randomBytes } from 'node:crypto';
import type { ValidationIssue } from './errors.js';

/** Crockford base32, lower-case: no i, l, o or u, so IDs survive being read aloud or retyped. */
export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const EXECUTION_ID_LENGTH = 12;
export const MIN_ID_PREFIX_LENGTH = 4;
/** IDs are grouped by their first characters so that a prefix lookup is a DynamoDB Query, not a Scan. */
export const ID_PARTITION_LENGTH = MIN_ID_PREFIX_LENGTH;

const ID_CHARS = /^[0-9abcdefghjkmnpqrstvwxyz]*$/;

/** A new random execution ID: 12 characters, 60 bits of randomness. */
export function newExecutionId(random: (size: number) => Uint8Array = randomBytes): string {
  const bytes = random(EXECUTION_ID_LENGTH);
  if (bytes.length < EXECUTION_ID_LENGTH) throw new Error(`random source returned ${bytes.length} bytes`);
  let id = '';
  // 256 is a multiple of 32, so taking the low five bits of each byte keeps every character equally likely.
  for (let i = 0; i < EXECUTION_ID_LENGTH; i++) id += ID_ALPHABET[(bytes[i] ?? 0) & 31];
  return id;
}

export function isExecutionId(s: string): boolean {
  return s.length === EXECUTION_ID_LENGTH && ID_CHARS.test(s);
}

/** IDs are printed in lower case; accept what the user typed in any case. */
export function normaliseIdPrefix(s: string): string {
  return s.trim().toLowerCase();
}

export function validateIdPrefix(s: string, field = 'ID'): ValidationIssue | undefined {
  const prefix = normaliseIdPrefix(s);
  const allowed = `an execution ID or a prefix of one: ${MIN_ID_PREFIX_LENGTH} to ${EXECUTION_ID_LENGTH} characters from ${ID_ALPHABET}`;
  if (!ID_CHARS.test(prefix)) {
    return { field, value: s, allowed, hint: 'Execution IDs never contain i, l, o, u or punctuation.' };
  }
  if (prefix.length < MIN_ID_PREFIX_LENGTH || prefix.length > EXECUTION_ID_LENGTH) {
    return { field, value: s, allowed };
  }
  return undefined;
}

/** The partition an ID (or a prefix of at least four characters) lives in. */
export function idPartition(idOrPrefix: string): string {
  const normalised = normaliseIdPrefix(idOrPrefix);
  if (normalised.length < ID_PARTITION_LENGTH) {
    throw new Error(`idPartition needs at least ${ID_PARTITION_LENGTH} characters, got "${idOrPrefix}"`);
  }
  return normalised.slice(0, ID_PARTITION_LENGTH);
}
