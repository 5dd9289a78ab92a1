/**
 * The IAM policy of an access role (`runvoy iam policy --role`), built from src/core/permissions.ts and
 * scoped to one stack's resources.
 */
import {
  permissionsOfRole,
  ROLES,
  type IamAction,
  type Permission,
  type Role,
  type StackResource,
} from './permissions.js';
import { scheduleGroupName } from './schedule.js';

/** The stack's resources, from its outputs and the caller's account. */
export interface PolicyScope {
  partition: string;
  region: string;
  account: string;
  stackName: string;
  tableName: string;
  clusterName: string;
  clusterArn: string;
  logGroupName: string;
  /** The stack's execution, task and scheduler roles: what runs may pass to ECS and the scheduler. */
  roleArns: string[];
}

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * Actions that do not support resource-level permissions: IAM only matches them on "*" (the Service
 * Authorization Reference lists no resource type for them). ecs:ListTasks is held to the cluster by its
 * condition instead.
 */
const UNSCOPED_ACTIONS = new Set<string>([
  'sts:GetCallerIdentity',
  'ecs:RegisterTaskDefinition',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTasks',
  'scheduler:ListSchedules',
  'logs:DescribeLogGroups',
  'pricing:GetProducts',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
]);

/**
 * AWS authorises each item of a TransactWriteItems as the PutItem or UpdateItem it is (runvoy's
 * transactions use only those); emulators such as moto check the operation name itself. Both are granted,
 * on the same table.
 */
const EXPANSIONS: Partial<Record<IamAction, IamAction[]>> = {
  'dynamodb:TransactWriteItems': ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
};

function arn(scope: PolicyScope, service: string, resource: string, region = scope.region): string {
  return `arn:${scope.partition}:${service}:${region}:${scope.account}:${resource}`;
}

export function tableArn(scope: PolicyScope): string {
  return arn(scope, 'dynamodb', `table/${scope.tableName}`);
}

/** What each kind of stack resource is, as ARNs (patterns) of this stack. */
export function resourceArns(scope: PolicyScope, on: StackResource): string[] {
  const logGroup = arn(scope, 'logs', `log-group:${scope.logGroupName}`);
  switch (on) {
    case 'stack':
      return [
        arn(scope, 'cloudformation', `stack/${scope.stackName}/*`),
        arn(scope, 'cloudformation', 'changeSet/runvoy-*/*'),
      ];
    case 'table':
      return [tableArn(scope)];
    case 'table-indexes':
      return [`${tableArn(scope)}/index/*`];
    case 'cluster-tasks':
      return [scope.clusterArn, arn(scope, 'ecs', `task/${scope.clusterName}/*`)];
    case 'task-definitions':
      return [arn(scope, 'ecs', `task-definition/runvoy-${scope.stackName}-*:*`)];
    case 'log-group':
      return [logGroup, `${logGroup}:*`];
    case 'roles':
      return [...scope.roleArns].sort();
    case 'schedules': {
      const group = scheduleGroupName(scope.stackName);
      return [
        arn(scope, 'scheduler', 'schedule/default/runvoy-*'),
        arn(scope, 'scheduler', `schedule-group/${group}`),
        arn(scope, 'scheduler', `schedule/${group}/*`),
      ];
    }
    case 'template-resources':
      return [];
    case '*':
      return ['*'];
  }
}

/** What the template creates, by service: CloudFormation acts on it with the caller's credentials. */
function templateArns(scope: PolicyScope, action: string): string[] {
  const service = action.split(':')[0];
  switch (service) {
    case 'ecs':
      return [scope.clusterArn];
    case 'dynamodb':
      return [tableArn(scope)];
    case 'logs':
      return resourceArns(scope, 'log-group');
    case 'iam':
      return [`arn:${scope.partition}:iam::${scope.account}:role/runvoy/${scope.stackName}-*`];
    default:
      // EC2 creates resources whose IDs are not known before they exist (VPC, subnets, routes).
      return ['*'];
  }
}

const CALLED_VIA_CLOUDFORMATION: ConditionBlock = {
  'ForAnyValue:StringEquals': { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
};
const MFA: ConditionBlock = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };

