/**
 * The one source of truth for the IAM actions each command needs and the access role that may run it,
 * keyed by command id (as oclif names it: `locks:release`). docs/permissions.md is generated from it
 * (`npm run docs:permissions`; a unit test fails when the doc is stale), an end-to-end test checks that
 * every action a command sends to AWS is listed here for it, `runvoy iam policy --role` builds each
 * role's IAM policy from it (src/core/iam-policy.ts), and an end-to-end test runs every command as each
 * role against an emulator that enforces IAM.
 */

/** The access roles, least first: each holds everything the one before it holds. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` holds what `needed` holds. */
export function roleCovers(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

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
  /**
   * The least role whose policy holds this permission, when it is not the command's role: what a
   * lesser role running the command does without (viewers do not write the end of a stopped run).
   */
  role?: Role;
}

/** A form of a command (a flag) that needs another role than the command itself. */
export interface RoleVariant {
  /** The flags, as typed. */
  flags: string;
  role: Role;
  /**
   * A lesser role that IAM lets do it all the same, because it sends the same actions on the same
   * resources as something that role must be able to do; `why` says so and what holds it back.
   */
  iamAlsoAllows?: Role;
  why?: string;
}

export interface CommandPermissions {
  /** The command as the user types it. */
  command: string;
  /** The least role that may run it; `any` for a command that makes no AWS call. */
  role: Role | 'any';
  /**
   * A lesser role that IAM lets run the command all the same, because it sends the same actions on the
   * same resources as something that role must be able to do; `why` says so and what holds it back.
   */
  iamAlsoAllows?: Role;
  why?: string;
  variants?: RoleVariant[];
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
  {
    action: 'dynamodb:UpdateItem',
    on: 'table',
    when: 'to finalise a run whose task stopped',
    role: 'operator',
  },
  {
    action: 'scheduler:DeleteSchedule',
    on: 'schedules',
    when: 'to finalise a run with --timeout',
    role: 'operator',
  },
];

