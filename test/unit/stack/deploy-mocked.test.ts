/**
 * The stack operations whose answers the emulator cannot produce: a resource that fails with a reason
 * (moto has stack-level events only and never rolls back), AWS's FAILED "didn't contain changes" change
 * set, "No updates are to be performed", and stacks in ROLLBACK_COMPLETE or busy. The documents below
 * are shaped like AWS's answers; everything else about these paths is tested against moto.
 */
import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  type ResourceStatus,
  type Stack,
  type StackEvent,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { updateParameters } from '../../../src/aws/stack.js';
import { loadTemplate } from '../../../src/aws/stack-template.js';
import { Cache } from '../../../src/config/cache.js';
import type { ResourceChangeSummary, StackEventSummary } from '../../../src/core/change-set.js';
import { RunvoyError } from '../../../src/core/errors.js';
import { destroyStack } from '../../../src/services/destroy.js';
import { stackChecks } from '../../../src/services/doctor-stack.js';
import { deployStack, type DeployInputs, type ParameterChange } from '../../../src/services/init.js';
import { requireStack } from '../../../src/services/stack-context.js';
import { isolatedAwsEnv, patchEnv, tempDir } from '../foundation/helpers.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/runvoy/1f2e3d4c-0000-4000-8000-000000000001`;
const CHANGE_SET_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:changeSet/runvoy-1700000000000/5a6b7c8d-0000-4000-8000-000000000002`;
const NOT_AUTHORIZED =
  'Resource handler returned message: "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ' +
  'dynamodb:CreateTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/runvoy-Table-1ABCDEF ' +
  'because no identity-based policy allows the dynamodb:CreateTable action (Service: DynamoDb, Status Code: 400, ' +
  'Request ID: 7KQ1UO3NJ0S5CM1D2E3F4G5H6I7J8K9L0M1N2O3P4Q5R6S7T8U9V)" (RequestToken: 0d6e1c2f-0000-4000-8000-000000000003, ' +
  'HandlerErrorCode: AccessDenied)';

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const ecs = mockClient(ECSClient);
const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const scheduler = mockClient(SchedulerClient);
const others = [ecs, dynamo, documents, scheduler];
afterAll(() => {
  cfn.restore();
  sts.restore();
  for (const mock of others) mock.restore();
});

let restoreEnv: () => void;
let clients: AwsClients;
let cache: Cache;

beforeEach(() => {
  cfn.reset();
  sts.reset();
  for (const mock of others) mock.reset();
  // An idle stack: no tasks, no unfinished executions or locks, no schedules.
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  documents.on(QueryCommand).resolves({ Items: [] });
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
  restoreEnv = patchEnv(isolatedAwsEnv(), { clearAws: true });
  clients = new AwsClients({ region: REGION });
  cache = new Cache({ RUNVOY_CONFIG_DIR: tempDir('runvoy-stack-unit-') });
  sts.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:iam::${ACCOUNT}:user/dev`,
    UserId: 'AIDAEXAMPLE',
  });
});
afterEach(() => {
  clients.destroy();
  restoreEnv();
});

/** The error the SDK throws for CloudFormation's query-protocol ValidationError. */
function validationError(message: string): CloudFormationServiceException {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'b5d8e2a0-0000-4000-8000-000000000004', attempts: 1 },
  });
}

