import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.js';
import { newConfigDir, runCli, jsonResult } from '../support/cli.js';
import { motoUrl, resetMoto, TEST_ACCOUNT } from '../support/moto.js';

describe('the CLI skeleton', () => {
  it('prints its version', async () => {
    const result = await runCli(['--version'], { emulator: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^runvoy\/\d+\.\d+\.\d+ \S+ node-v\d+/);
  });

  it('prints help with its topics and commands', async () => {
    const result = await runCli(['--help'], { emulator: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('USAGE');
    expect(result.stdout).toContain('config');
    expect(result.stdout).toContain('doctor');
  });

  it('exits 2 on an unknown flag and names it', async () => {
    const result = await runCli(['doctor', '--nope'], { emulator: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--nope');
  });
});

describe('runvoy config', () => {
  it('refuses cpu 300 with exit 2, names the key, the value and the allowed values, and writes nothing', async () => {
    const dir = newConfigDir();
    expect(
      (await runCli(['config', 'set', 'cpu', '1024'], { configDir: dir, emulator: false })).exitCode,
    ).toBe(0);
    const before = readFileSync(join(dir, 'config.json'), 'utf8');
    const result = await runCli(['config', 'set', 'cpu', '300'], { configDir: dir, emulator: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cpu');
    expect(result.stderr).toContain('"300"');
    expect(result.stderr).toContain('256, 512, 1024, 2048, 4096, 8192, 16384');
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(before);
  });

  it('writes the file with mode 0600', async () => {
    const dir = newConfigDir();
    await runCli(['config', 'set', 'region', 'eu-west-1'], { configDir: dir, emulator: false });
    const { statSync } = await import('node:fs');
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('reports where each value comes from: flag > env > file > default', async () => {
    const dir = newConfigDir();
    await runCli(['config', 'set', 'stack', 'from-file'], { configDir: dir, emulator: false });
    const fromFile = await runCli(['config', 'get', 'stack', '--json'], { configDir: dir, emulator: false });
    expect(jsonResult(fromFile.stdout)).toMatchObject({ key: 'stack', value: 'from-file', source: 'config' });
    const fromEnv = await runCli(['config', 'get', 'stack', '--json'], {
      configDir: dir,
      emulator: false,
      env: { RUNVOY_STACK: 'from-env' },
    });
    expect(jsonResult(fromEnv.stdout)).toMatchObject({ value: 'from-env', source: 'env' });
    const fromFlag = await runCli(['config', 'get', 'stack', '--stack', 'from-flag', '--json'], {
      configDir: dir,
      emulator: false,
      env: { RUNVOY_STACK: 'from-env' },
    });
    expect(jsonResult(fromFlag.stdout)).toMatchObject({ value: 'from-flag', source: 'flag' });
  });

  it('validate names each bad key of a hand-broken file and exits non-zero', async () => {
    const dir = newConfigDir();
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ cpu: 300, arch: 'sparc', spot: 'maybe', region: 'mars', colour: 'blue' }),
    );
    const result = await runCli(['config', 'validate'], { configDir: dir, emulator: false });
    expect(result.exitCode).toBe(2);
    for (const key of ['cpu', 'arch', 'spot', 'region', 'colour']) expect(result.stdout).toContain(`${key}:`);
    const json = await runCli(['config', 'validate', '--json'], { configDir: dir, emulator: false });
    expect(json.exitCode).toBe(2);
    expect(
      jsonResult(json.stdout)
        .issues.map((i: { field: string }) => i.field)
        .sort(),
    ).toEqual(['arch', 'colour', 'cpu', 'region', 'spot']);
  });

  it('validate passes on a good file', async () => {
    const dir = newConfigDir();
    await runCli(['config', 'set', 'cpu', '2048'], { configDir: dir, emulator: false });
    await runCli(['config', 'set', 'memory', '4096'], { configDir: dir, emulator: false });
    const result = await runCli(['config', 'validate'], { configDir: dir, emulator: false });
    expect(result.exitCode).toBe(0);
  });
});

describe('runvoy doctor against the emulator', () => {
  let proxy: AwsProxy;
  beforeAll(async () => {
    proxy = await startAwsProxy(motoUrl());
  });
  afterAll(async () => proxy.close());
  beforeEach(async () => {
    await resetMoto();
    proxy.requests.length = 0;
  });

  it('reports account 123456789012 in JSON', async () => {
    const result = await runCli(['doctor', '--json'], { env: { AWS_ENDPOINT_URL: proxy.url } });
    const report = jsonResult(result.stdout);
    expect(report.account).toBe(TEST_ACCOUNT);
    expect(report.region).toBe('us-east-1');
    expect(report.endpoint).toBe(proxy.url);
    expect(proxy.requests.map((r) => r.operation)).toContain('GetCallerIdentity');
  });

  it('says how to fix an unreachable endpoint and exits 1', async () => {
    const result = await runCli(['doctor'], { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✖ Credentials/);
    expect(result.stdout).toContain('fix:');
  });

  it('prints each AWS call with its duration and request ID under --debug, on stderr', async () => {
    const result = await runCli(['doctor', '--debug'], { env: { AWS_ENDPOINT_URL: proxy.url } });
    expect(result.stderr).toMatch(/\[aws\] STS GetCallerIdentity \d+ms requestId=\S+/);
  });

  it('shows no SDK Node-version notice without --debug', async () => {
    const result = await runCli(['doctor'], { env: { AWS_ENDPOINT_URL: proxy.url } });
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });
});