interface Grant {
  action: string;
  resources: string[];
  condition?: ConditionBlock;
  least: Role;
  group: string;
}

function grantsOf(scope: PolicyScope, permission: Permission & { role: Role }): Grant[] {
  const actions = [permission.action, ...(EXPANSIONS[permission.action] ?? [])];
  return actions.map((action): Grant => {
    if (permission.on === 'template-resources') {
      return {
        action,
        resources: templateArns(scope, action),
        condition: CALLED_VIA_CLOUDFORMATION,
        least: permission.role,
        // EC2's statement is on "*"; the others share one statement, each action matching only the ARNs of
        // its own service.
        group: action.startsWith('ec2:') ? 'ThroughCloudFormationEc2' : 'ThroughCloudFormation',
      };
    }
    if (action === 'ecs:ListTasks') {
      return {
        action,
        resources: ['*'],
        condition: { ArnEquals: { 'ecs:cluster': scope.clusterArn } },
        least: permission.role,
        group: 'ClusterTaskList',
      };
    }
    if (action === 'ecs:RunTask') {
      return {
        action,
        resources: resourceArns(scope, 'task-definitions'),
        condition: { ArnEquals: { 'ecs:cluster': scope.clusterArn } },
        least: permission.role,
        group: 'RunInCluster',
      };
    }
    const unscoped = UNSCOPED_ACTIONS.has(action);
    return {
      action,
      resources: unscoped ? ['*'] : resourceArns(scope, permission.on),
      least: permission.role,
      group: unscoped ? 'AnyResource' : GROUP_NAMES[permission.on],
    };
  });
}

const GROUP_NAMES: Record<StackResource, string> = {
  stack: 'Stack',
  table: 'Table',
  'table-indexes': 'TableIndexes',
  'cluster-tasks': 'ClusterTasks',
  'task-definitions': 'TaskDefinitions',
  'log-group': 'LogGroup',
  roles: 'PassStackRoles',
  schedules: 'Schedules',
  'template-resources': 'ThroughCloudFormation',
  '*': 'AnyResource',
};

/**
 * The least-privilege policy of `role` on the stack: one statement per kind of resource. With `mfa`, the
 * statements of what only admins may do also require a session signed in with MFA.
 */
export function policyFor(role: Role, scope: PolicyScope, options: { mfa?: boolean } = {}): PolicyDocument {
  // The least role that holds each (action, statement): an action an operator also holds is not admin-only.
  const leastByKey = new Map<string, { grant: Grant; least: Role }>();
  for (const permission of permissionsOfRole(role)) {
    for (const grant of grantsOf(scope, permission)) {
      const key = `${grant.group}\u0000${grant.action}`;
      const seen = leastByKey.get(key);
      if (!seen || rank(grant.least) < rank(seen.least)) leastByKey.set(key, { grant, least: grant.least });
    }
  }
  const statements = new Map<string, PolicyStatement>();
  for (const { grant, least } of leastByKey.values()) {
    const adminOnly = least === 'admin' && role === 'admin' && options.mfa === true;
    const sid = `${grant.group}${adminOnly ? 'AdminMfa' : ''}`;
    const condition = adminOnly ? { ...(grant.condition ?? {}), ...MFA } : grant.condition;
    const statement = statements.get(sid) ?? {
      Sid: sid,
      Effect: 'Allow' as const,
      Action: [],
      Resource: [] as string[],
      ...(condition ? { Condition: condition } : {}),
    };
    if (!statement.Action.includes(grant.action)) statement.Action.push(grant.action);
    for (const resource of grant.resources)
      if (!statement.Resource.includes(resource)) statement.Resource.push(resource);
    statements.set(sid, statement);
  }
  const sorted = [...statements.values()]
    .map((s) => ({ ...s, Action: [...s.Action].sort() }))
    .sort((a, b) => a.Sid.localeCompare(b.Sid));
  return { Version: '2012-10-17', Statement: sorted };
}

function rank(role: Role): number {
  return ROLES.indexOf(role);
}

/** IAM counts a managed policy's size without white space; this is the limit. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export function policySize(policy: PolicyDocument): number {
  return JSON.stringify(policy).replace(/\s/g, '').length;
}