/** Pausing or resuming a schedule: UpdateSchedule sends the whole schedule back, its role included. */
const SCHEDULE_STATE_CHANGE: Permission[] = [
  ...DISCOVERY,
  { action: 'scheduler:GetSchedule', on: 'schedules' },
  { action: 'scheduler:UpdateSchedule', on: 'schedules' },
  { action: 'iam:PassRole', on: 'roles', when: 'the scheduler role, sent back with the schedule' },
  {
    action: 'scheduler:ListSchedules',
    on: 'schedules',
    when: 'no such schedule (to name those there are)',
  },
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
    role: 'admin',
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
    role: 'admin',
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
    role: 'viewer',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes', when: "this month's spend (the byKind index)" },
    ],
  },
  run: {
    command: 'run',
    role: 'operator',
    permissions: [
      ...DISCOVERY,
      {
        action: 'dynamodb:Query',
        on: 'table-indexes',
        when: "with budget.monthly or budget.perUser set (yours or the team policy's), or runs.maxConcurrent",
      },
      { action: 'dynamodb:GetItem', on: 'table', when: 'with --lock; the team policy when it is not cached' },
      { action: 'dynamodb:TransactWriteItems', on: 'table' },
      {
        action: 'dynamodb:ConditionCheckItem',
        on: 'table',
        when: "the team policy's version, in the start transaction",
      },
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
    role: 'viewer',
    permissions: [
      ...DISCOVERY,
      ...RESOLVE_ID,
      { action: 'logs:GetLogEvents', on: 'log-group' },
      { action: 'logs:FilterLogEvents', on: 'log-group', when: 'with --filter' },
      { action: 'logs:StartLiveTail', on: 'log-group', when: '--follow, optional (without it runvoy polls)' },
      {
        action: 'ecs:StopTask',
        on: 'cluster-tasks',
        when: '--follow: the k key of the live view',
        role: 'operator',
      },
      ...FINALISE.map((p) => ({ ...p, when: `--follow: ${p.when ?? ''}` })),
    ],
  },
  status: {
    command: 'status',
    role: 'viewer',
    permissions: [...DISCOVERY, ...RESOLVE_ID, ...FINALISE],
  },
  list: {
    command: 'list',
    role: 'viewer',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes' },
      { action: 'dynamodb:GetItem', on: 'table', when: 'to finalise a run whose task stopped' },
      ...FINALISE,
    ],
  },
  kill: {
    command: 'kill',
    role: 'operator',
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
    role: 'viewer',
    permissions: [...DISCOVERY, { action: 'dynamodb:Query', on: 'table-indexes' }],
  },
  'locks:status': {
    command: 'locks status',
    role: 'viewer',
    permissions: [...DISCOVERY, ...CHECK_HOLDER],
  },
  'locks:release': {
    command: 'locks release',
    role: 'operator',
    variants: [
      {
        flags: '--force',
        role: 'admin',
        iamAlsoAllows: 'operator',
        why: 'A force release writes the lock item and an audit event, as taking a lock for a run does: IAM sees the same actions on the same table. What holds an operator back is the CLI (it asks for --force and confirmation) and the `lock-force-release` event in `runvoy audit`, naming who did it.',
      },
    ],
    permissions: [
      ...DISCOVERY,
      ...CHECK_HOLDER,
      { action: 'dynamodb:UpdateItem', on: 'table', when: 'a lock whose holder has finished' },
      {
        action: 'dynamodb:TransactWriteItems',
        on: 'table',
        when: 'with --force (release and audit event)',
        role: 'admin',
      },
    ],
  },
  reconcile: {
    command: 'reconcile',
    role: 'operator',
    variants: [{ flags: '--dry-run', role: 'viewer' }],
    permissions: [
      ...DISCOVERY.map((p) => ({ ...p, role: 'viewer' as const })),
      { action: 'dynamodb:Query', on: 'table-indexes', role: 'viewer' },
      { action: 'dynamodb:GetItem', on: 'table', role: 'viewer' },
      { action: 'dynamodb:BatchGetItem', on: 'table', role: 'viewer' },
      { action: 'dynamodb:UpdateItem', on: 'table', when: 'not with --dry-run' },
      { action: 'dynamodb:TransactWriteItems', on: 'table', when: 'adoptions, not with --dry-run' },
      { action: 'ecs:DescribeTasks', on: 'cluster-tasks', role: 'viewer' },
      { action: 'ecs:ListTasks', on: 'cluster-tasks', role: 'viewer' },
      { action: 'ecs:StopTask', on: 'cluster-tasks', when: 'runs past their --timeout, not with --dry-run' },
      { action: 'ecs:DescribeTaskDefinition', on: 'task-definitions', when: 'adoptions', role: 'viewer' },
      { action: 'scheduler:DeleteSchedule', on: 'schedules', when: 'not with --dry-run' },
    ],
  },
  audit: {
    command: 'audit',
    role: 'viewer',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:Query', on: 'table-indexes' },
      { action: 'dynamodb:BatchGetItem', on: 'table' },
    ],
  },
  cost: {
    command: 'cost',
    role: 'viewer',
    permissions: [
      ...DISCOVERY,
      ...RESOLVE_ID,
      { action: 'dynamodb:Query', on: 'table-indexes', when: 'reports' },
    ],
  },
  'cost:prices': {
    command: 'cost prices',
    role: 'viewer',
    permissions: [
      { action: 'pricing:GetProducts', on: '*', when: 'with --refresh (in us-east-1 or ap-south-1)' },
    ],
  },
  'iam:policy': {
    command: 'iam policy',
    role: 'viewer',
    permissions: [
      { action: 'sts:GetCallerIdentity', on: '*', when: 'once a day per set of credentials (cached)' },
      {
        action: 'cloudformation:DescribeStacks',
        on: 'stack',
        when: 'always (the policy names what it holds now)',
      },
    ],
  },
  autocomplete: { command: 'autocomplete', role: 'any', permissions: NONE },
  'config:get': { command: 'config get', role: 'any', permissions: NONE },
  'config:list': { command: 'config list', role: 'any', permissions: NONE },
  'config:path': { command: 'config path', role: 'any', permissions: NONE },
  'config:set': { command: 'config set', role: 'any', permissions: NONE },
  'config:unset': { command: 'config unset', role: 'any', permissions: NONE },
  'config:validate': { command: 'config validate', role: 'any', permissions: NONE },
  'policy:get': {
    command: 'policy get',
    role: 'viewer',
    permissions: [...DISCOVERY, { action: 'dynamodb:GetItem', on: 'table' }],
  },
  'policy:list': {
    command: 'policy list',
    role: 'viewer',
    permissions: [...DISCOVERY, { action: 'dynamodb:GetItem', on: 'table' }],
  },
  'policy:set': {
    command: 'policy set',
    role: 'admin',
    iamAlsoAllows: 'operator',
    why: 'A policy change writes the policy item and its audit event in one transaction, the actions an operator sends to start a run: IAM sees the same actions on the same table. What holds an operator back is the team agreement that only admins change it, and the `policy-set`/`policy-unset` event in `runvoy audit`, naming who did it and what the value was.',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:GetItem', on: 'table' },
      {
        action: 'dynamodb:TransactWriteItems',
        on: 'table',
        when: 'an admin action: the team policy and its audit event',
      },
    ],
  },
  'policy:unset': {
    command: 'policy unset',
    role: 'admin',
    iamAlsoAllows: 'operator',
    why: 'A policy change writes the policy item and its audit event in one transaction, the actions an operator sends to start a run: IAM sees the same actions on the same table. What holds an operator back is the team agreement that only admins change it, and the `policy-set`/`policy-unset` event in `runvoy audit`, naming who did it and what the value was.',
    permissions: [
      ...DISCOVERY,
      { action: 'dynamodb:GetItem', on: 'table' },
      {
        action: 'dynamodb:TransactWriteItems',
        on: 'table',
        when: 'an admin action: the team policy and its audit event',
      },
    ],
  },
  'schedule:create': {
    command: 'schedule create',
    role: 'operator',
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
    role: 'viewer',
    permissions: [
      ...DISCOVERY,
      { action: 'scheduler:ListSchedules', on: 'schedules' },
      { action: 'scheduler:GetSchedule', on: 'schedules' },
    ],
  },
  'schedule:delete': {
    command: 'schedule delete',
    role: 'operator',
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
    role: 'operator',
    permissions: SCHEDULE_STATE_CHANGE,
  },
  'schedule:resume': {
    command: 'schedule resume',
    role: 'operator',
    permissions: SCHEDULE_STATE_CHANGE,
  },
  'tasks:list': { command: 'tasks list', role: 'any', permissions: NONE },
  'tasks:show': { command: 'tasks show', role: 'any', permissions: NONE },
} as const satisfies Record<string, CommandPermissions>;

