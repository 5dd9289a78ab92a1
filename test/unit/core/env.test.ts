import { describe, expect, it } from 'vitest';
import {
  findDuplicateNames,
  parseEnvFile,
  parseEnvPair,
  parseSecret,
  parseTag,
  validateEnvName,
  validateUniqueNames,
} from '../../../src/core/env.js';
import { isValidationIssue } from '../../../src/core/validation.js';

describe('validateEnvName', () => {
  it.each([
    'A',
    'a',
    '_',
    '_A1',
    'DATABASE_URL',
    'lower_case',
    'X'.repeat(255),
    'RUNVOY',
    'RUNVOYX',
    'runvoy_x',
  ])('accepts %j', (name) => {
    expect(validateEnvName(name)).toBeUndefined();
  });

  it.each(['', '1A', 'A-B', 'A.B', 'A B', 'A=B', 'É', 'X'.repeat(256), '$A'])('rejects %j', (name) => {
    const issue = validateEnvName(name);
    expect(issue).toMatchObject({ field: '--env', value: name });
    expect(issue?.allowed).toMatch(/letters, digits and "_", not starting with a digit, at most 255/);
  });

  it.each(['RUNVOY_EXECUTION_ID', 'RUNVOY_LOCK_FENCE', 'RUNVOY_'])(
    'rejects the reserved %j with a hint',
    (name) => {
      expect(validateEnvName(name, '--secret')).toMatchObject({
        field: '--secret',
        value: name,
        hint: 'Names starting with RUNVOY_ are set by runvoy.',
      });
    },
  );
});

describe('parseEnvPair', () => {
  it.each([
    ['K=V', { name: 'K', value: 'V' }],
    ['K=', { name: 'K', value: '' }],
    ['K==', { name: 'K', value: '=' }],
    ['URL=postgres://u:p@h/db?a=b&c=d', { name: 'URL', value: 'postgres://u:p@h/db?a=b&c=d' }],
    ['K= spaced value ', { name: 'K', value: ' spaced value ' }],
    ['K=line1\nline2', { name: 'K', value: 'line1\nline2' }],
  ])('parses %j', (text, pair) => {
    expect(parseEnvPair(text)).toEqual(pair);
  });

  it('asks for NAME=VALUE when there is no "="', () => {
    expect(parseEnvPair('DEBUG')).toEqual({
      field: '--env',
      value: 'DEBUG',
      allowed: 'NAME=VALUE',
      hint: 'For an empty value, pass DEBUG=',
    });
    expect(parseEnvPair('')).toEqual({ field: '--env', value: '', allowed: 'NAME=VALUE' });
  });

  it.each(['=V', '1K=V', 'K-1=V', 'RUNVOY_EXECUTION_ID=x'])(
    'rejects the name in %j, without echoing the value',
    (text) => {
      const issue = parseEnvPair(text, '-e');
      expect(isValidationIssue(issue)).toBe(true);
      expect(issue).toMatchObject({ field: '-e', value: text.split('=')[0] });
    },
  );
});

