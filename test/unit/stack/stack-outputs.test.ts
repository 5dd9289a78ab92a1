import { describe, expect, it } from 'vitest';
import { RunvoyError } from '../../../src/core/errors.js';
import { compareTemplateVersions, parseStackOutputs } from '../../../src/core/stack-outputs.js';

/** Outputs as CloudFormation reports them for a stack made by `runvoy init`. */
function cfnOutputs(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const outputs: Record<string, string | undefined> = {
    TemplateVersion: '1',
    ClusterName: 'runvoy-Cluster-ABC',
    ClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/runvoy-Cluster-ABC',
    TableName: 'runvoy-Table-XYZ',
    TableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/runvoy-Table-XYZ',
    LogGroupName: '/runvoy/runvoy',
    ExecutionRoleArn: 'arn:aws:iam::123456789012:role/runvoy/runvoy-ExecutionRole-1',
    TaskRoleArn: 'arn:aws:iam::123456789012:role/runvoy/runvoy-TaskRole-2',
    SchedulerRoleArn: 'arn:aws:iam::123456789012:role/runvoy/runvoy-SchedulerRole-3',
    SubnetIds: 'subnet-0abc1234,subnet-0def5678',
    SecurityGroupId: 'sg-0123abcd',
    AssignPublicIp: 'ENABLED',
    RetainData: 'false',
    NetworkMode: 'new',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

function thrown(fn: () => unknown): RunvoyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RunvoyError) return error;
    throw error;
  }
  throw new Error('expected a RunvoyError');
}

describe('parseStackOutputs', () => {
  it('maps every output the CLI needs', () => {
    expect(parseStackOutputs('runvoy', cfnOutputs())).toEqual({
      templateVersion: '1',
      clusterName: 'runvoy-Cluster-ABC',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/runvoy-Cluster-ABC',
      tableName: 'runvoy-Table-XYZ',
      logGroupName: '/runvoy/runvoy',
      executionRoleArn: 'arn:aws:iam::123456789012:role/runvoy/runvoy-ExecutionRole-1',
      taskRoleArn: 'arn:aws:iam::123456789012:role/runvoy/runvoy-TaskRole-2',
      schedulerRoleArn: 'arn:aws:iam::123456789012:role/runvoy/runvoy-SchedulerRole-3',
      subnetIds: ['subnet-0abc1234', 'subnet-0def5678'],
      securityGroupId: 'sg-0123abcd',
      assignPublicIp: 'ENABLED',
      retainData: false,
    });
  });

  it('splits subnets, trimming spaces and dropping empty entries', () => {
    expect(
      parseStackOutputs('runvoy', cfnOutputs({ SubnetIds: ' subnet-a , subnet-b,,subnet-c ' })).subnetIds,
    ).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    expect(parseStackOutputs('runvoy', cfnOutputs({ SubnetIds: 'subnet-a' })).subnetIds).toEqual([
      'subnet-a',
    ]);
    expect(parseStackOutputs('runvoy', cfnOutputs({ SubnetIds: '' })).subnetIds).toEqual([]);
  });

  it('reads the booleans and the public IP setting', () => {
    expect(parseStackOutputs('runvoy', cfnOutputs({ RetainData: 'true' })).retainData).toBe(true);
    expect(parseStackOutputs('runvoy', cfnOutputs({ RetainData: 'false' })).retainData).toBe(false);
    expect(parseStackOutputs('runvoy', cfnOutputs({ AssignPublicIp: 'DISABLED' })).assignPublicIp).toBe(
      'DISABLED',
    );
    expect(parseStackOutputs('runvoy', cfnOutputs({ AssignPublicIp: 'ENABLED' })).assignPublicIp).toBe(
      'ENABLED',
    );
  });

  it('refuses a stack without the outputs, naming each missing one and the stack', () => {
    const error = thrown(() =>
      parseStackOutputs(
        'team',
        cfnOutputs({ ClusterName: undefined, TableName: undefined, RetainData: undefined }),
      ),
    );
    expect(error.code).toBe('STACK_INVALID');
    expect(error.exitCode).toBe(1);
    expect(error.what).toContain('team');
    expect(error.what).toContain('ClusterName, TableName, RetainData');
    expect(error.what).not.toContain('ClusterArn');
    expect(error.fix).toContain('runvoy init --stack team');
  });

  it('refuses a stack with no outputs at all (not a runvoy stack)', () => {
    const error = thrown(() => parseStackOutputs('other', {}));
    expect(error.what).toContain('TemplateVersion');
    expect(error.what).toContain('SecurityGroupId');
  });

  it('accepts an empty but present output', () => {
    expect(parseStackOutputs('runvoy', cfnOutputs({ SecurityGroupId: '' })).securityGroupId).toBe('');
  });
});

describe('compareTemplateVersions', () => {
  it.each([
    ['1', '1', 'same'],
    ['0', '1', 'older'],
    ['2', '1', 'newer'],
    ['9', '10', 'older'],
    ['10', '9', 'newer'],
    ['', '1', 'older'],
    ['unknown', '1', 'older'],
  ] as const)('stack %j against CLI %j is %s', (stack, cli, expected) => {
    expect(compareTemplateVersions(stack, cli)).toBe(expected);
  });
});