const OUTPUTS: Record<string, string> = {
  TemplateVersion: '1',
  ClusterName: 'runvoy-Cluster-ABC',
  ClusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/runvoy-Cluster-ABC`,
  TableName: 'runvoy-Table-XYZ',
  TableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/runvoy-Table-XYZ`,
  LogGroupName: '/runvoy/runvoy',
  LogGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/runvoy/runvoy`,
  ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/runvoy/runvoy-ExecutionRole-1`,
  TaskRoleArn: `arn:aws:iam::${ACCOUNT}:role/runvoy/runvoy-TaskRole-2`,
  SchedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/runvoy/runvoy-SchedulerRole-3`,
  NetworkMode: 'new',
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  SubnetIds: 'subnet-0a1b2c3d4e5f60718,subnet-1a2b3c4d5e6f70819',
  SecurityGroupId: 'sg-0a1b2c3d4e5f60718',
  AssignPublicIp: 'ENABLED',
  RetainData: 'false',
};
const PARAMETERS: Record<string, string> = {
  NetworkMode: 'new',
  VpcCidr: '10.42.0.0/16',
  PublicSubnet1Cidr: '10.42.0.0/20',
  PublicSubnet2Cidr: '10.42.16.0/20',
  VpcId: '',
  SubnetIds: '',
  SecurityGroupId: '',
  AssignPublicIp: 'ENABLED',
  RetainData: 'false',
  LogRetentionDays: '30',
  ContainerInsights: 'disabled',
  SecretsSsmPrefix: '/runvoy/',
  SecretsManagerPrefix: 'runvoy/',
};

/** A DescribeStacks Stack document. */
function stack(status: StackStatus, extra: Partial<Stack> = {}, withOutputs = true): Stack {
  return {
    StackId: STACK_ID,
    StackName: 'runvoy',
    StackStatus: status,
    CreationTime: new Date('2026-01-02T03:00:00Z'),
    Parameters: Object.entries(PARAMETERS).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    Outputs: withOutputs
      ? Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }))
      : undefined,
    Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    ...extra,
  };
}

const T0 = Date.parse('2026-01-02T03:04:00Z');
function stackEvent(
  second: number,
  logicalId: string,
  resourceType: string,
  status: string,
  reason?: string,
): StackEvent {
  return {
    StackId: STACK_ID,
    EventId: `${logicalId}-${status}-${second}`,
    StackName: 'runvoy',
    LogicalResourceId: logicalId,
    PhysicalResourceId: logicalId === 'runvoy' ? STACK_ID : '',
    ResourceType: resourceType,
    Timestamp: new Date(T0 + second * 1000),
    ResourceStatus: status as ResourceStatus,
    ...(reason ? { ResourceStatusReason: reason } : {}),
  };
}

interface Recorder {
  events: StackEventSummary[];
  changeSets: Array<{ changes: ResourceChangeSummary[]; parameters: ParameterChange[] }>;
}

function inputs(overrides: Partial<DeployInputs> = {}): { inputs: DeployInputs; seen: Recorder } {
  const seen: Recorder = { events: [], changeSets: [] };
  return {
    seen,
    inputs: {
      clients,
      cache,
      stackName: 'runvoy',
      flags: {},
      network: { mode: 'new' },
      yes: true,
      confirm: async () => {
        throw new Error('confirm must not be called with yes: true');
      },
      reporter: {
        context: () => undefined,
        changeSet: (changes, parameters) => seen.changeSets.push({ changes, parameters }),
        event: (event) => seen.events.push(event),
      },
      ...overrides,
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<RunvoyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RunvoyError)) throw new Error(`expected a RunvoyError, got ${String(error)}`);
  return error;
}

describe('deployStack: a CREATE that fails on a resource and rolls back', () => {
  // DescribeStackEvents pages newest first, as AWS does.
  const review = stackEvent(
    0,
    'runvoy',
    'AWS::CloudFormation::Stack',
    'REVIEW_IN_PROGRESS',
    'User Initiated',
  );
  const running = [
    stackEvent(
      6,
      'runvoy',
      'AWS::CloudFormation::Stack',
      'ROLLBACK_IN_PROGRESS',
      'The following resource(s) failed to create: [Cluster, Table]. Rollback requested by user.',
    ),
    stackEvent(5, 'Cluster', 'AWS::ECS::Cluster', 'CREATE_FAILED', 'Resource creation cancelled'),
    stackEvent(4, 'Table', 'AWS::DynamoDB::Table', 'CREATE_FAILED', NOT_AUTHORIZED),
    stackEvent(3, 'Cluster', 'AWS::ECS::Cluster', 'CREATE_IN_PROGRESS'),
    stackEvent(2, 'Table', 'AWS::DynamoDB::Table', 'CREATE_IN_PROGRESS'),
    stackEvent(1, 'runvoy', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 'User Initiated'),
    review,
  ];
  const finished = [
    stackEvent(8, 'runvoy', 'AWS::CloudFormation::Stack', 'ROLLBACK_COMPLETE'),
    stackEvent(7, 'Cluster', 'AWS::ECS::Cluster', 'DELETE_COMPLETE'),
    ...running,
  ];

  beforeEach(() => {
    // The create is previewed through a change set (whose REVIEW_IN_PROGRESS placeholder is then
    // deleted) and carried out by CreateStack.
    cfn
      .on(DescribeStacksCommand)
      .rejectsOnce(validationError('Stack with id runvoy does not exist'))
      .resolvesOnce({ Stacks: [stack('REVIEW_IN_PROGRESS', {}, false)] })
      .resolvesOnce({ Stacks: [stack('DELETE_COMPLETE', {}, false)] })
      .resolvesOnce({ Stacks: [stack('ROLLBACK_IN_PROGRESS', {}, false)] })
      .resolves({
        Stacks: [stack('ROLLBACK_COMPLETE', { StackStatusReason: undefined }, false)],
      });
    cfn.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfn.on(DeleteChangeSetCommand).resolves({});
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(CreateStackCommand).resolves({ StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({
      ChangeSetId: CHANGE_SET_ID,
      StackId: STACK_ID,
      StackName: 'runvoy',
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: { Action: 'Add', LogicalResourceId: 'Table', ResourceType: 'AWS::DynamoDB::Table' },
        },
        {
          Type: 'Resource',
          ResourceChange: { Action: 'Add', LogicalResourceId: 'Cluster', ResourceType: 'AWS::ECS::Cluster' },
        },
      ],
    });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    cfn
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [review] })
      .resolvesOnce({ StackEvents: [review] })
      .resolvesOnce({ StackEvents: running })
      .resolves({ StackEvents: finished });
  });

  it('throws a RunvoyError naming the resource, its type and reason, with the permissions fix', async () => {
    const { inputs: deploy } = inputs();
    const error = await rejection(deployStack(deploy));
    expect(error.code).toBe('STACK_FAILED');
    expect(error.exitCode).toBe(1);
    expect(error.what).toBe(
      'Stack "runvoy" failed (ROLLBACK_COMPLETE): Table (AWS::DynamoDB::Table) CREATE_FAILED.',
    );
    expect(error.why).toBe(NOT_AUTHORIZED);
    expect(error.fix).toContain('docs/permissions.md');
    expect(error.fix).toContain('runvoy init --stack runvoy');
    expect(error.data).toMatchObject({ status: 'ROLLBACK_COMPLETE', failure: { logicalId: 'Table' } });
  });

  it('previewed the stack through a CREATE change set with the IAM capabilities, then created exactly that', async () => {
    const { inputs: deploy } = inputs();
    await rejection(deployStack(deploy));
    const [create] = cfn.commandCalls(CreateChangeSetCommand);
    expect(create?.args[0].input).toMatchObject({
      StackName: 'runvoy',
      ChangeSetType: 'CREATE',
      TemplateBody: await loadTemplate(),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      Tags: [{ Key: 'runvoy:stack', Value: 'runvoy' }],
    });
    expect(create?.args[0].input.Parameters).toEqual([
      { ParameterKey: 'NetworkMode', ParameterValue: 'new' },
      { ParameterKey: 'VpcId', ParameterValue: '' },
      { ParameterKey: 'SubnetIds', ParameterValue: '' },
      { ParameterKey: 'SecurityGroupId', ParameterValue: '' },
    ]);
    const [created] = cfn.commandCalls(CreateStackCommand);
    expect(created?.args[0].input).toMatchObject({
      StackName: 'runvoy',
      TemplateBody: create?.args[0].input.TemplateBody,
      Parameters: create?.args[0].input.Parameters,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    expect(cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: STACK_ID },
    ]);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('reports each new event once, oldest first, and not the events from before the execution', async () => {
    const { inputs: deploy, seen } = inputs();
    await rejection(deployStack(deploy));
    expect(seen.changeSets).toHaveLength(1);
    expect(seen.changeSets[0]?.changes.map((c) => `${c.action} ${c.logicalId}`)).toEqual([
      'Add Table',
      'Add Cluster',
    ]);
    expect(seen.events.map((e) => `${e.logicalId} ${e.status}`)).toEqual([
      'runvoy CREATE_IN_PROGRESS',
      'Table CREATE_IN_PROGRESS',
      'Cluster CREATE_IN_PROGRESS',
      'Table CREATE_FAILED',
      'Cluster CREATE_FAILED',
      'runvoy ROLLBACK_IN_PROGRESS',
      'Cluster DELETE_COMPLETE',
      'runvoy ROLLBACK_COMPLETE',
    ]);
  });
});

describe('deployStack: an update that fails and rolls back', () => {
  it('names the failed resource and the UPDATE_ROLLBACK_COMPLETE status', async () => {
    const started = stackEvent(0, 'runvoy', 'AWS::CloudFormation::Stack', 'UPDATE_COMPLETE');
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('UPDATE_COMPLETE')] })
      .resolves({ Stacks: [stack('UPDATE_ROLLBACK_COMPLETE')] });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: await loadTemplate() });
    cfn.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'LogGroup',
            ResourceType: 'AWS::Logs::LogGroup',
            Replacement: 'False',
          },
        },
      ],
    });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    cfn
      .on(DescribeStackEventsCommand)
      .resolvesOnce({ StackEvents: [started] })
      .resolves({
        StackEvents: [
          stackEvent(4, 'runvoy', 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
          stackEvent(
            3,
            'LogGroup',
            'AWS::Logs::LogGroup',
            'UPDATE_FAILED',
            'Resource handler returned message: "The specified log group does not exist." (HandlerErrorCode: NotFound)',
          ),
          stackEvent(2, 'LogGroup', 'AWS::Logs::LogGroup', 'UPDATE_IN_PROGRESS'),
          stackEvent(1, 'runvoy', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
          started,
        ],
      });
    const { inputs: deploy } = inputs({ flags: { logRetention: 7 }, network: { mode: 'unchanged' } });
    const error = await rejection(deployStack(deploy));
    expect(error.what).toBe(
      'Stack "runvoy" failed (UPDATE_ROLLBACK_COMPLETE): LogGroup (AWS::Logs::LogGroup) UPDATE_FAILED.',
    );
    expect(error.why).toContain('The specified log group does not exist.');
    expect(error.fix).toContain('runvoy init --stack runvoy');
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input.ChangeSetType).toBe('UPDATE');
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});

describe('deployStack: AWS finds nothing to change', () => {
  const NO_CHANGES =
    "The submitted information didn't contain changes. Submit different information to create a change set.";

  beforeEach(async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
    // The deployed template differs in text only (a comment from an older CLI), so runvoy asks
    // CloudFormation, which fails the change set as AWS does when nothing would change.
    cfn
      .on(GetTemplateCommand)
      .resolves({ TemplateBody: `# deployed by an older runvoy\n${await loadTemplate()}` });
    cfn.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({
      ChangeSetId: CHANGE_SET_ID,
      ChangeSetName: 'runvoy-1700000000000',
      StackId: STACK_ID,
      StackName: 'runvoy',
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason: NO_CHANGES,
      Changes: [],
    });
    cfn.on(DeleteChangeSetCommand).resolves({});
  });

  it('answers unchanged with the stack outputs, deletes the failed change set and executes nothing', async () => {
    const { inputs: deploy, seen } = inputs({ network: { mode: 'unchanged' } });
    const result = await deployStack(deploy);
    expect(result).toMatchObject({
      action: 'unchanged',
      status: 'UPDATE_COMPLETE',
      account: ACCOUNT,
      region: REGION,
      changes: [],
      parameterChanges: [],
    });
    expect(result.outputs?.tableName).toBe('runvoy-Table-XYZ');
    expect(cfn.commandCalls(DeleteChangeSetCommand).map((c) => c.args[0].input)).toEqual([
      { ChangeSetName: CHANGE_SET_ID, StackName: 'runvoy' },
    ]);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(seen.changeSets).toEqual([]);
  });

  it('kept every parameter at its previous value in the change set it asked for', async () => {
    const { inputs: deploy } = inputs({ network: { mode: 'unchanged' } });
    await deployStack(deploy);
    const input = cfn.commandCalls(CreateChangeSetCommand)[0]?.args[0].input;
    expect(input?.ChangeSetType).toBe('UPDATE');
    expect(input?.Parameters?.length).toBeGreaterThan(0);
    for (const p of input?.Parameters ?? [])
      expect(p).toEqual({ ParameterKey: p.ParameterKey, UsePreviousValue: true });
  });

  it('a change set that fails for another reason is an error that quotes it', async () => {
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason:
        'Parameter validation failed: parameter value subnet-0bad for parameter name SubnetIds does not exist.',
    });
    const { inputs: deploy } = inputs({ network: { mode: 'unchanged' } });
    const error = await rejection(deployStack(deploy));
    expect(error.code).toBe('CHANGE_SET_FAILED');
    expect(error.why).toContain('subnet-0bad');
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('updateParameters and "No updates are to be performed"', () => {
  it("returns false on AWS's answer to an identical UpdateStack", async () => {
    cfn.on(UpdateStackCommand).rejects(validationError('No updates are to be performed.'));
    expect(await updateParameters(clients, 'runvoy', [{ key: 'RetainData', value: 'true' }])).toBe(false);
  });

  it('returns true when the update starts, keeping the deployed template', async () => {
    cfn.on(UpdateStackCommand).resolves({ StackId: STACK_ID });
    expect(await updateParameters(clients, 'runvoy', [{ key: 'RetainData', value: 'true' }])).toBe(true);
    expect(cfn.commandCalls(UpdateStackCommand)[0]?.args[0].input).toMatchObject({
      StackName: 'runvoy',
      UsePreviousTemplate: true,
      Parameters: [{ ParameterKey: 'RetainData', ParameterValue: 'true' }],
    });
  });

  it('passes on any other error', async () => {
    cfn
      .on(UpdateStackCommand)
      .rejects(validationError('Stack:runvoy is in UPDATE_IN_PROGRESS state and can not be updated.'));
    await expect(updateParameters(clients, 'runvoy', [])).rejects.toThrow(/can not be updated/);
  });
});

