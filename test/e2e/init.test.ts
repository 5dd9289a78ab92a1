import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsProxy, type AwsProxy } from '../support/aws-proxy.js';
import { isolatedEnv, newConfigDir, runCli, type CliResult, jsonResult } from '../support/cli.js';
import { motoUrl, resetMoto, TEST_ACCOUNT, TEST_REGION } from '../support/moto.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The outputs the CLI reads from the stack (templates/runvoy.yaml), as describe-stacks shows them. */
const OUTPUT_KEYS = [
  'TemplateVersion',
  'ClusterName',
  'ClusterArn',
  'TableName',
  'LogGroupName',
  'ExecutionRoleArn',
  'TaskRoleArn',
  'SchedulerRoleArn',
  'SubnetIds',
  'SecurityGroupId',
  'AssignPublicIp',
  'RetainData',
];

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: clean, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ stdout, stderr, exitCode: code ?? -1 }));
  });
}

interface DescribedStack {
  StackStatus: string;
  Outputs?: Array<{ OutputKey: string; OutputValue: string }>;
}

/** `aws --endpoint-url URL cloudformation describe-stacks --stack-name runvoy`, with the AWS CLI on PATH. */
async function awsDescribeStacks(): Promise<{ result: CliResult; stack: DescribedStack | undefined }> {
  const result = await run(
    'aws',
    [
      '--endpoint-url',
      motoUrl(),
      'cloudformation',
      'describe-stacks',
      '--stack-name',
      'runvoy',
      '--output',
      'json',
    ],
    isolatedEnv(),
  );
  const stack = result.exitCode === 0 ? (JSON.parse(result.stdout).Stacks?.[0] as DescribedStack) : undefined;
  return { result, stack };
}

function outputsOf(stack: DescribedStack | undefined): Record<string, string> {
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
}

let proxy: AwsProxy;
beforeAll(async () => {
  proxy = await startAwsProxy(motoUrl());
});
afterAll(async () => proxy.close());
beforeEach(async () => {
  await resetMoto();
  proxy.requests.length = 0;
});

/** The CLI, its AWS requests going through the recording proxy, with one config directory per test. */
function cli(configDir: string) {
  return (...args: string[]) => runCli(args, { configDir, env: { AWS_ENDPOINT_URL: proxy.url } });
}

