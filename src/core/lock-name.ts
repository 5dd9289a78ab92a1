import type { ValidationIssue } from './errors.js';

/*
 * Lock names:
 *   - 1 to 128 characters;
 *   - letters, digits, ".", "_", "-" and "/", starting with a letter or digit: [A-Za-z0-9][A-Za-z0-9._/-]*
 *   - no "//" and no trailing "/", so that "/" can group locks like paths (prod/db/migrate).
 * Names are case-sensitive: "Deploy" and "deploy" are two locks.
 */
export const LOCK_NAME_MAX_LENGTH = 128;

export const LOCK_NAME_SYNTAX =
  `1 to ${LOCK_NAME_MAX_LENGTH} letters, digits, ".", "_", "-" or "/", starting with a letter or digit, ` +
  'with no "//" and no trailing "/" (for example deploy or prod/db-migrate)';

export function validateLockName(name: string, field = '--lock'): ValidationIssue | undefined {
  const problem = lockNameProblem(name);
  return problem === undefined ? undefined : { field, value: name, allowed: LOCK_NAME_SYNTAX, hint: problem };
}

function lockNameProblem(name: string): string | undefined {
  if (name === '') return 'The lock name is empty.';
  if (name.length > LOCK_NAME_MAX_LENGTH) return `It is ${name.length} characters long.`;
  if (!/^[A-Za-z0-9]/.test(name)) return `It starts with "${name[0]}".`;
  const bad = [...name].find((c) => !/[A-Za-z0-9._/-]/.test(c));
  if (bad !== undefined) return `It contains ${JSON.stringify(bad)}.`;
  if (name.includes('//')) return 'It contains "//".';
  if (name.endsWith('/')) return 'It ends with "/".';
  return undefined;
}