describe('stacks that cannot be updated', () => {
  it('a busy stack is refused before any change set, saying to wait', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_IN_PROGRESS')] });
    const error = await rejection(deployStack(inputs().inputs));
    expect(error.code).toBe('STACK_BUSY');
    expect(error.what).toContain('UPDATE_IN_PROGRESS');
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('a stack whose creation rolled back is refused, saying to destroy it first', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        stack(
          'ROLLBACK_COMPLETE',
          { StackStatusReason: 'The following resource(s) failed to create: [Table].' },
          false,
        ),
      ],
    });
    const error = await rejection(deployStack(inputs().inputs));
    expect(error.code).toBe('STACK_NOT_UPDATABLE');
    expect(error.why).toContain('failed to create');
    expect(error.fix).toContain('runvoy destroy --stack runvoy');
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('requireStack refuses a ROLLBACK_COMPLETE stack, saying how to repair it', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE', {}, false)] });
    const error = await rejection(requireStack(clients, 'runvoy', { cache }));
    expect(error.code).toBe('STACK_UNHEALTHY');
    expect(error.fix).toContain('runvoy init --stack runvoy');
  });

  it('requireStack accepts UPDATE_ROLLBACK_COMPLETE: the previous version is still deployed', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_COMPLETE')] });
    expect((await requireStack(clients, 'runvoy', { cache })).outputs.clusterName).toBe('runvoy-Cluster-ABC');
  });
});

