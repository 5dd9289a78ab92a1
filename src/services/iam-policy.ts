import type { AwsClients } from '../aws/clients.js';
import {
  MANAGED_POLICY_MAX_CHARS,
  policyFor,
  policySize,
  type PolicyDocument,
  type PolicyScope,
} from '../core/iam-policy.js';
import type { Role } from '../core/permissions.js';
import { requireStack, type StackContext } from './stack-context.js';

export interface RolePolicy {
  role: Role;
  stack: string;
  region: string;
  account: string;
  mfa: boolean;
  /** Characters without white space, as IAM counts them against MANAGED_POLICY_MAX_CHARS. */
  size: number;
  maxSize: number;
  policy: PolicyDocument;
}

/** The stack's resources, from its outputs (read now, not from the cache: roles may have changed). */
export function policyScope(ctx: StackContext): PolicyScope {
  const partition = /^arn:([^:]+):/.exec(ctx.identity.arn)?.[1] ?? 'aws';
  const { outputs } = ctx;
  return {
    partition,
    region: ctx.region,
    account: ctx.identity.account,
    stackName: ctx.stackName,
    tableName: outputs.tableName,
    clusterName: outputs.clusterName,
    clusterArn: outputs.clusterArn,
    logGroupName: outputs.logGroupName,
    roleArns: [
      outputs.executionRoleArn,
      outputs.taskRoleArn,
      outputs.schedulerRoleArn,
      outputs.scheduleLockRoleArn,
    ].filter((arn): arn is string => Boolean(arn)),
  };
}

export async function rolePolicy(
  clients: AwsClients,
  stackName: string,
  role: Role,
  options: { mfa: boolean },
): Promise<RolePolicy> {
  const ctx = await requireStack(clients, stackName, { refresh: true });
  const policy = policyFor(role, policyScope(ctx), { mfa: options.mfa });
  return {
    role,
    stack: ctx.stackName,
    region: ctx.region,
    account: ctx.identity.account,
    mfa: options.mfa,
    size: policySize(policy),
    maxSize: MANAGED_POLICY_MAX_CHARS,
    policy,
  };
}
