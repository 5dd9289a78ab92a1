import { describe, expect, it } from 'vitest';
import {
  ID_ALPHABET,
  idPartition,
  isExecutionId,
  newExecutionId,
  normaliseIdPrefix,
  validateIdPrefix,
} from '../../../src/core/ids.js';

const bytes =
  (...values: number[]) =>
  () =>
    Uint8Array.from(values);

describe('ID_ALPHABET', () => {
  it('is Crockford base32 in lower case: 32 distinct characters without i, l, o, u', () => {
    expect(ID_ALPHABET).toHaveLength(32);
    expect(new Set(ID_ALPHABET).size).toBe(32);
    expect(ID_ALPHABET).not.toMatch(/[ilou]/);
  });
});

describe('newExecutionId', () => {
  it('maps each random byte to one character by its low five bits', () => {
    expect(newExecutionId(bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 31))).toBe('0123456789az');
    expect(newExecutionId(bytes(32, 255, 224, 63, 0, 0, 0, 0, 0, 0, 0, 0))).toBe('0z0z00000000');
  });

  it('asks the random source for 12 bytes', () => {
    const sizes: number[] = [];
    newExecutionId((size) => {
      sizes.push(size);
      return new Uint8Array(size);
    });
    expect(sizes).toEqual([12]);
  });

  it('refuses a random source that returns too few bytes', () => {
    expect(() => newExecutionId(bytes(1, 2, 3))).toThrow(/3 bytes/);
  });

  it('produces valid, distinct IDs with the default random source', () => {
    const ids = Array.from({ length: 200 }, () => newExecutionId());
    for (const id of ids) expect(isExecutionId(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every character of the alphabet', () => {
    const seen = new Set(Array.from({ length: 200 }, () => newExecutionId()).join(''));
    expect([...seen].sort().join('')).toBe([...ID_ALPHABET].sort().join(''));
  });
});

describe('isExecutionId', () => {
  it.each(['0123456789ab', 'zzzzzzzzzzzz', '7f3kq9m2xw4h'])('accepts %j', (id) => {
    expect(isExecutionId(id)).toBe(true);
  });

  it.each([
    ['too short', '0123456789a'],
    ['too long', '0123456789abc'],
    ['upper case', '0123456789AB'],
    ['contains i', '0123456789ai'],
    ['contains l', '0123456789al'],
    ['contains o', '0123456789ao'],
    ['contains u', '0123456789au'],
    ['contains a dash', '01234-6789ab'],
    ['empty', ''],
    ['surrounded by spaces', ' 123456789a '],
  ])('rejects %s: %j', (_label, id) => {
    expect(isExecutionId(id)).toBe(false);
  });
});

describe('normaliseIdPrefix', () => {
  it.each([
    ['7F3K', '7f3k'],
    ['  7f3kq9 ', '7f3kq9'],
    ['7f3kq9m2xw4h', '7f3kq9m2xw4h'],
  ])('normalises %j to %j', (input, output) => {
    expect(normaliseIdPrefix(input)).toBe(output);
  });
});

describe('validateIdPrefix', () => {
  it.each(['7f3k', '7F3K', '7f3kq9m2', '7f3kq9m2xw4h', ' 7f3k '])('accepts %j', (prefix) => {
    expect(validateIdPrefix(prefix)).toBeUndefined();
  });

  it.each(['', '7f3', '7f3kq9m2xw4hz'])('rejects %j by its length, naming the limits', (prefix) => {
    expect(validateIdPrefix(prefix)).toEqual({
      field: 'ID',
      value: prefix,
      allowed: `an execution ID or a prefix of one: 4 to 12 characters from ${ID_ALPHABET}`,
    });
  });

  it.each(['7f3i', '7f3l', 'o7f3', '7u3k', '7f-3k', '7f3k/', 'é7f3k'])(
    'rejects %j by its characters, with a hint',
    (prefix) => {
      const issue = validateIdPrefix(prefix, 'EXECUTION');
      expect(issue?.field).toBe('EXECUTION');
      expect(issue?.value).toBe(prefix);
      expect(issue?.hint).toMatch(/never contain i, l, o, u/);
    },
  );
});

describe('idPartition', () => {
  it.each([
    ['7f3kq9m2xw4h', '7f3k'],
    ['7f3k', '7f3k'],
    ['7F3KQ', '7f3k'],
  ])('is the first four characters of %j', (id, partition) => {
    expect(idPartition(id)).toBe(partition);
  });

  it('is the same for an ID and every prefix of it a user may type', () => {
    const id = '7f3kq9m2xw4h';
    for (let length = 4; length <= id.length; length++) expect(idPartition(id.slice(0, length))).toBe('7f3k');
  });

  it('refuses fewer than four characters', () => {
    expect(() => idPartition('7f3')).toThrow(/at least 4/);
  });
});
