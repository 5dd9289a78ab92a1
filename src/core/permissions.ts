/**
 * The one source of truth for the IAM actions each command needs, keyed by command id (as oclif names
 * it: `locks:release`). docs/permissions.md is generated from it (`npm run docs:permissions`; a unit test
 * fails when the doc is stale), an end-to-end test checks that every action a command sends to AWS is
 * listed here for it, and IAM policies per role can be generated from it.
 */

export type AwsService =
  'sts' | 'cloudformation' | 'dynamodb' | 'ecs' | 'logs' | 'scheduler' | 'pricing' | 'ec2' | 'iam';
export type IamAction = `${AwsService}:${string}`;

/** What an action applies to, in terms of the stack (for policies scoped to its resources). */
export type StackResource =
  | 'stack' // the CloudFormation stack and its change sets
  | 'table' // the DynamoDB table
  | 'table-indexes' // the table's indexes (table/NAME/index/*)
  | 'cluster-tasks' // tasks in the stack's cluster
  | 'task-definitions' // task definitions named runvoy-<stack>-*
  | 'log-group' // the stack's log group and its streams
  | 'roles' // the stack's roles (path /runvoy/) and any --task-role
  | 'schedules' // EventBridge Scheduler schedules named runvoy-*, and the stack's group runvoy-<stack> and its schedules
  | 'template-resources' // what the template creates, through CloudFormation
  | '*'; // no resource-level scoping (sts:GetCallerIdentity, ec2:Describe*, pricing)

export interface Permission {
  action: IamAction;
  on: StackResource;
  /** When the command needs it; always when absent. */
  when?: string;
}

export interface CommandPermissions {
  /** The command as the user types it. */
  command: string;
  permissions: Permission[];
}

/** Every command that works on the stack finds it first; both answers are cached for a day. */
const DISCOVERY: Permission[] = [
  { action: 'sts:GetCallerIdentity', on: '*', when: 'once a day per set of credentials (cached)' },
  { action: 'cloudformation:DescribeStacks', on: 'stack', when: 'once a day per stack (cached)' },
];

/** Reading one execution: by its full ID, or by a prefix through the byIdPrefix index. */
const RESOLVE_ID: Permission[] = [
  { action: 'dynamodb:GetItem', on: 'table' },
  { action: 'dynamodb:Query', on: 'table-indexes', when: 'for an ID prefix' },
];

/** Finalising a run whose task has stopped, as list, status, logs and kill do on their way. */
const FINALISE: Permission[] = [
  { action: 'ecs:DescribeTasks', on: 'cluster-tasks', when: 'for runs that are not finished' },
  { action: 'dynamodb:UpdateItem', on: 'table', when: 'to finalise a run whose task stopped' },
  { action: 'scheduler:DeleteSchedule', on: 'schedules', when: 'to finalise a run with --timeout' },
];

/** Checking whether a lock's holder is still running. */
const CHECK_HOLDER: Permission[] = [
  { action: 'dynamodb:GetItem', on: 'table' },
  { action: 'ecs:DescribeTasks', on: 'cluster-tasks', when: 'for a held lock' },
  { action: 'ecs:ListTasks', on: 'cluster-tasks', when: 'for a held lock whose holder recorded no task' },
];

const TEMPLATE_RESOURCES: Permission[] = [
  'ecs:CreateCluster',
  'ecs:DescribeClusters',
  'ecs:PutClusterCapacityProviders',
  'ecs:TagResource',
  'dynamodb:CreateTable',
  'dynamodb:DescribeTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:DescribeContinuousBackups',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:DescribeTimeToLive',
  'dynamodb:TagResource',
  'logs:CreateLogGroup',
  'logs:PutRetentionPolicy',
  'logs:DescribeLogGroups',
  'logs:TagResource',
  'iam:CreateRole',
  'iam:GetRole',
  'iam:PutRolePolicy',
  'iam:GetRolePolicy',
  'iam:AttachRolePolicy',
  'iam:TagRole',
  'iam:PassRole',
].map((action) => ({ action: action as IamAction, on: 'template-resources' }));

const TEMPLATE_NETWORK: Permission[] = [
  'ec2:CreateVpc',
  'ec2:ModifyVpcAttribute',
  'ec2:CreateSubnet',
  'ec2:ModifySubnetAttribute',
  'ec2:CreateInternetGateway',
  'ec2:AttachInternetGateway',
  'ec2:CreateRouteTable',
  'ec2:CreateRoute',
  'ec2:AssociateRouteTable',
  'ec2:CreateSecurityGroup',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:CreateTags',
  'ec2:Describe*',
].map((action) => ({
  action: action as IamAction,
  on: 'template-resources',
  when: 'with --vpc new (the default network)',
}));

