import { describe, expect, it } from 'vitest';
import { LOCK_NAME_SYNTAX, validateLockName } from '../../../src/core/lock-name.js';

describe('validateLockName', () => {
  it.each([
    'deploy',
    'Deploy',
    'a',
    '7',
    'prod/db/migrate',
    'terraform.prod',
    'team_a-deploy',
    'v1.2.3',
    'a/b.c_d-e',
    'a-',
    'a.',
    'x'.repeat(128),
  ])('accepts %j', (name) => {
    expect(validateLockName(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['x'.repeat(129), /129 characters/],
    ['/deploy', /starts with "\/"/],
    ['-deploy', /starts with "-"/],
    ['.deploy', /starts with "\."/],
    ['_deploy', /starts with "_"/],
    ['de ploy', /contains " "/],
    ['deploy!', /contains "!"/],
    ['dé', /contains "é"/],
    ['deploy:prod', /contains ":"/],
    ['a\nb', /contains "\\n"/],
    ['prod//db', /contains "\/\/"/],
    ['prod/', /ends with "\/"/],
    ['prod/db/', /ends with "\/"/],
  ])('rejects %j, saying why', (name, why) => {
    const issue = validateLockName(name);
    expect(issue).toMatchObject({ field: '--lock', value: name, allowed: LOCK_NAME_SYNTAX });
    expect(issue?.hint).toMatch(why);
  });

  it('uses the field it is given', () => {
    expect(validateLockName('', 'NAME')?.field).toBe('NAME');
  });

  it('describes the grammar in its message', () => {
    expect(LOCK_NAME_SYNTAX).toContain('1 to 128');
    expect(LOCK_NAME_SYNTAX).toContain('no "//"');
  });
});
