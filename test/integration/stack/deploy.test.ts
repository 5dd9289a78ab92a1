import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetTemplateCommand, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTemplate, TEMPLATE_VERSION } from '../../../src/aws/stack-template.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { parseStackOutputs } from '../../../src/core/stack-outputs.js';
import { requireStack } from '../../../src/services/stack-context.js';
import { sdkConfig, TEST_ACCOUNT, TEST_REGION } from '../../support/moto.js';
import {
  deploy,
  directCfn,
  openSession,
  outputsOf,
  parametersOf,
  stackInEmulator,
  type StackSession,
} from './helpers.js';

let session: StackSession;
beforeEach(async () => {
  session = await openSession();
});
afterEach(async () => {
  await session.close();
});

async function changeSetsOf(stackName = 'runvoy') {
  const cfn = directCfn();
  try {
    return (await cfn.send(new ListChangeSetsCommand({ StackName: stackName }))).Summaries ?? [];
  } finally {
    cfn.destroy();
  }
}

async function defaultVpc(): Promise<{ vpcId: string; subnetIds: string[] }> {
  const ec2 = new EC2Client(sdkConfig());
  try {
    const vpcs = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
    );
    const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? '';
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    return { vpcId, subnetIds: (subnets.Subnets ?? []).map((s) => s.SubnetId ?? '').sort() };
  } finally {
    ec2.destroy();
  }
}