describe('parseEnvFile', () => {
  const parse = (content: string) => parseEnvFile(content, '.env');

  it('reads names and values, skipping blank lines and comments', () => {
    const content = ['# settings', '', 'A=1', '   ', '  # indented comment', 'B=two words', 'C='].join('\n');
    expect(parse(content)).toEqual({
      vars: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'two words' },
        { name: 'C', value: '' },
      ],
      issues: [],
    });
  });

  it.each([
    ['export K=V', 'V'],
    ['export   K=V', 'V'],
    ['K = V', 'V'],
    ['  K=V  ', 'V'],
    ['K=a=b', 'a=b'],
    ['K=value # comment', 'value'],
    ['K=value\t# comment', 'value'],
    ['K=a#b', 'a#b'],
    ['K=http://x/#frag', 'http://x/#frag'],
    ['K= # only a comment', ''],
    ['K=#not-a-comment', '#not-a-comment'],
    ['K="double quoted"', 'double quoted'],
    ['K="with \\"escaped\\" quotes"', 'with "escaped" quotes'],
    ['K="line1\\nline2"', 'line1\nline2'],
    ['K="tab\\there\\r"', 'tab\there\r'],
    ['K="back\\\\slash"', 'back\\slash'],
    ['K="unknown \\q escape"', 'unknown \\q escape'],
    ['K="keeps # inside"', 'keeps # inside'],
    ['K="quoted" # comment', 'quoted'],
    ['K=""', ''],
    ["K='single quoted'", 'single quoted'],
    ['K=\'literal \\n and "double"\'', 'literal \\n and "double"'],
    ["K=''", ''],
    ["K='  spaces kept  '", '  spaces kept  '],
    ['K="  spaces kept  "', '  spaces kept  '],
    ['K=  "quoted after spaces"', 'quoted after spaces'],
    ['K=unquoted "inner" quotes', 'unquoted "inner" quotes'],
    ['export=1', '1'],
  ])('reads %j as %j', (line, value) => {
    const { vars, issues } = parse(line);
    expect(issues).toEqual([]);
    expect(vars).toHaveLength(1);
    expect(vars[0]?.value).toBe(value);
  });

  it('reads Windows line endings and a byte order mark', () => {
    expect(parse('\uFEFFA=1\r\nB="x"\r\n')).toEqual({
      vars: [
        { name: 'A', value: '1' },
        { name: 'B', value: 'x' },
      ],
      issues: [],
    });
  });

  it('reads quoted values over several lines and keeps counting lines after them', () => {
    const content = [
      'CERT="-----BEGIN-----',
      'abc  ',
      '-----END-----"',
      "KEY='a",
      "b'",
      'AFTER=1',
      'BAD',
    ].join('\n');
    const { vars, issues } = parse(content);
    expect(vars).toEqual([
      { name: 'CERT', value: '-----BEGIN-----\nabc  \n-----END-----' },
      { name: 'KEY', value: 'a\nb' },
      { name: 'AFTER', value: '1' },
    ]);
    expect(issues.map((i) => i.field)).toEqual(['--env-file .env:7']);
  });

  it('reports each bad line with the file and line number, and keeps the good ones', () => {
    const content = ['A=1', 'not a pair', '1BAD=x', 'RUNVOY_X=1', 'B="unclosed', 'C=3'].join('\n');
    const { vars, issues } = parseEnvFile(content, 'conf/prod.env');
    expect(vars).toEqual([{ name: 'A', value: '1' }]);
    expect(issues).toEqual([
      {
        field: '--env-file conf/prod.env:2',
        value: 'not a pair',
        allowed: 'NAME=VALUE, a blank line or a # comment',
      },
      expect.objectContaining({ field: '--env-file conf/prod.env:3', value: '1BAD' }),
      expect.objectContaining({
        field: '--env-file conf/prod.env:4',
        value: 'RUNVOY_X',
        hint: expect.any(String),
      }),
      {
        field: '--env-file conf/prod.env:5',
        value: 'B',
        allowed: 'NAME=VALUE with a properly quoted value',
        hint: 'The " opened on line 5 is never closed.',
      },
    ]);
  });

  it.each([
    ['export K', 'NAME=VALUE, a blank line or a # comment'],
    ['K V', 'NAME=VALUE, a blank line or a # comment'],
    ['=V', expect.stringContaining('variable name')],
  ])('rejects %j', (line, allowed) => {
    expect(parse(line).issues).toEqual([expect.objectContaining({ field: '--env-file .env:1', allowed })]);
  });

  it.each([
    ['K="a" b', 'Unexpected text after the closing ": b'],
    ["K='a'b", "Unexpected text after the closing ': b"],
    ["K='never closed", "The ' opened on line 1 is never closed."],
    ['K="ends with escaped quote\\"', 'The " opened on line 1 is never closed.'],
  ])('rejects the quoting of %j', (line, hint) => {
    expect(parse(line)).toEqual({
      vars: [],
      issues: [
        { field: '--env-file .env:1', value: 'K', allowed: 'NAME=VALUE with a properly quoted value', hint },
      ],
    });
  });

  it('rejects a name set twice in the file, pointing at the first', () => {
    const { vars, issues } = parse('A=1\nB=2\nA=3');
    expect(vars).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(issues).toEqual([
      {
        field: '--env-file .env:3',
        value: 'A',
        allowed: 'each name once per file',
        hint: 'A is already set on line 1.',
      },
    ]);
  });

  it('reads an empty file as no variables', () => {
    expect(parse('')).toEqual({ vars: [], issues: [] });
  });
});