const TEMPLATE_DELETE: Permission[] = [
  'ecs:DeleteCluster',
  'dynamodb:DeleteTable',
  'logs:DeleteLogGroup',
  'iam:DeleteRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'ec2:DeleteVpc',
  'ec2:DeleteSubnet',
  'ec2:DetachInternetGateway',
  'ec2:DeleteInternetGateway',
  'ec2:DeleteRouteTable',
  'ec2:DeleteRoute',
  'ec2:DisassociateRouteTable',
  'ec2:DeleteSecurityGroup',
].map((action) => ({ action: action as IamAction, on: 'template-resources' }));

const NONE: Permission[] = [];

export const COMMAND_PERMISSIONS = {
  init: {
    command: 'init',
    permissions: [
      { action: 'sts:GetCallerIdentity', on: '*' },
      { action: 'cloudformation:DescribeStacks', on: 'stack' },
      { action: 'cloudformation:GetTemplate', on: 'stack', when: 'to update a stack' },
      { action: 'cloudformation:CreateChangeSet', on: 'stack' },
      { action: 'cloudformation:DescribeChangeSet', on: 'stack' },
      {
        action: 'cloudformation:DeleteChangeSet',
        on: 'stack',
        when: 'after the review of a create, with nothing to change, or when the answer is no',
      },
      {
        action: 'cloudformation:DeleteStack',
        on: 'stack',
        when: 'to create: the REVIEW_IN_PROGRESS placeholder of the reviewed change set',
      },
      { action: 'cloudformation:CreateStack', on: 'stack', when: 'to create a stack' },
      { action: 'cloudformation:ExecuteChangeSet', on: 'stack', when: 'to update a stack' },
      {
        action: 'cloudformation:UpdateStack',
        on: 'stack',
        when: 'to update a stack whose change set left its parameters unapplied',
      },
      { action: 'cloudformation:DescribeStackEvents', on: 'stack' },
      { action: 'ec2:DescribeVpcs', on: '*', when: 'with --vpc default' },
      { action: 'ec2:DescribeSubnets', on: '*', when: 'with --vpc default or --subnets' },
      ...TEMPLATE_RESOURCES,
      ...TEMPLATE_NETWORK,
    ],
  },
  destroy: {
    command: 'destroy',
    permissions: [
      { action: 'sts:GetCallerIdentity', on: '*' },
      { action: 'cloudformation:DescribeStacks', on: 'stack' },
      { action: 'cloudformation:DescribeStackEvents', on: 'stack' },
      { action: 'cloudformation:GetTemplate', on: 'stack', when: 'with --retain-data' },
      { action: 'cloudformation:UpdateStack', on: 'stack', when: 'with --retain-data' },
      { action: 'cloudformation:DeleteStack', on: 'stack' },
      { action: 'dynamodb:DeleteTable', on: 'table', when: 'a table kept by an earlier --retain-data' },
      {
        action: 'cloudformation:DescribeStackResource',
        on: 'stack',
        when: 'a stack whose create failed (the table it left behind)',
      },
      { action: 'ecs:ListTasks', on: 'cluster-tasks', when: 'to see what is live' },
      { action: 'ecs:DescribeTasks', on: 'cluster-tasks', when: 'to see what is live' },
      {
        action: 'dynamodb:Query',
        on: 'table-indexes',
        when: 'to see what is live (held locks, unfinished runs)',
      },
      { action: 'scheduler:ListSchedules', on: 'schedules' },
      { action: 'scheduler:GetSchedule', on: 'schedules' },
      {
        action: 'scheduler:DeleteSchedule',
        on: 'schedules',
        when: "the stack's --timeout schedules and schedules",
      },
      { action: 'scheduler:GetScheduleGroup', on: 'schedules', when: "the stack's schedule group" },
      {
        action: 'scheduler:DeleteScheduleGroup',
        on: 'schedules',
        when: "the stack's schedule group, if any",
      },
      { action: 'ecs:StopTask', on: 'cluster-tasks', when: 'with --force' },
      {
        action: 'dynamodb:GetItem',
        on: 'table',
        when: 'with --force --retain-data (finalising the stopped runs)',
      },
      {
        action: 'dynamodb:UpdateItem',
        on: 'table',
        when: 'with --force --retain-data (finalising the stopped runs)',
      },
      ...TEMPLATE_DELETE,
    ],
  },
  doctor: {
    command: 'doctor',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes', when: "this month's spend (the byKind index)" },
    ],
  },
  run: {
    command: 'run',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes', when: 'with budget.monthly or budget.perUser set' },
      { action: 'dynamodb:GetItem', on: 'table', when: 'with --lock' },
      { action: 'dynamodb:TransactWriteItems', on: 'table' },
      { action: 'dynamodb:UpdateItem', on: 'table' },
      { action: 'ecs:DescribeTasks', on: 'cluster-tasks' },
      {
        action: 'ecs:ListTasks',
        on: 'cluster-tasks',
        when: 'with --lock, to check a holder that recorded no task',
      },
      {
        action: 'ecs:RegisterTaskDefinition',
        on: 'task-definitions',
        when: 'the first run of an image and setup',
      },
      { action: 'ecs:RunTask', on: 'task-definitions' },
      { action: 'ecs:TagResource', on: 'cluster-tasks', when: 'RunTask with tags' },
      { action: 'ecs:StopTask', on: 'cluster-tasks', when: 'the k key of the live view' },
      { action: 'iam:PassRole', on: 'roles' },
      { action: 'scheduler:CreateSchedule', on: 'schedules', when: 'with --timeout' },
      { action: 'scheduler:DeleteSchedule', on: 'schedules', when: 'with --timeout' },
      { action: 'iam:PassRole', on: 'roles', when: "with --timeout: the stack's scheduler role" },
      { action: 'logs:GetLogEvents', on: 'log-group', when: 'attached' },
      { action: 'logs:StartLiveTail', on: 'log-group', when: 'attached, optional (without it runvoy polls)' },
    ],
  },
  logs: {
    command: 'logs',
    permissions: [
      ...DISCOVERY,
      ...RESOLVE_ID,
      { action: 'logs:GetLogEvents', on: 'log-group' },
      { action: 'logs:FilterLogEvents', on: 'log-group', when: 'with --filter' },
      { action: 'logs:StartLiveTail', on: 'log-group', when: '--follow, optional (without it runvoy polls)' },
      { action: 'ecs:StopTask', on: 'cluster-tasks', when: '--follow: the k key of the live view' },
      ...FINALISE.map((p) => ({ ...p, when: `--follow: ${p.when ?? ''}` })),
    ],
  },
  status: {
    command: 'status',
    permissions: [...DISCOVERY, ...RESOLVE_ID, ...FINALISE],
  },
  list: {
    command: 'list',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes' },
      { action: 'dynamodb:GetItem', on: 'table', when: 'to finalise a run whose task stopped' },
      ...FINALISE,
    ],
  },
  kill: {
    command: 'kill',
    permissions: [
      ...DISCOVERY,
      ...RESOLVE_ID,
      ...FINALISE,
      { action: 'ecs:StopTask', on: 'cluster-tasks' },
      { action: 'ecs:ListTasks', on: 'cluster-tasks', when: 'a run whose task ARN was never recorded' },
      { action: 'dynamodb:PutItem', on: 'table', when: 'the audit event' },
    ],
  },
  'locks:list': {
    command: 'locks list',
    permissions: [...DISCOVERY, { action: 'dynamodb:Query', on: 'table-indexes' }],
  },
  'locks:status': {
    command: 'locks status',
    permissions: [...DISCOVERY, ...CHECK_HOLDER],
  },
  'locks:release': {
    command: 'locks release',
    permissions: [
      ...DISCOVERY,
      ...CHECK_HOLDER,
      { action: 'dynamodb:UpdateItem', on: 'table', when: 'a lock whose holder has finished' },
      { action: 'dynamodb:TransactWriteItems', on: 'table', when: 'with --force (release and audit event)' },
    ],
  },
  reconcile: {
    command: 'reconcile',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes' },
      { action: 'dynamodb:GetItem', on: 'table' },
      { action: 'dynamodb:BatchGetItem', on: 'table' },
      { action: 'dynamodb:UpdateItem', on: 'table', when: 'not with --dry-run' },
      { action: 'dynamodb:TransactWriteItems', on: 'table', when: 'adoptions, not with --dry-run' },
      { action: 'ecs:DescribeTasks', on: 'cluster-tasks' },
      { action: 'ecs:ListTasks', on: 'cluster-tasks' },
      { action: 'ecs:StopTask', on: 'cluster-tasks', when: 'runs past their --timeout, not with --dry-run' },
      { action: 'ecs:DescribeTaskDefinition', on: 'task-definitions', when: 'adoptions' },
      { action: 'scheduler:DeleteSchedule', on: 'schedules', when: 'not with --dry-run' },
    ],
  },
  audit: {
    command: 'audit',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes' },
      { action: 'dynamodb:BatchGetItem', on: 'table' },
    ],
  },
  cost: {
    command: 'cost',
    permissions: [
      ...DISCOVERY,
      ...RESOLVE_ID,
      { action: 'dynamodb:Query', on: 'table-indexes', when: 'reports' },
    ],
  },
  'cost:prices': {
    command: 'cost prices',
    permissions: [
      { action: 'pricing:GetProducts', on: '*', when: 'with --refresh (in us-east-1 or ap-south-1)' },
    ],
  },
  autocomplete: { command: 'autocomplete', permissions: NONE },
  'config:get': { command: 'config get', permissions: NONE },
  'config:list': { command: 'config list', permissions: NONE },
  'config:path': { command: 'config path', permissions: NONE },
  'config:set': { command: 'config set', permissions: NONE },
  'config:unset': { command: 'config unset', permissions: NONE },
  'config:validate': { command: 'config validate', permissions: NONE },
  'schedule:create': {
    command: 'schedule create',
    permissions: [
      ...DISCOVERY,
      { action: 'ecs:DescribeTaskDefinition', on: 'task-definitions' },
      {
        action: 'ecs:RegisterTaskDefinition',
        on: 'task-definitions',
        when: 'the first schedule or run of an image and setup',
      },
      {
        action: 'iam:PassRole',
        on: 'roles',
        when: "registering: the task's roles; always: the scheduler role",
      },
      { action: 'scheduler:GetScheduleGroup', on: 'schedules' },
      { action: 'scheduler:CreateScheduleGroup', on: 'schedules', when: "the stack's first schedule" },
      {
        action: 'scheduler:TagResource',
        on: 'schedules',
        when: "the stack's first schedule (the group's tag)",
      },
      { action: 'scheduler:CreateSchedule', on: 'schedules' },
      { action: 'scheduler:GetSchedule', on: 'schedules' },
    ],
  },
  'schedule:list': {
    command: 'schedule list',
    permissions: [
      ...DISCOVERY,
      { action: 'scheduler:ListSchedules', on: 'schedules' },
      { action: 'scheduler:GetSchedule', on: 'schedules' },
    ],
  },
  'schedule:delete': {
    command: 'schedule delete',
    permissions: [
      ...DISCOVERY,
      { action: 'scheduler:DeleteSchedule', on: 'schedules' },
      {
        action: 'scheduler:ListSchedules',
        on: 'schedules',
        when: 'no such schedule (to name those there are)',
      },
      {
        action: 'scheduler:GetSchedule',
        on: 'schedules',
        when: 'no such schedule (to name those there are)',
      },
    ],
  },
  'schedule:pause': {
    command: 'schedule pause',
    permissions: [
      ...DISCOVERY,
      { action: 'scheduler:GetSchedule', on: 'schedules' },
      { action: 'scheduler:UpdateSchedule', on: 'schedules' },
      { action: 'iam:PassRole', on: 'roles', when: 'the scheduler role, sent back with the schedule' },
      {
        action: 'scheduler:ListSchedules',
        on: 'schedules',
        when: 'no such schedule (to name those there are)',
      },
    ],
  },
  'schedule:resume': {
    command: 'schedule resume',
    permissions: [
      ...DISCOVERY,
      { action: 'scheduler:GetSchedule', on: 'schedules' },
      { action: 'scheduler:UpdateSchedule', on: 'schedules' },
      { action: 'iam:PassRole', on: 'roles', when: 'the scheduler role, sent back with the schedule' },
      {
        action: 'scheduler:ListSchedules',
        on: 'schedules',
        when: 'no such schedule (to name those there are)',
      },
    ],
  },
  'tasks:list': { command: 'tasks list', permissions: NONE },
  'tasks:show': { command: 'tasks show', permissions: NONE },
} as const satisfies Record<string, CommandPermissions>;

export type PermissionCommandId = keyof typeof COMMAND_PERMISSIONS;

/** The actions a command may send, whatever its flags. */
export function actionsOf(commandId: string): Set<IamAction> {
  const entry = (COMMAND_PERMISSIONS as Record<string, CommandPermissions>)[commandId];
  return new Set((entry?.permissions ?? []).map((p) => p.action));
}
