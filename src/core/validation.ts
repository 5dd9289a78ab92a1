import type { ValidationIssue } from './errors.js';

/** Tells a parse result from the issue a parser returns instead of it. */
export function isValidationIssue(value: unknown): value is ValidationIssue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ValidationIssue).field === 'string' &&
    typeof (value as ValidationIssue).allowed === 'string'
  );
}
