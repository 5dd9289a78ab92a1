import { describe, expect, it } from 'vitest';
import { isValidationIssue } from '../../../src/core/validation.js';

describe('isValidationIssue', () => {
  it.each([
    [{ field: '--env', value: 'x', allowed: 'NAME=VALUE' }, true],
    [{ field: '--env', value: 'x', allowed: 'NAME=VALUE', hint: 'h' }, true],
    [{ name: 'A', value: '1' }, false],
    [{ key: 'k', value: 'v' }, false],
    [{ field: '--env' }, false],
    [null, false],
    [undefined, false],
    ['--env', false],
  ])('%j -> %s', (value, expected) => {
    expect(isValidationIssue(value)).toBe(expected);
  });
});
