import { describe, expect, it } from 'vitest';
import {
  MAX_TAGS_PER_RESOURCE,
  parseTag,
  runvoyTagCount,
  runvoyTaskTags,
  tagValue,
  validateTagCount,
} from '../../../src/core/tags.js';
import { isValidationIssue } from '../../../src/core/validation.js';

const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

describe('validateTagCount', () => {
  it("counts runvoy's own tags against ECS's 50 per task", () => {
    expect(MAX_TAGS_PER_RESOURCE).toBe(50);
    expect(runvoyTagCount(false)).toBe(3);
    expect(runvoyTagCount(true)).toBe(4);
    expect(validateTagCount(47, false)).toBeUndefined();
    expect(validateTagCount(46, true)).toBeUndefined();
  });

  it('refuses one tag more, naming the flag, the count and what is allowed', () => {
    expect(validateTagCount(48, false)).toEqual({
      field: '--tag',
      value: '48 tags',
      allowed:
        'at most 47 distinct tag keys: ECS allows 50 tags per task, and runvoy adds 3 of its own (runvoy:execution-id, runvoy:caller, runvoy:host)',
      hint: 'Drop 1 of them.',
    });
    expect(validateTagCount(47, true)?.allowed).toMatch(/at most 46 .* 4 of its own .*runvoy:lock/);
    expect(validateTagCount(60, false)?.hint).toBe('Drop 13 of them.');
  });
});

describe('parseTag: the value', () => {
  it.each(['k=aws:x', 'k=AWS:x', 'k=Aws:'])('refuses the aws: prefix in a value, in any case: %s', (text) => {
    const issue = parseTag(text);
    expect(isValidationIssue(issue) && issue.hint).toMatch(/aws: are reserved/);
  });

  it('accepts aws: elsewhere in a value', () => {
    expect(parseTag('k=arn:aws:iam::1:role/x')).toEqual({ key: 'k', value: 'arn:aws:iam::1:role/x' });
  });
});

describe('runvoyTaskTags', () => {
  it('tags the execution, the caller, the host and the lock', () => {
    expect(
      runvoyTaskTags({
        executionId: 'abcd2345efgh',
        callerArn: 'arn:aws:sts::123456789012:assumed-role/dev/alice',
        host: 'laptop.local',
        lockName: 'prod/db',
      }),
    ).toEqual({
      'runvoy:execution-id': 'abcd2345efgh',
      'runvoy:caller': 'arn:aws:sts::123456789012:assumed-role/dev/alice',
      'runvoy:host': 'laptop.local',
      'runvoy:lock': 'prod/db',
    });
  });

  it('makes any caller or host a valid tag value (a session name may hold ",", a host name anything)', () => {
    const tags = runvoyTaskTags({
      executionId: 'abcd2345efgh',
      callerArn: 'arn:aws:sts::123456789012:assumed-role/dev/alice,bob',
      host: `John's "Mac"*${'h'.repeat(300)}`,
    });
    expect(tags['runvoy:caller']).toBe('arn:aws:sts::123456789012:assumed-role/dev/alice_bob');
    expect(tags['runvoy:host']).toHaveLength(256);
    for (const value of Object.values(tags)) expect(value).toMatch(TAG_PATTERN);
  });
});

describe('tagValue', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b;c', 'a_b_c'],
    ['aws:x', '_ws:x'],
    ['AWS:x', '_WS:x'],
    ['é日本 ok', 'é日本 ok'],
    ['tab\there', 'tab_here'],
  ])('%j -> %j', (text, value) => {
    expect(tagValue(text)).toBe(value);
  });

  it('keeps at most 256 characters, counting characters rather than UTF-16 units', () => {
    expect([...tagValue('日'.repeat(300))]).toHaveLength(256);
    expect([...tagValue('😀'.repeat(300))]).toHaveLength(256);
  });
});