describe('runvoy init / destroy against the emulator (the issue\'s "Must show")', () => {
  it('`init --yes` exits 0, prints the outputs, and describe-stacks shows the stack with its outputs', async () => {
    const runvoy = cli(newConfigDir());
    const init = await runvoy('init', '--yes');
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr).toContain(`Account ${TEST_ACCOUNT}`);
    expect(init.stderr).toContain(`Region  ${TEST_REGION}`);
    expect(init.stderr).toContain('+ Add');
    expect(init.stderr).toMatch(/Plan: \d+ to add, 0 to modify, 0 to remove\./);
    expect(init.stderr).toContain('Stack "runvoy" created');

    const { result, stack } = await awsDescribeStacks();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(stack?.StackStatus).toMatch(/_COMPLETE$/);
    const outputs = outputsOf(stack);
    for (const key of OUTPUT_KEYS) expect(outputs[key], key).toBeDefined();
    expect(outputs.TemplateVersion).toBe('1');
    // One output per line, values aligned after the longest name.
    expect(init.stdout).toMatch(new RegExp(`^clusterName {2,}${outputs.ClusterName}$`, 'm'));
    expect(init.stdout).toMatch(new RegExp(`^tableName {2,}${outputs.TableName}$`, 'm'));
    const valueColumns = new Set(
      init.stdout
        .split('\n')
        .filter((line) => /^[a-zA-Z]+ {2,}\S/.test(line))
        .map((line) => line.search(/ {2,}\S/) + (/ {2,}/.exec(line)?.[0].length ?? 0)),
    );
    expect(valueColumns.size).toBe(1);
  });

  // BUG (the "Must show" says CREATE_COMPLETE): src/services/init.ts deployStack re-applies
  // the stack with UpdateStack after moto executes a CREATE change set (reflectsChange/reapply, the
  // workaround for moto's missing outputs), so on the emulator describe-stacks shows UPDATE_COMPLETE
  // after the very first `runvoy init --yes`, while `init --json` still reports status CREATE_COMPLETE.
  it('`init --yes` leaves the stack in CREATE_COMPLETE', async () => {
    const init = await cli(newConfigDir())('init', '--yes');
    expect(init.exitCode).toBe(0);
    const { stack } = await awsDescribeStacks();
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('a second `init --yes` exits 0 and says the stack is up to date', async () => {
    const runvoy = cli(newConfigDir());
    expect((await runvoy('init', '--yes')).exitCode).toBe(0);
    proxy.requests.length = 0;
    const again = await runvoy('init', '--yes');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('Stack "runvoy" is up to date (template version 1): nothing to change.');
    expect(again.stderr).not.toContain('Changes:');
    expect(proxy.requests.map((r) => r.operation)).not.toContain('CreateChangeSet');
    expect(proxy.requests.map((r) => r.operation)).not.toContain('UpdateStack');
  });

  it('`destroy --yes` exits 0 and the stack is gone (stack on the default VPC)', async () => {
    const runvoy = cli(newConfigDir());
    expect((await runvoy('init', '--yes', '--vpc', 'default')).exitCode).toBe(0);
    const destroy = await runvoy('destroy', '--yes');
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect(destroy.stdout).toContain(`Stack "runvoy" deleted from ${TEST_REGION}.`);
    const { result } = await awsDescribeStacks();
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('does not exist');
  });

  // BUG (blocks the "Must show" `runvoy destroy --yes` exits 0): with a plain `runvoy init` (a new VPC)
  // moto 5.2.1 fails DeleteStack with "DependencyViolation: The vpc vpc-... has dependencies and cannot
  // be deleted" (it cannot delete the stack's InternetGateway/VPCGatewayAttachment/RouteTable/Route), and
  // src/services/destroy.ts passes the error on: exit 1. See test/integration/stack/destroy.test.ts.
  it('`destroy --yes` exits 0 and the stack is gone (stack made by a plain `init --yes`)', async () => {
    const runvoy = cli(newConfigDir());
    expect((await runvoy('init', '--yes')).exitCode).toBe(0);
    const destroy = await runvoy('destroy', '--yes');
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    expect((await awsDescribeStacks()).result.exitCode).not.toBe(0);
  });

  it('`init` without --yes and without a TTY exits 2, says to pass --yes, and sends nothing', async () => {
    const init = await cli(newConfigDir())('init');
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toContain('--yes');
    expect(init.stderr).toContain('Nothing was sent to AWS');
    expect(proxy.requests).toEqual([]);
  });

  it('`destroy` without --yes and without a TTY exits 2, says to pass --yes, and sends nothing', async () => {
    const destroy = await cli(newConfigDir())('destroy');
    expect(destroy.exitCode).toBe(2);
    expect(destroy.stderr).toContain('--yes');
    expect(proxy.requests).toEqual([]);
  });

  it('a command that needs the stack (`locks list`), run before init, exits 4 and says to run `runvoy init`', async () => {
    const runvoy = cli(newConfigDir());
    const locks = await runvoy('locks', 'list');
    expect(locks.exitCode).toBe(4);
    expect(locks.stderr).toContain('Run `runvoy init`');

    const json = await runvoy('locks', 'list', '--json');
    expect(json.exitCode).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      error: { code: 'STACK_NOT_FOUND', exitCode: 4 },
    });
  });

  it('`init --json --yes` prints one JSON document with the outputs, and nothing else on stdout', async () => {
    const init = await cli(newConfigDir())('init', '--json', '--yes');
    expect(init.exitCode, init.stderr).toBe(0);
    const document = jsonResult(init.stdout);
    expect(document).toMatchObject({
      stackName: 'runvoy',
      region: TEST_REGION,
      account: TEST_ACCOUNT,
      action: 'created',
      templateVersion: '1',
    });
    const outputs = outputsOf((await awsDescribeStacks()).stack);
    expect(document.outputs).toMatchObject({
      clusterName: outputs.ClusterName,
      clusterArn: outputs.ClusterArn,
      tableName: outputs.TableName,
      logGroupName: outputs.LogGroupName,
      subnetIds: outputs.SubnetIds?.split(','),
      securityGroupId: outputs.SecurityGroupId,
      retainData: false,
    });
  });

  it('`init --subnets bad` exits 2 naming --subnets, and sends no request', async () => {
    const init = await cli(newConfigDir())('init', '--yes', '--subnets', 'bad');
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toContain('--subnets');
    expect(init.stderr).toContain('"bad"');
    expect(proxy.requests).toEqual([]);
  });

  it('`init --log-retention 8` exits 2 naming the flag and the allowed values, and sends no request', async () => {
    const init = await cli(newConfigDir())('init', '--yes', '--log-retention', '8');
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toContain('--log-retention');
    expect(init.stderr).toContain('1, 3, 5, 7, 14, 30');
    expect(proxy.requests).toEqual([]);
  });

  // BUG: src/aws/network.ts vpcOfSubnets: DescribeSubnets fails with InvalidSubnetID.NotFound for an
  // unknown subnet (it does not just leave it out), so the CLI prints the raw EC2 error and exits 1
  // instead of its "Subnets not found" usage error (BAD_SUBNETS, exit 2).
  it('`init --subnets <a subnet that does not exist>` exits 2', async () => {
    const init = await cli(newConfigDir())('init', '--yes', '--subnets', 'subnet-0123456789abcdef0');
    expect(init.stderr).toContain('subnet-0123456789abcdef0');
    expect(init.exitCode).toBe(2);
  });
});

describe('the template', () => {
  it('`cfn-lint templates/runvoy.yaml` reports nothing', async () => {
    const lint = await run('cfn-lint', ['templates/runvoy.yaml'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.exitCode).toBe(0);
  });
});