describe('doctor stack checks on statuses the emulator cannot reach', () => {
  it('ROLLBACK_COMPLETE fails the stack check with a fix', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE', {}, false)] });
    const [check] = await stackChecks(clients, 'runvoy', REGION);
    expect(check).toMatchObject({ id: 'stack', ok: false });
    expect(check?.detail).toContain('ROLLBACK_COMPLETE');
    expect(check?.fix).toContain('runvoy init');
  });

  it('UPDATE_ROLLBACK_COMPLETE and an update in progress are healthy', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_COMPLETE')] });
    expect((await stackChecks(clients, 'runvoy', REGION))[0]).toMatchObject({ id: 'stack', ok: true });
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_IN_PROGRESS')] });
    const [busy] = await stackChecks(clients, 'runvoy', REGION);
    expect(busy).toMatchObject({ ok: true });
    expect(busy?.detail).toContain('an operation is running');
  });
});

describe('destroyStack: a delete that fails on a resource', () => {
  it('names the resource and its reason', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('UPDATE_COMPLETE')] })
      .resolves({ Stacks: [stack('DELETE_FAILED')] });
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        stackEvent(
          9,
          'runvoy',
          'AWS::CloudFormation::Stack',
          'DELETE_FAILED',
          'The following resource(s) failed to delete: [Vpc].',
        ),
        stackEvent(
          8,
          'Vpc',
          'AWS::EC2::VPC',
          'DELETE_FAILED',
          "The vpc 'vpc-0a1b2c3d4e5f60718' has dependencies and cannot be deleted. (Service: Ec2, Status Code: 400)",
        ),
        stackEvent(7, 'Vpc', 'AWS::EC2::VPC', 'DELETE_IN_PROGRESS'),
      ].map((e) => ({ ...e, Timestamp: new Date(Date.now() + 60_000 + (e.Timestamp?.getTime() ?? 0) - T0) })),
    });
    const steps: string[] = [];
    const error = await rejection(
      destroyStack({
        clients,
        cache,
        stackName: 'runvoy',
        retainData: false,
        confirm: async () => true,
        onEvent: () => undefined,
        onStep: (step) => steps.push(step),
      }),
    );
    expect(error.code).toBe('DESTROY_FAILED');
    expect(error.what).toContain('DELETE_FAILED');
    expect(error.why).toContain('Vpc (AWS::EC2::VPC)');
    expect(error.why).toContain('has dependencies');
    expect(steps).toEqual(['Deleting stack "runvoy"...']);
  });
});

