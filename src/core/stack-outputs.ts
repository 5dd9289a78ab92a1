import { RunvoyError } from './errors.js';

/** What the CLI needs from the stack, read from its outputs. */
export interface StackOutputs {
  templateVersion: string;
  clusterName: string;
  clusterArn: string;
  tableName: string;
  logGroupName: string;
  executionRoleArn: string;
  taskRoleArn: string;
  schedulerRoleArn: string;
  subnetIds: string[];
  securityGroupId: string;
  assignPublicIp: 'ENABLED' | 'DISABLED';
  retainData: boolean;
  /** The task role of scheduled runs with --lock (ScheduleLockRoleArn); absent from stacks made before schedules. */
  scheduleLockRoleArn?: string;
}

const REQUIRED = {
  TemplateVersion: 'templateVersion',
  ClusterName: 'clusterName',
  ClusterArn: 'clusterArn',
  TableName: 'tableName',
  LogGroupName: 'logGroupName',
  ExecutionRoleArn: 'executionRoleArn',
  TaskRoleArn: 'taskRoleArn',
  SchedulerRoleArn: 'schedulerRoleArn',
  SubnetIds: 'subnetIds',
  SecurityGroupId: 'securityGroupId',
  AssignPublicIp: 'assignPublicIp',
  RetainData: 'retainData',
} as const;

/** Maps CloudFormation outputs to StackOutputs; a missing output means the stack is not a runvoy stack. */
export function parseStackOutputs(stackName: string, outputs: Record<string, string>): StackOutputs {
  const missing = Object.keys(REQUIRED).filter((key) => outputs[key] === undefined);
  if (missing.length > 0) {
    throw new RunvoyError({
      what: `The stack ${stackName} lacks the outputs runvoy needs: ${missing.join(', ')}.`,
      why: 'It was not created by `runvoy init`, or by a much older version of it.',
      fix: `Run \`runvoy init --stack ${stackName}\` to update it, or pass --stack with the name of your runvoy stack.`,
      code: 'STACK_INVALID',
    });
  }
  const value = (key: keyof typeof REQUIRED) => outputs[key] ?? '';
  return {
    templateVersion: value('TemplateVersion'),
    clusterName: value('ClusterName'),
    clusterArn: value('ClusterArn'),
    tableName: value('TableName'),
    logGroupName: value('LogGroupName'),
    executionRoleArn: value('ExecutionRoleArn'),
    taskRoleArn: value('TaskRoleArn'),
    schedulerRoleArn: value('SchedulerRoleArn'),
    subnetIds: value('SubnetIds')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    securityGroupId: value('SecurityGroupId'),
    assignPublicIp: value('AssignPublicIp') === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    retainData: value('RetainData') === 'true',
    ...(outputs.ScheduleLockRoleArn ? { scheduleLockRoleArn: outputs.ScheduleLockRoleArn } : {}),
  };
}

/** Compares template versions as integers; a stack older than the CLI needs `runvoy init`. */
export function compareTemplateVersions(stack: string, cli: string): 'same' | 'older' | 'newer' {
  const a = Number.parseInt(stack, 10);
  const b = Number.parseInt(cli, 10);
  if (Number.isNaN(a) || a < b) return 'older';
  return a > b ? 'newer' : 'same';
}