export type PermissionCommandId = keyof typeof COMMAND_PERMISSIONS;

/** The actions a command may send, whatever its flags. */
export function actionsOf(commandId: string): Set<IamAction> {
  const entry = (COMMAND_PERMISSIONS as Record<string, CommandPermissions>)[commandId];
  return new Set((entry?.permissions ?? []).map((p) => p.action));
}

const ENTRIES = COMMAND_PERMISSIONS as Record<string, CommandPermissions>;

/** The least role that holds a permission of a command; undefined for a command that makes no AWS call. */
export function permissionRole(entry: CommandPermissions, permission: Permission): Role | undefined {
  if (permission.role) return permission.role;
  return entry.role === 'any' ? undefined : entry.role;
}

/** Every permission the policy of `role` holds, with the least role that holds it. */
export function permissionsOfRole(role: Role): Array<Permission & { role: Role }> {
  return Object.values(ENTRIES).flatMap((entry) =>
    entry.permissions.flatMap((p) => {
      const least = permissionRole(entry, p);
      return least && roleCovers(role, least) ? [{ ...p, role: least }] : [];
    }),
  );
}

/** The least role whose policy allows `action`, if any does. */
export function leastRoleWith(action: string): Role | undefined {
  return ROLES.find((role) => permissionsOfRole(role).some((p) => p.action === action));
}