describe('destroyStack on what an interrupted `runvoy init` leaves', () => {
  const TABLE = 'runvoy-Table-1Q2W3E4R5T6Y';
  function destroy(retainData: boolean, steps: string[] = []) {
    return destroyStack({
      clients,
      cache,
      stackName: 'runvoy',
      retainData,
      confirm: async () => true,
      onEvent: () => undefined,
      onStep: (step) => steps.push(step),
    });
  }
  /** A stack whose create failed and rolled back: no outputs; its table was kept (DeletionPolicy Retain). */
  function rolledBack() {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('ROLLBACK_COMPLETE', {}, false)] })
      .rejects(validationError('Stack with id runvoy does not exist'));
    cfn.on(DescribeStackResourceCommand, { LogicalResourceId: 'Table' }).resolves({
      StackResourceDetail: {
        StackName: 'runvoy',
        StackId: STACK_ID,
        LogicalResourceId: 'Table',
        PhysicalResourceId: TABLE,
        ResourceType: 'AWS::DynamoDB::Table',
        ResourceStatus: 'DELETE_SKIPPED',
        LastUpdatedTimestamp: new Date(T0),
      },
    });
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfn.on(DeleteStackCommand).resolves({});
    dynamo.on(DeleteTableCommand).resolves({});
  }

  it('ROLLBACK_COMPLETE: deletes the stack, then the table its failed create left behind', async () => {
    rolledBack();
    const result = await destroy(false);
    expect(result.action).toBe('deleted');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(DeleteTableCommand).map((c) => c.args[0].input.TableName)).toEqual([TABLE]);
    expect(result.kept).toEqual([]);
  });

  it('ROLLBACK_COMPLETE with --retain-data: no UpdateStack (CloudFormation refuses it there), the table is kept', async () => {
    rolledBack();
    cfn
      .on(UpdateStackCommand)
      .rejects(validationError('Stack is in ROLLBACK_COMPLETE state and can not be updated.'));
    const steps: string[] = [];
    const result = await destroy(true, steps);
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(DeleteTableCommand)).toHaveLength(0);
    expect(result.kept).toEqual([{ resource: 'Table', type: 'AWS::DynamoDB::Table', name: TABLE }]);
    expect(steps).toEqual(['Deleting stack "runvoy"...']);
  });

  it('CREATE_IN_PROGRESS: refused before any question, saying the create carries on and to wait', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('CREATE_IN_PROGRESS', {}, false)] });
    let asked = false;
    const error = await rejection(
      destroyStack({
        clients,
        cache,
        stackName: 'runvoy',
        retainData: false,
        confirm: async () => (asked = true),
        onEvent: () => undefined,
        onStep: () => undefined,
      }),
    );
    expect(error.code).toBe('STACK_BUSY');
    expect(error.why).toContain('interrupted');
    expect(error.fix).toContain('then run `runvoy destroy` again');
    expect(asked).toBe(false);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});
