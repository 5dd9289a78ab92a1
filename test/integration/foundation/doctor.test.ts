import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { toRunvoyError } from '../../../src/aws/errors.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { runDoctor, type Check, type DoctorInputs } from '../../../src/services/doctor.js';
import { startAwsProxy } from '../../support/aws-proxy.js';
import { motoUrl, resetMoto, TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';
import { DEAD_ENDPOINT, isolatedAwsEnv, patchEnv } from '../../unit/foundation/helpers.js';

let restoreEnv: () => void;
let clients: AwsClients | undefined;

beforeEach(async () => {
  await resetMoto();
  restoreEnv = patchEnv(isolatedAwsEnv({ AWS_ENDPOINT_URL: motoUrl() }), { clearAws: true });
});
afterEach(() => {
  clients?.destroy();
  clients = undefined;
  restoreEnv();
});

function inputs(overrides: Partial<DoctorInputs> = {}): DoctorInputs {
  clients ??= new AwsClients({ region: TEST_REGION });
  return {
    clients,
    configDocument: {},
    configPath: '/tmp/runvoy-test/config.json',
    toRunvoyError,
    ...overrides,
  };
}

function check(checks: Check[], id: string): Check | undefined {
  return checks.find((c) => c.id === id);
}

describe('runDoctor against the emulator', () => {
  it('reports ok, with the account, ARN, region and endpoint', async () => {
    const report = await runDoctor(inputs({ configDocument: { cpu: 1024, memory: 2048, stack: 'runvoy' } }));
    expect(report.ok).toBe(true);
    expect(report.account).toBe(TEST_ACCOUNT);
    expect(report.arn).toMatch(new RegExp(`^arn:aws:sts::${TEST_ACCOUNT}:`));
    expect(report.region).toBe(TEST_REGION);
    expect(report.endpoint).toBe(motoUrl());
    expect(report.checks.map((c) => c.id)).toEqual([
      'config',
      'endpoint',
      'region',
      'credentials',
      'account',
    ]);
    for (const c of report.checks) {
      expect(c.ok).toBe(true);
      expect(c.fix).toBeUndefined();
      expect(c.label.length).toBeGreaterThan(0);
    }
    expect(check(report.checks, 'config')?.detail).toContain('/tmp/runvoy-test/config.json');
    expect(check(report.checks, 'account')?.detail).toBe(TEST_ACCOUNT);
    expect(check(report.checks, 'credentials')?.detail).toBe(report.arn);
    expect(check(report.checks, 'region')?.detail).toBe(TEST_REGION);
  });

  it('sends GetCallerIdentity to the endpoint it reports', async () => {
    const proxy = await startAwsProxy(motoUrl());
    try {
      process.env.AWS_ENDPOINT_URL = proxy.url;
      const report = await runDoctor(inputs());
      expect(report.endpoint).toBe(proxy.url);
      expect(check(report.checks, 'endpoint')?.detail).toBe(proxy.url);
      expect(proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity']);
    } finally {
      await proxy.close();
    }
  });

  it('reports AWS_ENDPOINT_URL_STS as the endpoint when it is set', async () => {
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;
    process.env.AWS_ENDPOINT_URL_STS = motoUrl();
    const report = await runDoctor(inputs());
    expect(report.endpoint).toBe(motoUrl());
    expect(report.ok).toBe(true);
  });

  it('a bad config document fails the config check with a fix, and the other checks still run', async () => {
    const report = await runDoctor(inputs({ configDocument: { cpu: 300, arch: 'sparc', colour: 'blue' } }));
    expect(report.ok).toBe(false);
    const config = check(report.checks, 'config');
    expect(config?.ok).toBe(false);
    for (const field of ['cpu', 'arch', 'colour']) expect(config?.detail).toContain(`${field}:`);
    expect(config?.detail).toContain('"300"');
    expect(config?.fix).toContain('runvoy config');
    expect(check(report.checks, 'credentials')?.ok).toBe(true);
    expect(check(report.checks, 'region')?.ok).toBe(true);
    expect(report.account).toBe(TEST_ACCOUNT);
  });

  it('a config document breaking the cpu/memory pair fails the config check', async () => {
    const report = await runDoctor(inputs({ configDocument: { cpu: 1024, memory: 512 } }));
    expect(check(report.checks, 'config')?.ok).toBe(false);
    expect(check(report.checks, 'config')?.detail).toContain('for cpu 1024');
  });

  // Issue 11: an unreachable endpoint was reported as a credentials failure.
  it('a dead endpoint fails the endpoint check as such, with a fix; credentials are not checked', async () => {
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;
    const report = await runDoctor(inputs({ configDocument: { stack: 'runvoy' } }));
    expect(report.ok).toBe(false);
    expect(report.endpoint).toBe(DEAD_ENDPOINT);
    expect(report.account).toBeUndefined();
    expect(report.region).toBe(TEST_REGION);
    const endpoint = check(report.checks, 'endpoint');
    expect(endpoint?.ok).toBe(false);
    expect(endpoint?.detail).toContain(`${DEAD_ENDPOINT} cannot be reached`);
    expect(endpoint?.detail).toContain('ECONNREFUSED');
    expect(endpoint?.fix).toContain('AWS_ENDPOINT_URL');
    const credentials = check(report.checks, 'credentials');
    expect(credentials?.ok).toBe(false);
    expect(credentials?.detail).toBe(`not checked: the endpoint ${DEAD_ENDPOINT} cannot be reached`);
    expect(check(report.checks, 'account')).toBeUndefined();
    expect(check(report.checks, 'config')?.ok).toBe(true);
  });

  it('a profile that is in no AWS file fails the profile check as such, with a fix', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    clients = new AwsClients({ region: TEST_REGION, profile: 'nope' });
    const report = await runDoctor(
      inputs({ profile: { name: 'nope', from: '--profile' }, profileExists: async () => false }),
    );
    expect(report.ok).toBe(false);
    const profile = check(report.checks, 'profile');
    expect(profile?.ok).toBe(false);
    expect(profile?.detail).toContain('The AWS profile "nope" (from --profile) is not in your AWS config');
    expect(profile?.fix).toContain('aws configure --profile nope');
    expect(check(report.checks, 'credentials')?.detail).toContain('the profile "nope" does not exist');
    expect(report.checks.map((c) => c.id).slice(0, 3)).toEqual(['config', 'profile', 'endpoint']);
  });

  it('a profile that exists passes the profile check', async () => {
    const report = await runDoctor(
      inputs({ profile: { name: 'dev', from: 'AWS_PROFILE' }, profileExists: async () => true }),
    );
    expect(check(report.checks, 'profile')).toMatchObject({ ok: true, detail: 'dev (from AWS_PROFILE)' });
  });

  it('a config file that is not JSON is one failed check with its fix; the others still run', async () => {
    const problem = new RunvoyError({
      what: 'The config file /x/config.json is not a valid runvoy config.',
      why: 'Unexpected end of JSON input',
      fix: 'Fix the file by hand.',
      exitCode: 2,
    });
    const report = await runDoctor(inputs({ configProblem: problem }));
    expect(check(report.checks, 'config')).toMatchObject({
      ok: false,
      detail: 'The config file /x/config.json is not a valid runvoy config. Unexpected end of JSON input',
      fix: 'Fix the file by hand.',
    });
    expect(check(report.checks, 'credentials')?.ok).toBe(true);
  });

  it('no credentials fail the credentials check with a sign-in fix', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const report = await runDoctor(inputs());
    const credentials = check(report.checks, 'credentials');
    expect(credentials?.ok).toBe(false);
    expect(credentials?.detail).toContain('No AWS credentials were found.');
    expect(credentials?.fix).toContain('aws sso login');
  });

  it('no region fails the region check with a fix, and is not ok', async () => {
    clients = new AwsClients({});
    const report = await runDoctor(inputs());
    expect(report.ok).toBe(false);
    expect(report.region).toBeUndefined();
    const region = check(report.checks, 'region');
    expect(region?.ok).toBe(false);
    expect(region?.detail).toContain('No AWS region is set.');
    expect(region?.fix).toContain('--region');
    expect(check(report.checks, 'config')?.ok).toBe(true);
  });

  it('runs the extra checks with the identity and region, and counts them', async () => {
    const seen: unknown[] = [];
    const report = await runDoctor(
      inputs({
        more: async (context) => {
          seen.push(context);
          return [
            { id: 'stack', label: 'Stack', ok: false, detail: 'runvoy not found', fix: 'Run `runvoy init`.' },
          ];
        },
      }),
    );
    expect(seen).toEqual([
      { identity: expect.objectContaining({ account: TEST_ACCOUNT }), region: TEST_REGION },
    ]);
    expect(report.checks.at(-1)).toEqual({
      id: 'stack',
      label: 'Stack',
      ok: false,
      detail: 'runvoy not found',
      fix: 'Run `runvoy init`.',
    });
    expect(report.ok).toBe(false);
  });

  it('an extra check that throws becomes a failed stack check, and the other checks stay', async () => {
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400, requestId: 'x-1', attempts: 1 },
      $fault: 'client',
    });
    const report = await runDoctor(inputs({ more: () => Promise.reject(denied) }));
    expect(report.ok).toBe(false);
    expect(report.account).toBe(TEST_ACCOUNT);
    expect(check(report.checks, 'credentials')?.ok).toBe(true);
    const stack = check(report.checks, 'stack');
    expect(stack?.ok).toBe(false);
    expect(stack?.detail).toContain('was denied (request ID x-1)');
    expect(stack?.detail).toContain('AccessDeniedException: not authorized');
    expect(stack?.fix).toBe(toRunvoyError(denied).fix);
  });

  it('does not run the extra checks without an identity', async () => {
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;
    let called = false;
    const report = await runDoctor(
      inputs({
        more: async () => {
          called = true;
          return [];
        },
      }),
    );
    expect(called).toBe(false);
    expect(report.ok).toBe(false);
  });
});
