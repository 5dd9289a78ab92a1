import { describe, expect, it } from 'vitest';
import {
  parseConfigValue,
  validateConfigDocument,
  type ConfigRecord,
} from '../../../src/core/config-schema.js';
import { UsageError, type RunvoyError, type ValidationIssue } from '../../../src/core/errors.js';
import { DEFAULTS, resolveSettings, type SettingInputs } from '../../../src/core/settings.js';

function resolve(partial: Partial<SettingInputs> = {}) {
  return resolveSettings({ flags: {}, env: {}, file: {}, ...partial });
}

/** Runs resolveSettings expecting a refusal; returns the UsageError. */
function refusal(partial: Partial<SettingInputs>): UsageError {
  try {
    resolve(partial);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('resolveSettings accepted the inputs');
}

function issuesOf(error: RunvoyError): ValidationIssue[] {
  return (error.data as { issues: ValidationIssue[] }).issues;
}

describe('resolveSettings defaults', () => {
  it('uses the built-in defaults when nothing is given', () => {
    const s = resolve();
    expect(s.cpu).toEqual({ value: 256, source: 'default' });
    expect(s.memory).toEqual({ value: 512, source: 'default' });
    expect(s.arch).toEqual({ value: 'x86_64', source: 'default' });
    expect(s.spot).toEqual({ value: false, source: 'default' });
    expect(s.stack).toEqual({ value: 'runvoy', source: 'default' });
    for (const key of ['image', 'timeout', 'region', 'profile'] as const) {
      expect(s[key]).toEqual({ value: undefined, source: 'default' });
    }
  });

  it('DEFAULTS name stack runvoy (SPEC section 3) and a valid Fargate size', () => {
    expect(DEFAULTS.stack).toBe('runvoy');
    expect(DEFAULTS.cpu).toBe(256);
  });

  it('ignores environment variables of other keys and other tools', () => {
    const s = resolve({ env: { AWS_STACK: 'x', STACK: 'y', RUNVOY_STACKS: 'z', AWS_CPU: '1024' } });
    expect(s.stack.value).toBe('runvoy');
    expect(s.cpu.value).toBe(256);
  });
});

describe('resolveSettings precedence', () => {
  const ALL_REGION_SOURCES: SettingInputs = {
    flags: { region: 'eu-west-1' },
    env: { RUNVOY_REGION: 'eu-west-2', AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'eu-central-1' },
    file: { region: 'ap-south-1' },
  };

  it.each([
    ['the flag', ALL_REGION_SOURCES, 'eu-west-1', 'flag', '--region'],
    ['RUNVOY_REGION', { ...ALL_REGION_SOURCES, flags: {} }, 'eu-west-2', 'env', 'RUNVOY_REGION'],
    [
      'AWS_REGION',
      {
        ...ALL_REGION_SOURCES,
        flags: {},
        env: { AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'eu-central-1' },
      },
      'eu-west-3',
      'env',
      'AWS_REGION',
    ],
    [
      'AWS_DEFAULT_REGION',
      { ...ALL_REGION_SOURCES, flags: {}, env: { AWS_DEFAULT_REGION: 'eu-central-1' } },
      'eu-central-1',
      'env',
      'AWS_DEFAULT_REGION',
    ],
    [
      'the config file',
      { ...ALL_REGION_SOURCES, flags: {}, env: {} },
      'ap-south-1',
      'config',
      'config region',
    ],
    ['nothing', { flags: {}, env: {}, file: {} }, undefined, 'default', undefined],
  ] as const)(
    'region comes from %s when it is the highest source given',
    (_, inputs, value, source, origin) => {
      const s = resolveSettings(inputs as SettingInputs);
      expect(s.region.value).toBe(value);
      expect(s.region.source).toBe(source);
      expect(s.region.origin).toBe(origin);
    },
  );

  it('profile: flag > RUNVOY_PROFILE > AWS_PROFILE > file', () => {
    const file: ConfigRecord = { profile: 'from-file' };
    const env = { RUNVOY_PROFILE: 'runvoy-env', AWS_PROFILE: 'aws-env' };
    expect(resolve({ flags: { profile: 'from-flag' }, env, file }).profile).toMatchObject({
      value: 'from-flag',
      source: 'flag',
    });
    expect(resolve({ env, file }).profile).toMatchObject({ value: 'runvoy-env', origin: 'RUNVOY_PROFILE' });
    expect(resolve({ env: { AWS_PROFILE: 'aws-env' }, file }).profile).toMatchObject({
      value: 'aws-env',
      source: 'env',
      origin: 'AWS_PROFILE',
    });
    expect(resolve({ file }).profile).toMatchObject({ value: 'from-file', source: 'config' });
  });

  it('an empty environment variable counts as unset', () => {
    const s = resolve({
      env: { RUNVOY_REGION: '', AWS_REGION: 'us-west-2', RUNVOY_STACK: '' },
      file: { stack: 'f' },
    });
    expect(s.region).toMatchObject({ value: 'us-west-2', origin: 'AWS_REGION' });
    expect(s.stack).toMatchObject({ value: 'f', source: 'config' });
  });

  it('every key follows flag > RUNVOY_<KEY> > file > default', () => {
    const flags = {
      cpu: 2048,
      memory: 8192,
      arch: 'arm64',
      spot: true,
      stack: 'flag-stack',
      image: 'flag:1',
    };
    const env = {
      RUNVOY_CPU: '1024',
      RUNVOY_MEMORY: '4096',
      RUNVOY_ARCH: 'x86_64',
      RUNVOY_SPOT: 'no',
      RUNVOY_STACK: 'env-stack',
      RUNVOY_IMAGE: 'env:1',
      RUNVOY_TIMEOUT: '2h',
    };
    const file: ConfigRecord = {
      cpu: 512,
      memory: 1024,
      stack: 'file-stack',
      image: 'file:1',
      timeout: '5m',
    };

    const fromFlags = resolve({ flags, env, file });
    for (const [key, value] of Object.entries(flags)) {
      expect(fromFlags[key as keyof typeof flags]).toEqual({ value, source: 'flag', origin: `--${key}` });
    }
    expect(fromFlags.timeout).toEqual({ value: '2h', source: 'env', origin: 'RUNVOY_TIMEOUT' });

    const fromEnv = resolve({ env, file });
    expect(fromEnv.cpu).toEqual({ value: 1024, source: 'env', origin: 'RUNVOY_CPU' });
    expect(fromEnv.memory).toEqual({ value: 4096, source: 'env', origin: 'RUNVOY_MEMORY' });
    expect(fromEnv.spot).toEqual({ value: false, source: 'env', origin: 'RUNVOY_SPOT' });
    expect(fromEnv.stack.value).toBe('env-stack');
    expect(fromEnv.image.value).toBe('env:1');

    const fromFile = resolve({ file });
    expect(fromFile.cpu).toEqual({ value: 512, source: 'config', origin: 'config cpu' });
    expect(fromFile.memory).toEqual({ value: 1024, source: 'config', origin: 'config memory' });
    expect(fromFile.stack.value).toBe('file-stack');
    expect(fromFile.timeout.value).toBe('5m');
    expect(fromFile.arch).toEqual({ value: 'x86_64', source: 'default' });
  });

  it('parses environment text into typed values', () => {
    const s = resolve({ env: { RUNVOY_CPU: ' 4096 ', RUNVOY_MEMORY: '8192', RUNVOY_SPOT: 'YES' } });
    expect(s.cpu.value).toBe(4096);
    expect(s.memory.value).toBe(8192);
    expect(s.spot.value).toBe(true);
  });
});

describe('resolveSettings memory defaulting', () => {
  const SMALLEST: Array<[number, number]> = [
    [256, 512],
    [512, 1024],
    [1024, 2048],
    [2048, 4096],
    [4096, 8192],
    [8192, 16384],
    [16384, 32768],
  ];

  it.each(SMALLEST)('cpu %i from a flag gives memory %i by default', (cpu, memory) => {
    expect(resolve({ flags: { cpu } }).memory).toEqual({ value: memory, source: 'default' });
  });

  it.each(SMALLEST)('cpu %i from RUNVOY_CPU gives memory %i by default', (cpu, memory) => {
    expect(resolve({ env: { RUNVOY_CPU: String(cpu) } }).memory).toEqual({
      value: memory,
      source: 'default',
    });
  });

  it.each(SMALLEST)('cpu %i from the file gives memory %i by default', (cpu, memory) => {
    expect(resolve({ file: { cpu } }).memory).toEqual({ value: memory, source: 'default' });
  });

  it('keeps a given memory that fits the cpu', () => {
    expect(resolve({ flags: { cpu: 1024, memory: 8192 } }).memory).toEqual({
      value: 8192,
      source: 'flag',
      origin: '--memory',
    });
  });
});

describe('resolveSettings refusals', () => {
  it.each([
    ['RUNVOY_CPU', '300'],
    ['RUNVOY_CPU', 'lots'],
    ['RUNVOY_MEMORY', '2GB'],
    ['RUNVOY_ARCH', 'sparc'],
    ['RUNVOY_SPOT', 'maybe'],
    ['RUNVOY_STACK', '1-bad'],
    ['RUNVOY_REGION', 'mars'],
    ['RUNVOY_PROFILE', 'has space'],
    ['RUNVOY_IMAGE', 'Not An Image'],
    ['RUNVOY_TIMEOUT', 'forever'],
    ['AWS_REGION', 'mars'],
    ['AWS_DEFAULT_REGION', 'Moon-1'],
    ['AWS_PROFILE', 'a/b'],
  ])('refuses %s=%j with exit 2, naming the variable and the value', (name, value) => {
    const error = refusal({ env: { [name]: value } });
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('VALIDATION');
    expect(error.what).toContain(name);
    expect(error.what).toContain(JSON.stringify(value));
    expect(issuesOf(error)).toHaveLength(1);
    expect(issuesOf(error)[0]).toMatchObject({ field: name, value });
    expect(issuesOf(error)[0]?.allowed.length).toBeGreaterThan(0);
  });

  it('does not fall back to AWS_REGION when RUNVOY_REGION is bad', () => {
    const error = refusal({ env: { RUNVOY_REGION: 'mars', AWS_REGION: 'us-east-1' } });
    expect(issuesOf(error).map((i) => i.field)).toEqual(['RUNVOY_REGION']);
  });

  // BUG (src/core/settings.ts resolveOne: `if (flag !== undefined) return { value: flag, ... }`): flag
  // values are never checked, and base-command.ts passes the global --region, --stack and --profile
  // strings straight in, so `runvoy doctor --region mars` or `--stack 1-bad` goes to AWS instead of the
  // exit 2 naming the flag that SPEC section 9 asks for. Expected: flag text checked like env text.
  it('refuses a bad --region, --stack or --profile flag, naming the flag', () => {
    const error = refusal({ flags: { region: 'mars', stack: '1-bad', profile: 'has space' } });
    expect(
      issuesOf(error)
        .map((i) => i.field)
        .sort(),
    ).toEqual(['--profile', '--region', '--stack']);
  });

  it('a flag hides a bad environment value', () => {
    expect(resolve({ flags: { region: 'us-east-1' }, env: { RUNVOY_REGION: 'mars' } }).region.value).toBe(
      'us-east-1',
    );
  });

  it('reports every bad variable at once', () => {
    const error = refusal({ env: { RUNVOY_CPU: '300', RUNVOY_ARCH: 'sparc', AWS_REGION: 'mars' } });
    expect(
      issuesOf(error)
        .map((i) => i.field)
        .sort(),
    ).toEqual(['AWS_REGION', 'RUNVOY_ARCH', 'RUNVOY_CPU']);
    expect(error.what).toBe('3 values are not valid.');
    for (const name of ['AWS_REGION', 'RUNVOY_ARCH', 'RUNVOY_CPU']) expect(error.why).toContain(name);
  });

  it.each([
    ['--memory', { flags: { cpu: 1024, memory: 512 } }, '512', 1024],
    ['RUNVOY_MEMORY', { env: { RUNVOY_CPU: '2048', RUNVOY_MEMORY: '2048' } }, '2048', 2048],
    ['config memory', { file: { cpu: 4096, memory: 4096 } }, '4096', 4096],
    ['--memory', { flags: { memory: 4096 } }, '4096', 256],
    ['RUNVOY_MEMORY', { flags: { cpu: 8192 }, env: { RUNVOY_MEMORY: '18432' } }, '18432', 8192],
  ] as const)('refuses a memory that does not fit the cpu, naming %s', (field, inputs, value, cpu) => {
    const error = refusal(inputs as Partial<SettingInputs>);
    expect(error.exitCode).toBe(2);
    expect(issuesOf(error)).toEqual([expect.objectContaining({ field, value })]);
    expect(issuesOf(error)[0]?.allowed).toMatch(new RegExp(`^for cpu ${cpu}: `));
  });

  it('reports a bad cpu without a pair issue on top', () => {
    const error = refusal({ env: { RUNVOY_CPU: '300', RUNVOY_MEMORY: '512' } });
    expect(issuesOf(error).map((i) => i.field)).toEqual(['RUNVOY_CPU']);
  });

  it('reports a bad variable and a bad pair together', () => {
    const error = refusal({ flags: { cpu: 1024, memory: 512 }, env: { RUNVOY_ARCH: 'sparc' } });
    expect(
      issuesOf(error)
        .map((i) => i.field)
        .sort(),
    ).toEqual(['--memory', 'RUNVOY_ARCH']);
  });
});

describe('resolveSettings and the config file', () => {
  // BUG (src/core/settings.ts resolveOne, `inputs.file[key]` returned as is): a stored value that
  // validateConfigDocument accepts is used with its raw JSON type. {"spot": "false"} validates, then
  // resolves to the string 'false' (truthy); {"cpu": "1024"} validates, then resolves to the string
  // '1024' and gets no default memory; {"stack": false} resolves to the boolean false. Expected: file
  // values typed the way parseConfigValue types them (or validateConfigDocument refusing such types).
  it('validateConfigDocument accepts these stored values today (the premise of the next test)', () => {
    expect(validateConfigDocument({ spot: 'false', cpu: '1024', stack: false })).toEqual([]);
  });

  it('resolves a stored value that validates to the typed value parseConfigValue gives', () => {
    const file = { spot: 'false', cpu: '1024', stack: false } as unknown as ConfigRecord;
    const s = resolve({ file });
    expect(s.spot.value).toEqual((parseConfigValue('spot', 'false') as { value: unknown }).value);
    expect(s.cpu.value).toBe(1024);
    expect(s.memory.value).toBe(2048);
    expect(s.stack.value).toBe('false');
  });
});