describe('parseTag', () => {
  it.each([
    ['team=platform', { key: 'team', value: 'platform' }],
    ['cost-center=', { key: 'cost-center', value: '' }],
    ['k=a=b', { key: 'k', value: 'a=b' }],
    ['Name=My Service', { key: 'Name', value: 'My Service' }],
    ['url=https://example.com/a+b@c', { key: 'url', value: 'https://example.com/a+b@c' }],
    ['équipe=données', { key: 'équipe', value: 'données' }],
    ['app:env=prod', { key: 'app:env', value: 'prod' }],
    ['awsome=yes', { key: 'awsome', value: 'yes' }],
    [`${'k'.repeat(128)}=${'v'.repeat(256)}`, { key: 'k'.repeat(128), value: 'v'.repeat(256) }],
    [`${'é'.repeat(128)}=x`, { key: 'é'.repeat(128), value: 'x' }],
  ])('parses %j', (text, tag) => {
    expect(parseTag(text)).toEqual(tag);
  });

  it.each([
    ['no "="', 'team', /empty value, pass team=/],
    ['an empty key', '=x', /key is empty/],
    ['a key too long', `${'k'.repeat(129)}=x`, /key is 129 characters/],
    ['a value too long', `k=${'v'.repeat(257)}`, /value is 257 characters/],
    ['the aws: prefix', 'aws:cloudformation:stack-name=x', /aws: are reserved/],
    ['the AWS: prefix in upper case', 'AWS:x=y', /aws: are reserved/],
    ['the runvoy: prefix', 'runvoy:execution-id=x', /runvoy: are reserved/],
  ])('rejects %s', (_label, text, hint) => {
    const issue = parseTag(text);
    expect(issue).toMatchObject({ field: '--tag', value: text });
    expect(isValidationIssue(issue) && issue.hint).toMatch(hint);
  });

  it.each(['k=a,b', 'k=a;b', 'k!=v', 'k=<v>', 'k="v"', 'k=a*b', 'k=tab\there'])(
    'rejects the characters in %j',
    (text) => {
      const issue = parseTag(text, '--task-tag');
      expect(issue).toMatchObject({ field: '--task-tag', value: text });
      expect(isValidationIssue(issue) && issue.allowed).toContain('_ . : / = + - @');
    },
  );
});

