import { describe, expect, it } from 'vitest';
import {
  checkSizePair,
  CONFIG_KEY_NAMES,
  CONFIG_KEYS,
  envVarFor,
  isConfigKey,
  parseConfigValue,
  unknownKeyIssue,
  validateConfigDocument,
  type ConfigKey,
  type ConfigValue,
} from '../../../src/core/config-schema.js';

const DIGEST = 'a'.repeat(64);

/** For each key: texts that parse (with the typed value they give) and texts that are refused. */
const TABLE: Record<ConfigKey, { accepted: Array<[string, ConfigValue]>; refused: string[] }> = {
  image: {
    accepted: [
      ['alpine', 'alpine'],
      ['alpine:3.20', 'alpine:3.20'],
      ['public.ecr.aws/docker/library/alpine:3.20', 'public.ecr.aws/docker/library/alpine:3.20'],
      ['ghcr.io/org/app:v1.2', 'ghcr.io/org/app:v1.2'],
      ['localhost:5000/team/app', 'localhost:5000/team/app'],
      [
        `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:${DIGEST}`,
        `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:${DIGEST}`,
      ],
    ],
    refused: ['', 'Alpine', 'alpine:', 'al pine', 'ghcr.io//app', 'alpine@sha256:abc', 'alpine:-bad'],
  },
  cpu: {
    accepted: [
      ['256', 256],
      ['512', 512],
      ['1024', 1024],
      ['2048', 2048],
      ['4096', 4096],
      ['8192', 8192],
      ['16384', 16384],
      [' 1024 ', 1024],
    ],
    refused: ['', '300', '0', '-256', '1024.0', '1e3', '0x400', 'abc', '1 024', '32768'],
  },
  memory: {
    accepted: [
      ['512', 512],
      ['2048', 2048],
      ['30720', 30720],
      ['122880', 122880],
    ],
    refused: ['', '-1', '1.5', 'abc', '2GB', '2 048'],
  },
  arch: {
    accepted: [
      ['x86_64', 'x86_64'],
      ['arm64', 'arm64'],
    ],
    refused: ['', 'amd64', 'aarch64', 'X86_64', 'ARM64', ' arm64', 'x86'],
  },
  timeout: {
    accepted: [
      ['90s', '90s'],
      ['30m', '30m'],
      ['2h', '2h'],
      ['1h30m', '1h30m'],
      ['1d', '1d'],
      ['45', '45'],
    ],
    refused: ['', '0', '0s', 'abc', '5x', '-5m', 'abc5m', 'm'],
  },
  spot: {
    accepted: [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      [' on ', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ],
    refused: ['', 'maybe', '2', 'y', 'n', 'enabled'],
  },
  stack: {
    accepted: [
      ['runvoy', 'runvoy'],
      ['My-Stack-2', 'My-Stack-2'],
      ['a', 'a'],
      ['a'.repeat(128), 'a'.repeat(128)],
    ],
    refused: ['', '1stack', '-stack', 'my_stack', 'my stack', 'stack.name', 'a'.repeat(129)],
  },
  region: {
    accepted: [
      ['us-east-1', 'us-east-1'],
      ['eu-west-3', 'eu-west-3'],
      ['ap-southeast-2', 'ap-southeast-2'],
      ['us-gov-west-1', 'us-gov-west-1'],
      ['cn-north-1', 'cn-north-1'],
      ['us-iso-east-1', 'us-iso-east-1'],
      ['us-isob-east-1', 'us-isob-east-1'],
    ],
    refused: ['', 'mars', 'US-EAST-1', 'us-east', 'us_east_1', 'useast1', ' us-east-1', 'us-east-1a'],
  },
  profile: {
    accepted: [
      ['default', 'default'],
      ['prod.admin', 'prod.admin'],
      ['me@corp', 'me@corp'],
      ['a+b', 'a+b'],
      ['team_1-x', 'team_1-x'],
      ['p'.repeat(128), 'p'.repeat(128)],
    ],
    refused: ['', 'has space', 'a/b', 'x:y', 'p'.repeat(129)],
  },
  'budget.perRun': {
    accepted: [
      ['0.01', 0.01],
      ['25', 25],
      ['$12.50', 12.5],
      [' 100 ', 100],
      ['0.000001', 0.000001],
    ],
    refused: ['', '0', '0.00', '-1', 'abc', '1e3', '1,000', '0.0000001', '12.', 'Infinity'],
  },
  'budget.monthly': {
    accepted: [
      ['0.01', 0.01],
      ['25', 25],
      ['$12.50', 12.5],
      [' 100 ', 100],
      ['0.000001', 0.000001],
    ],
    refused: ['', '0', '0.00', '-1', 'abc', '1e3', '1,000', '0.0000001', '12.', 'Infinity'],
  },
  'budget.perUser': {
    accepted: [
      ['0.01', 0.01],
      ['25', 25],
      ['$12.50', 12.5],
      [' 100 ', 100],
      ['0.000001', 0.000001],
    ],
    refused: ['', '0', '0.00', '-1', 'abc', '1e3', '1,000', '0.0000001', '12.', 'Infinity'],
  },
  spotDiscount: {
    accepted: [
      ['0.7', 0.7],
      ['0', 0],
      ['0.95', 0.95],
      ['.5', 0.5],
    ],
    refused: ['', '0.96', '1', '-0.1', '70%', 'abc', '70'],
  },
  'aws.timeout': {
    accepted: [
      ['60s', '60s'],
      ['1s', '1s'],
      ['5m', '5m'],
      ['1h', '1h'],
      ['90', '90'],
      [' 2m30s ', '2m30s'],
    ],
    refused: ['', '0', '0s', '500ms', '61m', '2h', 'abc', '-5s', '5x'],
  },
};

describe('CONFIG_KEYS', () => {
  it('has exactly the documented keys, each with a description and an allowed text', () => {
    expect([...CONFIG_KEY_NAMES].sort()).toEqual(
      [
        'arch',
        'aws.timeout',
        'budget.monthly',
        'budget.perRun',
        'budget.perUser',
        'cpu',
        'image',
        'memory',
        'profile',
        'region',
        'spot',
        'spotDiscount',
        'stack',
        'timeout',
      ].sort(),
    );
    for (const key of CONFIG_KEY_NAMES) {
      expect(CONFIG_KEYS[key].description.length).toBeGreaterThan(0);
      expect(CONFIG_KEYS[key].allowed.length).toBeGreaterThan(0);
    }
  });

  it('the table of this test covers every key', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...CONFIG_KEY_NAMES].sort());
  });
});