describe('deployStack against the emulator: create', () => {
  it('creates the stack (CREATE_COMPLETE) with every output the CLI needs, and says who and where first', async () => {
    const { result, record } = await deploy(session);
    const stack = await stackInEmulator();
    expect(stack?.StackStatus).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
    expect(result).toMatchObject({
      action: 'created',
      status: 'CREATE_COMPLETE',
      account: TEST_ACCOUNT,
      region: TEST_REGION,
      stackName: 'runvoy',
      templateVersion: TEMPLATE_VERSION,
      parameterChanges: [],
    });
    expect(record.contexts).toEqual([
      {
        account: TEST_ACCOUNT,
        arn: expect.stringContaining(TEST_ACCOUNT),
        region: TEST_REGION,
        stackName: 'runvoy',
        exists: false,
      },
    ]);
    const outputs = outputsOf(stack);
    expect(outputs.TemplateVersion).toBe(TEMPLATE_VERSION);
    expect(result.outputs).toEqual(parseStackOutputs('runvoy', outputs));
    expect(result.outputs?.logGroupName).toBe('/runvoy/runvoy');
    expect(result.outputs?.subnetIds).toHaveLength(2);
    expect(result.outputs?.assignPublicIp).toBe('ENABLED');
    expect(result.outputs?.retainData).toBe(false);
    expect(parametersOf(stack)).toMatchObject({
      NetworkMode: 'new',
      LogRetentionDays: '30',
      RetainData: 'false',
    });
  });

  it('shows the change set before applying it: one Add per resource', async () => {
    const { record } = await deploy(session);
    expect(record.changeSets).toHaveLength(1);
    const added = record.changeSets[0]?.changes
      .filter((c) => c.action === 'Add')
      .map((c) => `${c.logicalId} ${c.resourceType}`);
    expect(added).toEqual(
      expect.arrayContaining([
        'Cluster AWS::ECS::Cluster',
        'Table AWS::DynamoDB::Table',
        'LogGroup AWS::Logs::LogGroup',
        'ExecutionRole AWS::IAM::Role',
        'TaskRole AWS::IAM::Role',
        'SchedulerRole AWS::IAM::Role',
      ]),
    );
    // A create is reviewed through its change set and carried out by CreateStack of the same template
    // and parameters (see deployStack), so the placeholder of a declined create never lingers.
    expect(session.count('CreateChangeSet')).toBe(1);
    expect(session.count('ExecuteChangeSet')).toBe(0);
    expect(session.count('CreateStack')).toBe(1);
    expect(record.events.map((e) => e.status)).toContain('CREATE_COMPLETE');
  });

  it('makes the table with its keys and the four indexes of the data model, on demand', async () => {
    const { result } = await deploy(session);
    const dynamo = new DynamoDBClient(sdkConfig());
    try {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: result.outputs?.tableName }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      const indexes = Object.fromEntries(
        (Table?.GlobalSecondaryIndexes ?? []).map((i) => [
          i.IndexName,
          i.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`),
        ]),
      );
      expect(indexes).toEqual({
        byKind: ['kindPk:HASH', 'kindSk:RANGE'],
        byUser: ['userPk:HASH', 'userSk:RANGE'],
        active: ['activePk:HASH', 'activeSk:RANGE'],
        byIdPrefix: ['idPk:HASH', 'idSk:RANGE'],
      });
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.DeletionProtectionEnabled).toBe(false);
    } finally {
      dynamo.destroy();
    }
  });

  it('makes the cluster that the outputs name', async () => {
    const { result } = await deploy(session);
    const ecs = new ECSClient(sdkConfig());
    try {
      const { clusters } = await ecs.send(
        new DescribeClustersCommand({ clusters: [result.outputs?.clusterArn ?? ''] }),
      );
      expect(clusters?.[0]).toMatchObject({ clusterName: result.outputs?.clusterName, status: 'ACTIVE' });
    } finally {
      ecs.destroy();
    }
  });

  // moto 5.2.1 builds a CloudFormation ECS cluster from its name only (ecs/models.py
  // Cluster.create_from_cloudformation_json) and a table without its TimeToLiveSpecification, so
  // DescribeClusters shows no capacity providers and DescribeTimeToLive shows DISABLED there. What the
  // stack asked for is checked on the template that CloudFormation received instead.
  it('deployed the template that puts FARGATE and FARGATE_SPOT on the cluster and TTL on the table', async () => {
    await deploy(session);
    const cfn = directCfn();
    try {
      const body = (await cfn.send(new GetTemplateCommand({ StackName: 'runvoy' }))).TemplateBody ?? '';
      expect(body).toBe(await loadTemplate());
      expect(body).toMatch(
        /\n {2}Cluster:\n {4}Type: AWS::ECS::Cluster\n[\s\S]*?CapacityProviders:\n\s+- FARGATE\n\s+- FARGATE_SPOT\n/,
      );
      expect(body).toMatch(/TimeToLiveSpecification:\n\s+AttributeName: expiresAt\n\s+Enabled: true\n/);
    } finally {
      cfn.destroy();
    }
  });

  it('caches the outputs, so the next command finds the stack without DescribeStacks', async () => {
    const { result } = await deploy(session);
    const before = session.count('DescribeStacks');
    const context = await requireStack(session.clients, 'runvoy', { cache: session.cache });
    expect(context.outputs).toEqual(result.outputs);
    expect(session.count('DescribeStacks')).toBe(before);
  });
});

describe('deployStack against the emulator: again, with no change', () => {
  it('answers unchanged with the outputs, and creates no change set', async () => {
    const first = await deploy(session);
    const before = await stackInEmulator();
    const changeSetsBefore = await changeSetsOf();
    session.proxy.requests.length = 0;

    const { result, record } = await deploy(session);
    expect(result.action).toBe('unchanged');
    expect(result.changes).toEqual([]);
    expect(result.parameterChanges).toEqual([]);
    expect(result.outputs).toEqual(first.result.outputs);
    expect(record.changeSets).toEqual([]);
    expect(record.contexts[0]?.exists).toBe(true);
    expect(session.operations()).not.toContain('CreateChangeSet');
    expect(session.operations()).not.toContain('ExecuteChangeSet');
    expect(session.operations()).not.toContain('UpdateStack');
    expect(await changeSetsOf()).toEqual(changeSetsBefore);
    const after = await stackInEmulator();
    expect(after?.StackStatus).toBe(before?.StackStatus);
    expect(after?.LastUpdatedTime).toEqual(before?.LastUpdatedTime);
  });

  it('answers unchanged when a flag repeats the value the stack already has', async () => {
    await deploy(session, { logRetention: 30, retainData: false, publicIp: true });
    session.proxy.requests.length = 0;
    const { result } = await deploy(session, { logRetention: 30, retainData: false, publicIp: true });
    expect(result.action).toBe('unchanged');
    expect(session.operations()).not.toContain('CreateChangeSet');
  });
});

describe('deployStack against the emulator: update a parameter', () => {
  it('--log-retention 7 updates LogRetentionDays, keeps the rest, and a re-run is unchanged', async () => {
    const first = await deploy(session);
    const { result, record } = await deploy(session, { logRetention: 7 });
    expect(result.action).toBe('updated');
    expect(result.parameterChanges).toEqual([{ key: 'LogRetentionDays', from: '30', to: '7' }]);
    expect(record.changeSets[0]?.parameters).toEqual([{ key: 'LogRetentionDays', from: '30', to: '7' }]);

    // moto 5.2.1 does not apply a RetentionInDays change to an existing log group, so the update is
    // checked on the stack's parameter (what AWS would apply) rather than on the log group itself.
    const stack = await stackInEmulator();
    expect(stack?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(parametersOf(stack)).toMatchObject({
      LogRetentionDays: '7',
      NetworkMode: 'new',
      RetainData: 'false',
    });
    expect(result.outputs).toEqual(first.result.outputs);
    expect(parseStackOutputs('runvoy', outputsOf(stack))).toEqual(first.result.outputs);

    session.proxy.requests.length = 0;
    const again = await deploy(session);
    expect(again.result.action).toBe('unchanged');
    expect(session.operations()).not.toContain('CreateChangeSet');
    expect(parametersOf(await stackInEmulator()).LogRetentionDays).toBe('7');
  });

  it('--retain-data flips the RetainData parameter', async () => {
    await deploy(session);
    const { result } = await deploy(session, { retainData: true });
    expect(result.action).toBe('updated');
    expect(result.parameterChanges).toEqual([{ key: 'RetainData', from: 'false', to: 'true' }]);
    expect(parametersOf(await stackInEmulator()).RetainData).toBe('true');
  });

  // BUG: src/services/init.ts reflectsChange (the moto workaround). When moto executes an UPDATE
  // change set it applies the new parameters but keeps the outputs of the previous version. The stack
  // still has outputs and its parameters match, so reflectsChange says the stack is up to date, no
  // UpdateStack re-apply runs, and runvoy reports and caches the stale outputs: after
  // `init --retain-data` the RetainData output (and DeployResult.outputs.retainData) is still "false";
  // the same goes for AssignPublicIp after `--no-public-ip`. Expected: outputs that mirror a parameter
  // agree with it after the deploy.
  it('--retain-data also updates the RetainData output that runvoy reports and caches', async () => {
    await deploy(session);
    const { result } = await deploy(session, { retainData: true });
    expect(result.outputs?.retainData).toBe(true);
    expect(outputsOf(await stackInEmulator()).RetainData).toBe('true');
  });

  it('asks before applying without --yes, and a "no" deletes the change set and changes nothing', async () => {
    await deploy(session);
    const changeSetsBefore = await changeSetsOf();
    const { result, record } = await deploy(session, { logRetention: 14 }, { yes: false, answer: false });
    expect(record.questions).toEqual([`Apply these changes to stack "runvoy" in ${TEST_REGION}?`]);
    expect(result.action).toBe('cancelled');
    expect(result.parameterChanges).toEqual([{ key: 'LogRetentionDays', from: '30', to: '14' }]);
    // The first deploy created the stack (CreateStack, after deleting its preview change set); the declined
    // update executes nothing and deletes its own change set.
    expect(session.count('ExecuteChangeSet')).toBe(0);
    expect(session.count('DeleteChangeSet')).toBe(2);
    expect(await changeSetsOf()).toEqual(changeSetsBefore);
    expect(parametersOf(await stackInEmulator()).LogRetentionDays).toBe('30');
  });

  it('a "yes" applies it', async () => {
    await deploy(session);
    const { result, record } = await deploy(session, { logRetention: 14 }, { yes: false, answer: true });
    expect(record.questions).toHaveLength(1);
    expect(result.action).toBe('updated');
    expect(parametersOf(await stackInEmulator()).LogRetentionDays).toBe('14');
  });
});

describe('deployStack against the emulator: network', () => {
  it('--vpc default uses the default VPC and its subnets (NetworkMode existing)', async () => {
    const vpc = await defaultVpc();
    expect(vpc.subnetIds.length).toBeGreaterThan(0);
    const { result } = await deploy(session, { vpc: 'default' });
    const stack = await stackInEmulator();
    expect(parametersOf(stack)).toMatchObject({
      NetworkMode: 'existing',
      VpcId: vpc.vpcId,
      SubnetIds: vpc.subnetIds.join(','),
      SecurityGroupId: '',
    });
    expect(result.outputs?.subnetIds).toEqual(vpc.subnetIds);
    expect(outputsOf(stack).VpcId).toBe(vpc.vpcId);

    const ec2 = new EC2Client(sdkConfig());
    try {
      const groups = await ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [result.outputs?.securityGroupId ?? ''] }),
      );
      expect(groups.SecurityGroups?.[0]?.VpcId).toBe(vpc.vpcId);
      expect(groups.SecurityGroups?.[0]?.IpPermissions ?? []).toEqual([]);
    } finally {
      ec2.destroy();
    }
  });

  it('--subnets uses those subnets, in their VPC', async () => {
    const vpc = await defaultVpc();
    const chosen = vpc.subnetIds.slice(0, 2);
    const { result } = await deploy(session, { subnets: chosen.join(',') });
    expect(parametersOf(await stackInEmulator())).toMatchObject({
      NetworkMode: 'existing',
      VpcId: vpc.vpcId,
      SubnetIds: chosen.join(','),
    });
    expect(result.outputs?.subnetIds).toEqual(chosen);
  });

  it('--subnets with a subnet that does not exist stops before any change set', async () => {
    await expect(deploy(session, { subnets: 'subnet-0123456789abcdef0' })).rejects.toThrow(
      /subnet-0123456789abcdef0/,
    );
    expect(session.operations()).not.toContain('CreateChangeSet');
    expect(await stackInEmulator()).toBeUndefined();
  });

  // BUG: src/aws/network.ts vpcOfSubnets expects DescribeSubnets to leave unknown IDs out of its answer
  // and then throws BAD_SUBNETS (exit 2). AWS (and moto) instead fail the whole call with
  // InvalidSubnetID.NotFound, which escapes as a raw EC2 error (exit 1), so the "Subnets not found"
  // message and the exit 2 are never produced.
  it('--subnets with a subnet that does not exist is exit 2 BAD_SUBNETS naming it', async () => {
    const error = await deploy(session, { subnets: 'subnet-0123456789abcdef0' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunvoyError);
    expect((error as RunvoyError).code).toBe('BAD_SUBNETS');
    expect((error as RunvoyError).exitCode).toBe(2);
    expect((error as RunvoyError).what).toContain('subnet-0123456789abcdef0');
  });

  it('a stack made with --vpc default keeps its network on a plain re-run', async () => {
    await deploy(session, { vpc: 'default' });
    session.proxy.requests.length = 0;
    const { result } = await deploy(session);
    expect(result.action).toBe('unchanged');
    expect(parametersOf(await stackInEmulator()).NetworkMode).toBe('existing');
  });
});

describe('deployStack against the emulator: a first init that is declined', () => {
  // BUG: src/services/init.ts deployStack, the cancel path (`deleteChangeSet` then return 'cancelled'),
  // and likewise a CREATE change set that FAILED: CloudFormation (AWS, and moto alike) leaves a stack in
  // REVIEW_IN_PROGRESS once a CREATE change set has been made. The next `runvoy init` finds it and
  // assertUpdatable refuses it as busy ("STACK_BUSY ... Wait for it to finish"), which it never will:
  // the user is stuck until they delete the stack by hand. Expected: a REVIEW_IN_PROGRESS stack is
  // treated as absent (a CREATE change set again), or deleted on cancel.
  it('a second init after answering "no" to the first creates the stack', async () => {
    const declined = await deploy(session, {}, { yes: false, answer: false });
    expect(declined.result.action).toBe('cancelled');
    const { result } = await deploy(session);
    expect(result.action).toBe('created');
    expect((await stackInEmulator())?.StackStatus).toMatch(/_COMPLETE$/);
  });

  // BUG: same cause, src/services/stack-context.ts requireStack: a REVIEW_IN_PROGRESS stack (never
  // created) has no outputs, so other commands fail with STACK_INVALID (exit 1, "run `runvoy init
  // --stack runvoy` to update it") instead of exit 4 "run `runvoy init`".
  it('other commands still say the stack is missing (exit 4) after a declined first init', async () => {
    await deploy(session, {}, { yes: false, answer: false });
    const error = await requireStack(session.clients, 'runvoy', { cache: session.cache }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as RunvoyError).exitCode).toBe(4);
  });

  it('a declined first init reports cancelled with the planned changes and executes nothing', async () => {
    const { result, record } = await deploy(session, {}, { yes: false, answer: false });
    expect(result.action).toBe('cancelled');
    expect(result.changes.length).toBeGreaterThan(0);
    expect(record.questions).toHaveLength(1);
    expect(session.operations()).not.toContain('ExecuteChangeSet');
    expect(session.count('DeleteChangeSet')).toBe(1);
  });
});