describe('parseSecret', () => {
  it.each([
    'DB_PASSWORD=/prod/db/password',
    'TOKEN=/a',
    'TOKEN=/aws/reference/secretsmanager/prod-token',
    'P=arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password',
    'P=arn:aws:ssm:us-east-1:123456789012:parameter/flat-name',
    'P=arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x',
    'P=arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x',
    'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf',
    'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::',
    'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf::AWSPREVIOUS:',
    'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:username:AWSCURRENT:4a9c1d2e-1111-2222-3333-444455556666',
    'S=arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:a+b=c.d@e_f',
  ])('parses %j', (text) => {
    const eq = text.indexOf('=');
    expect(parseSecret(text)).toEqual({ name: text.slice(0, eq), valueFrom: text.slice(eq + 1) });
  });

  it.each([
    ['an SSM name without a leading slash', 'P=prod/db/password', /must start with "\/"/],
    ['an empty reference', 'P=', /empty/],
    ['a wrong account', 'P=arn:aws:ssm:eu-west-1:1234:parameter/x', /12-digit account/],
    ['a missing region', 'P=arn:aws:ssm::123456789012:parameter/x', /12-digit account/],
    ['an SSM ARN without a parameter', 'P=arn:aws:ssm:eu-west-1:123456789012:parameter/', /12-digit account/],
    ['an SSM ARN of another resource', 'P=arn:aws:ssm:eu-west-1:123456789012:document/x', /12-digit account/],
    ['a bad partition', 'P=arn:gcp:ssm:eu-west-1:123456789012:parameter/x', /12-digit account/],
    [
      'a Secrets Manager ARN with two suffix fields',
      'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:a:b',
      /12-digit/,
    ],
    [
      'a Secrets Manager ARN with four suffix fields',
      'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:a:b:c:d',
      /12-digit/,
    ],
    [
      'a Secrets Manager ARN without a name',
      'S=arn:aws:secretsmanager:eu-west-1:123456789012:secret:',
      /12-digit/,
    ],
    ['an S3 ARN', 'S=arn:aws:s3:::bucket/key', /Only SSM Parameter Store and Secrets Manager/],
    ['a space in the parameter name', 'P=/prod/db password', /only letters, digits/],
    ['a bare slash', 'P=/', /only letters, digits/],
  ])('rejects %s', (_label, text, hint) => {
    const issue = parseSecret(text);
    const [name = '', reference = ''] = [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)];
    expect(issue).toMatchObject({ field: '--secret', value: `${name}=<hidden>` });
    if (reference.length > 1) expect(JSON.stringify(issue)).not.toContain(reference);
    expect(isValidationIssue(issue) && issue.allowed).toMatch(/SSM parameter .* or a Secrets Manager ARN/);
    expect(isValidationIssue(issue) && issue.hint).toMatch(hint);
  });

  it('rejects a missing "=", showing nothing of what was given (it may be the secret itself)', () => {
    expect(parseSecret('hunter2')).toMatchObject({ field: '--secret', value: '<hidden>' });
    expect(JSON.stringify(parseSecret('hunter2'))).not.toContain('hunter2');
  });

  it.each([
    ['1X=/a', '<hidden>=<hidden>'],
    ['X-Y=/a', '<hidden>=<hidden>'],
    ['=/a', '<hidden>=<hidden>'],
    ['RUNVOY_TOKEN=/a', 'RUNVOY_TOKEN=<hidden>'],
  ])('rejects the name of %j, showing it only when it is a well-formed name', (text, shown) => {
    expect(parseSecret(text, '-s')).toMatchObject({ field: '-s', value: shown });
  });

  it.each([
    'A=hunter2',
    'A=hunter2 with spaces',
    'hunter2',
    '1A=hunter2',
    'A-B=hunter2',
    'A=/hunter2 x',
    'A=arn:aws:ssm:eu-west-1:1:parameter/hunter2',
    'RUNVOY_X=hunter2',
    'A==hunter2',
  ])('never shows what follows "=" or a malformed name: %j', (text) => {
    const issue = parseSecret(text);
    expect(isValidationIssue(issue)).toBe(true);
    expect(JSON.stringify(issue)).not.toContain('hunter2');
  });
});

describe('findDuplicateNames', () => {
  it.each([
    [[], []],
    [['A', 'B', 'C'], []],
    [['A', 'B', 'A'], ['A']],
    [['A', 'A', 'A'], ['A']],
    [
      ['A', 'B', 'B', 'A'],
      ['B', 'A'],
    ],
    [['a', 'A'], []],
  ])('finds the duplicates in %j', (names, duplicates) => {
    expect(findDuplicateNames(names)).toEqual(duplicates);
  });
});

describe('validateUniqueNames', () => {
  it('accepts distinct names', () => {
    expect(validateUniqueNames(['A', 'B'])).toBeUndefined();
  });

  it('names every duplicate', () => {
    expect(validateUniqueNames(['TOKEN', 'A', 'TOKEN', 'A'])).toEqual({
      field: '--env, --env-file and --secret',
      value: 'TOKEN, A',
      allowed: 'each variable name once',
      hint: 'Set each in one place only.',
    });
    expect(validateUniqueNames(['X', 'X'], '--env')).toMatchObject({
      field: '--env',
      hint: 'Set it in one place only.',
    });
  });
});