describe('parseConfigValue', () => {
  for (const key of Object.keys(TABLE) as ConfigKey[]) {
    describe(key, () => {
      it.each(TABLE[key].accepted)('accepts %j as %j', (text, expected) => {
        expect(parseConfigValue(key, text)).toEqual({ value: expected });
      });

      it.each(TABLE[key].refused.map((text) => [text]))(
        'refuses %j, naming the key and what is allowed',
        (text) => {
          expect(parseConfigValue(key, text)).toEqual({
            issue: { field: key, value: text, allowed: CONFIG_KEYS[key].allowed },
          });
        },
      );
    });
  }

  it('names the given field (a flag or an env var) instead of the key', () => {
    const result = parseConfigValue('cpu', '300', 'RUNVOY_CPU');
    expect(result).toEqual({
      issue: { field: 'RUNVOY_CPU', value: '300', allowed: CONFIG_KEYS.cpu.allowed },
    });
  });

  it('lists every Fargate CPU value as allowed for cpu', () => {
    expect(CONFIG_KEYS.cpu.allowed).toBe('256, 512, 1024, 2048, 4096, 8192, 16384');
  });
});

describe('isConfigKey', () => {
  it.each(CONFIG_KEY_NAMES.map((k) => [k]))('knows %s', (key) => {
    expect(isConfigKey(key)).toBe(true);
  });

  it.each([['colour'], ['CPU'], ['constructor'], ['__proto__'], ['toString'], ['hasOwnProperty'], ['']])(
    'does not take %j for a key',
    (key) => {
      expect(isConfigKey(key)).toBe(false);
    },
  );
});

describe('envVarFor', () => {
  it.each(CONFIG_KEY_NAMES.map((k) => [k]))('maps %s to RUNVOY_<KEY>', (key) => {
    expect(envVarFor(key)).toBe(`RUNVOY_${key.toUpperCase().replace('.', '_')}`);
  });

  it('turns the dot of a dotted key into an underscore', () => {
    expect(envVarFor('budget.perRun')).toBe('RUNVOY_BUDGET_PERRUN');
    expect(envVarFor('budget.monthly')).toBe('RUNVOY_BUDGET_MONTHLY');
    expect(envVarFor('budget.perUser')).toBe('RUNVOY_BUDGET_PERUSER');
    expect(envVarFor('spotDiscount')).toBe('RUNVOY_SPOTDISCOUNT');
    expect(envVarFor('aws.timeout')).toBe('RUNVOY_AWS_TIMEOUT');
  });

  it('gives RUNVOY_STACK for stack (SPEC section 3)', () => {
    expect(envVarFor('stack')).toBe('RUNVOY_STACK');
  });
});

describe('unknownKeyIssue', () => {
  it('names the key and lists every known key', () => {
    const issue = unknownKeyIssue('colour');
    expect(issue.field).toBe('key');
    expect(issue.value).toBe('colour');
    for (const key of CONFIG_KEY_NAMES) expect(issue.allowed).toContain(key);
  });
});

describe('checkSizePair', () => {
  it('accepts a valid pair and ignores pairs it cannot judge', () => {
    expect(checkSizePair(1024, 2048)).toBeUndefined();
    expect(checkSizePair(undefined, 2048)).toBeUndefined();
    expect(checkSizePair(1024, undefined)).toBeUndefined();
    expect(checkSizePair(300, 2048)).toBeUndefined();
    expect(checkSizePair('1024', 512)).toBeUndefined();
  });

  it('refuses memory that does not fit the cpu, naming the memory field and the allowed range', () => {
    expect(checkSizePair(1024, 512, '--memory')).toEqual({
      field: '--memory',
      value: '512',
      allowed: 'for cpu 1024: 2048 to 8192 in steps of 1024',
    });
    expect(checkSizePair(256, 4096)?.allowed).toBe('for cpu 256: 512, 1024 to 2048 in steps of 1024');
  });
});

describe('validateConfigDocument', () => {
  it('accepts an empty document', () => {
    expect(validateConfigDocument({})).toEqual([]);
  });

  it('accepts a full document of typed values', () => {
    expect(
      validateConfigDocument({
        image: 'alpine:3.20',
        cpu: 2048,
        memory: 4096,
        arch: 'arm64',
        timeout: '30m',
        spot: true,
        stack: 'runvoy',
        region: 'eu-west-1',
        profile: 'prod',
      }),
    ).toEqual([]);
  });

  for (const key of Object.keys(TABLE) as ConfigKey[]) {
    it.each(TABLE[key].refused.map((text) => [text]))(`refuses a stored ${key} of %j`, (text) => {
      expect(validateConfigDocument({ [key]: text })).toEqual([
        { field: key, value: text, allowed: CONFIG_KEYS[key].allowed },
      ]);
    });
  }

  it('names each unknown key, with the known keys as allowed', () => {
    const issues = validateConfigDocument({ colour: 'blue', cpu: 1024, Region: 'us-east-1' });
    expect(issues.map((i) => i.field).sort()).toEqual(['Region', 'colour']);
    const colour = issues.find((i) => i.field === 'colour');
    expect(colour?.value).toBe('colour');
    expect(colour?.allowed).toBe(CONFIG_KEY_NAMES.join(', '));
  });

  it.each<[string, unknown, string]>([
    ['cpu', null, 'null'],
    ['cpu', [1024], '[1024]'],
    ['cpu', { value: 1024 }, '{"value":1024}'],
    ['spot', null, 'null'],
    ['region', ['us-east-1'], '["us-east-1"]'],
    ['image', { name: 'alpine' }, '{"name":"alpine"}'],
  ])('refuses %s holding the JSON value %j, shown as JSON', (key, value, shown) => {
    const issues = validateConfigDocument({ [key]: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: key, value: shown });
  });

  it.each<[string, unknown]>([
    ['cpu', true],
    ['cpu', 1024.5],
    ['cpu', -256],
    ['memory', -512],
    ['arch', 64],
    ['region', 1],
    ['stack', 12],
    ['spot', 2],
  ])('refuses %s holding the wrong JSON type %j', (key, value) => {
    const issues = validateConfigDocument({ [key]: value });
    expect(issues).toEqual([
      { field: key, value: String(value), allowed: CONFIG_KEYS[key as ConfigKey].allowed },
    ]);
  });

  it('applies the cpu/memory pair rule, naming memory and the allowed memories for that cpu', () => {
    expect(validateConfigDocument({ cpu: 1024, memory: 512 })).toEqual([
      { field: 'memory', value: '512', allowed: 'for cpu 1024: 2048 to 8192 in steps of 1024' },
    ]);
    expect(validateConfigDocument({ cpu: 8192, memory: 20480 })).toEqual([]);
    expect(validateConfigDocument({ cpu: 8192, memory: 18432 })).toHaveLength(1);
  });

  it('applies the pair rule to numbers written as strings too', () => {
    expect(validateConfigDocument({ cpu: '2048', memory: '4096' })).toEqual([]);
    expect(validateConfigDocument({ cpu: '2048', memory: '1024' })).toEqual([
      { field: 'memory', value: '1024', allowed: 'for cpu 2048: 4096 to 16384 in steps of 1024' },
    ]);
  });

  it('reports a bad cpu once, without a pair issue on top', () => {
    expect(validateConfigDocument({ cpu: 300, memory: 512 })).toEqual([
      { field: 'cpu', value: '300', allowed: CONFIG_KEYS.cpu.allowed },
    ]);
  });

  it('reports every bad key of a hand-broken file at once', () => {
    const issues = validateConfigDocument({
      cpu: 300,
      arch: 'sparc',
      spot: 'maybe',
      region: 'mars',
      colour: 'x',
    });
    expect(issues.map((i) => i.field).sort()).toEqual(['arch', 'colour', 'cpu', 'region', 'spot']);
  });

  // BUG (src/core/config-schema.ts validateConfigDocument / checkSizePair): the pair rule is skipped when
  // the document has memory but no cpu, although every command then uses the default cpu 256
  // (core/settings DEFAULTS). `runvoy config set memory 4096` on an empty file is accepted, and from then
  // on resolveSettings throws "config memory: "4096" is not valid. Allowed: for cpu 256: ..." in every
  // command. Expected: the memory is checked against the default cpu, as resolveSettings does.
  it('checks memory against the default cpu 256 when the document has no cpu', () => {
    expect(validateConfigDocument({ memory: 4096 })).toEqual([
      { field: 'memory', value: '4096', allowed: 'for cpu 256: 512, 1024 to 2048 in steps of 1024' },
    ]);
  });
});
