/**
 * The access roles against an emulator that enforces IAM: every command of the built CLI (read from its
 * manifest, so that a new command without an expectation here fails), run as an IAM user holding the
 * policy `runvoy iam policy --role ROLE` printed, is allowed or denied as src/core/permissions.ts (and so
 * docs/permissions.md) says. Denied means exit 1 with a message naming an IAM action that the role's
 * policy lacks, and no stack trace.
 *
 * moto 5.2.1 enforces IAM when INITIAL_NO_AUTH_ACTION_COUNT is set: after that many requests, every
 * request must be signed by a known access key and its action (the signing service and operation name)
 * allowed by the user's policies. It matches no Resource other than "*" for these services and skips
 * conditions it does not know (all of those used here), so the policies are attached with their
 * resources widened to "*": this test proves the action sets of the roles; the ARNs are checked against
 * what the emulator reports at the end. See "What the IAM test proves" in docs/permissions.md.
 *
 * The server here is this file's own, started with INITIAL_NO_AUTH_ACTION_COUNT=0. Setting up (the
 * stack, the users, the runs and locks a case needs) happens in windows where enforcement is off,
 * through moto's /moto-api/reset-auth (what moto's own `set_initial_no_auth_action_count` uses against a
 * server); every command under test runs with it on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMMAND_PERMISSIONS,
  permissionsOfRole,
  roleCovers,
  ROLES,
  type CommandPermissions,
  type Role,
} from '../../src/core/permissions.js';
import type { PolicyDocument } from '../../src/core/iam-policy.js';
import { runCli, streamResult, type CliResult } from '../support/cli.js';
import { startMoto, type RunningMoto } from '../support/moto-server.js';

const IMAGE = 'public.ecr.aws/docker/library/alpine:3.20';
const ROOT = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const ENTRIES = COMMAND_PERMISSIONS as Record<string, CommandPermissions>;

let moto: RunningMoto;
const keys = {} as Record<Role, { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string }>;
const policies = {} as Record<Role, PolicyDocument>;
const taskFiles = mkdtempSync(join(tmpdir(), 'runvoy-iam-tasks-'));

async function motoApi(path: string, body: string, contentType = 'text/plain'): Promise<void> {
  const res = await fetch(`${moto.url}/moto-api/${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  if (!res.ok) throw new Error(`moto ${path} answered ${res.status}: ${await res.text()}`);
}

/** Runs `work` with IAM enforcement off, then turns it on again (from the next request on). */
async function unauthenticated<T>(work: () => Promise<T>): Promise<T> {
  await motoApi('reset-auth', 'inf');
  try {
    return await work();
  } finally {
    await motoApi('reset-auth', '0');
  }
}

const setTasks = (transition: object) =>
  motoApi(
    'state-manager/set-transition',
    JSON.stringify({ model_name: 'ecs::task', transition }),
    'application/json',
  );

/**
 * Calls AWS APIs on the emulator as its root, in one Python process (boto3 comes with moto): a process
 * per call of the AWS CLI takes seconds each on a loaded machine. Each call is [service, operation,
 * parameters], with boto3's snake_case operation names; returns the answers in order.
 */
const BOTO = [
  'import json, sys, boto3',
  'url, calls = sys.argv[1], json.load(sys.stdin)',
  'session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")',
  'out = []',
  'for service, op, params in calls:',
  '    answer = getattr(session.client(service, endpoint_url=url), op)(**params)',
  '    answer.pop("ResponseMetadata", None)',
  '    out.append(answer)',
  'print(json.dumps(out, default=str))',
].join('\n');

function boto(calls: Array<[string, string, Record<string, unknown>]>): Array<Record<string, unknown>> {
  const result = spawnSync('python3', ['-c', BOTO, moto.url], {
    input: JSON.stringify(calls),
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`boto3 ${JSON.stringify(calls)} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
}

function one(
  service: string,
  operation: string,
  params: Record<string, unknown> = {},
): Record<string, unknown> {
  return boto([[service, operation, params]])[0] ?? {};
}

function cli(args: string[], credentials: Record<string, string>, cwd?: string): Promise<CliResult> {
  return runCli(args, { env: { AWS_ENDPOINT_URL: moto.url, ...credentials }, cwd, timeoutMs: 60_000 });
}

/** As the emulator's root, with enforcement off. */
async function asRoot(args: string[]): Promise<CliResult> {
  const result = await cli(args, ROOT);
  expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

async function detachedRun(lock?: string): Promise<{ id: string; taskArn: string }> {
  const { stdout } = await asRoot([
    'run',
    '--image',
    IMAGE,
    ...(lock ? ['--lock', lock] : []),
    '--detach',
    '--json',
    '--',
    'sleep',
    '1',
  ]);
  const { execution } = streamResult<{ execution: { id: string; taskArn: string } }>(stdout);
  return { id: execution.id, taskArn: execution.taskArn };
}

/** A run that is still running. */
const liveRun = async (lock?: string) => {
  await setTasks({ progression: 'manual', times: 1_000_000 });
  return detachedRun(lock);
};

/** A run whose task has stopped, and that nothing has recorded as finished yet. */
async function stoppedUnrecordedRun(lock?: string): Promise<{ id: string; taskArn: string }> {
  const run = await liveRun(lock);
  const { clusterArn } = stackOutputs();
  one('ecs', 'stop_task', { cluster: clusterArn, task: run.taskArn });
  return run;
}

function scheduleCreate(name: string): string[] {
  return ['schedule', 'create', name, '--cron', '0 3 * * *', '--image', IMAGE, '--', 'echo', 'hi'];
}

/** A schedule made by the emulator's root; its name. */
async function aSchedule(name: string): Promise<string> {
  await asRoot(scheduleCreate(name));
  return name;
}

/** A run that has finished and is recorded as such. */
async function finishedRun(): Promise<string> {
  await setTasks({ progression: 'immediate' });
  const { stdout } = await asRoot(['run', '--image', IMAGE, '--json', '--', 'echo', 'hi']);
  return streamResult<{ execution: { id: string } }>(stdout).execution.id;
}

function stackOutputs(): { clusterArn: string; tableName: string; logGroupName: string } {
  const doc = one('cloudformation', 'describe_stacks', { StackName: 'runvoy' }) as {
    Stacks: Array<{ Outputs: Array<{ OutputKey: string; OutputValue: string }> }>;
  };
  const out = Object.fromEntries(doc.Stacks[0]?.Outputs.map((o) => [o.OutputKey, o.OutputValue]) ?? []);
  return {
    clusterArn: out.ClusterArn ?? '',
    tableName: out.TableName ?? '',
    logGroupName: out.LogGroupName ?? '',
  };
}

/** The policy as moto can evaluate it: the same statements, every Resource widened to "*". */
function forMoto(policy: PolicyDocument): PolicyDocument {
  return { ...policy, Statement: policy.Statement.map((s) => ({ ...s, Resource: ['*'] })) };
}

/** IAM users holding these policies (one each); their access keys. */
function addUsers(users: Array<{ name: string; policy: PolicyDocument }>): Array<Record<string, string>> {
  const answers = boto(
    users.flatMap(({ name, policy }) => [
      ['iam', 'create_user', { UserName: name }],
      [
        'iam',
        'put_user_policy',
        { UserName: name, PolicyName: name, PolicyDocument: JSON.stringify(policy) },
      ],
      ['iam', 'create_access_key', { UserName: name }],
    ]),
  );
  return users.map((_, i) => {
    const key = answers[i * 3 + 2]?.AccessKey as { AccessKeyId: string; SecretAccessKey: string };
    return { AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
  });
}

/**
 * One invocation of a command. `variant` names the flags of a RoleVariant in permissions.ts when the
 * invocation is that variant; `prepare` makes (with enforcement off) what the invocation acts on, for
 * each role afresh, and returns its arguments; `allowedExit` is its exit code when allowed.
 */
interface Case {
  id: string;
  args: string[] | ((role: Role) => Promise<string[]>);
  variant?: string;
  allowedExit?: number;
  cwd?: string;
  /** More to check of an allowed run. */
  then?: (role: Role, result: CliResult) => void;
}

const CASES: Case[] = [
  { id: 'init', args: ['init', '--yes'] },
  { id: 'doctor', args: ['doctor'] },
  { id: 'iam:policy', args: ['iam', 'policy', '--role', 'admin'] },
  {
    id: 'run',
    args: async () => {
      await setTasks({ progression: 'immediate' });
      return ['run', '--image', IMAGE, '--', 'echo', 'hi'];
    },
  },
  { id: 'status', args: async () => ['status', await finishedRun()] },
  { id: 'logs', args: async () => ['logs', await finishedRun()] },
  { id: 'cost', args: async () => ['cost', await finishedRun()] },
  { id: 'cost', args: ['cost', '--by', 'day'] },
  {
    id: 'list',
    args: async () => {
      await stoppedUnrecordedRun();
      return ['list'];
    },
    then: (role, result) => {
      // A viewer cannot record that a run stopped: it says so and shows the run as ECS describes it.
      if (role === 'viewer') expect(result.stderr).toMatch(/has stopped but is not recorded as such/);
      else expect(result.stderr).not.toMatch(/not recorded/);
    },
  },
  { id: 'audit', args: ['audit'] },
  { id: 'locks:list', args: ['locks', 'list'] },
  {
    id: 'locks:status',
    args: async (role) => {
      await liveRun(`status-${role}`);
      return ['locks', 'status', `status-${role}`];
    },
  },
  {
    id: 'locks:release',
    args: async (role) => {
      await stoppedUnrecordedRun(`release-${role}`);
      return ['locks', 'release', `release-${role}`];
    },
  },
  {
    id: 'locks:release',
    variant: '--force',
    args: async (role) => {
      await liveRun(`force-${role}`);
      return ['locks', 'release', `force-${role}`, '--force', '--yes'];
    },
  },
  { id: 'kill', args: async () => ['kill', (await liveRun()).id] },
  {
    id: 'reconcile',
    variant: '--dry-run',
    args: async () => {
      await stoppedUnrecordedRun();
      return ['reconcile', '--dry-run'];
    },
  },
  {
    id: 'reconcile',
    args: async () => {
      await stoppedUnrecordedRun();
      return ['reconcile'];
    },
  },
  { id: 'schedule:list', args: ['schedule', 'list'] },
  {
    id: 'schedule:create',
    args: (role) => Promise.resolve(scheduleCreate(`nightly-${role}`)),
  },
  { id: 'schedule:pause', args: async (role) => ['schedule', 'pause', await aSchedule(`pause-${role}`)] },
  {
    id: 'schedule:resume',
    args: async (role) => {
      // Resuming a schedule that is not paused sends nothing: pause it first.
      const name = await aSchedule(`resume-${role}`);
      await asRoot(['schedule', 'pause', name]);
      return ['schedule', 'resume', name];
    },
  },
  { id: 'schedule:delete', args: async (role) => ['schedule', 'delete', await aSchedule(`delete-${role}`)] },
  { id: 'policy:list', args: ['policy', 'list'] },
  { id: 'policy:get', args: ['policy', 'get', 'budget.monthly'] },
  { id: 'policy:set', args: ['policy', 'set', 'budget.monthly', '500'] },
  {
    id: 'policy:unset',
    args: async () => {
      await asRoot(['policy', 'set', 'runs.maxConcurrent', '50']);
      return ['policy', 'unset', 'runs.maxConcurrent'];
    },
  },
  { id: 'cost:prices', args: ['cost', 'prices'] },
  { id: 'autocomplete', args: ['autocomplete', 'bash'] },
  { id: 'config:path', args: ['config', 'path'] },
  { id: 'config:list', args: ['config', 'list'] },
  { id: 'config:set', args: ['config', 'set', 'stack', 'runvoy'] },
  { id: 'config:get', args: ['config', 'get', 'stack'] },
  { id: 'config:unset', args: ['config', 'unset', 'stack'] },
  { id: 'config:validate', args: ['config', 'validate'] },
  { id: 'tasks:list', args: ['tasks', 'list'], cwd: taskFiles },
  { id: 'tasks:show', args: ['tasks', 'show', 'hello'], cwd: taskFiles },
  { id: 'help', args: ['help'] },
  // Last: it takes the stack away.
  { id: 'destroy', args: ['destroy', '--yes', '--force'] },
];

/** Commands that are not runvoy's own (plugins) and make no AWS call. */
const PLUGIN_COMMANDS = new Set(['help']);

/** What permissions.ts documents for a case: the least role it needs, and a lesser one IAM lets by. */
function documented(c: Case): { needs: Role | 'any'; iamAllows: Role | 'any' } {
  if (PLUGIN_COMMANDS.has(c.id)) return { needs: 'any', iamAllows: 'any' };
  const entry = ENTRIES[c.id];
  if (!entry) throw new Error(`${c.id} has no entry in src/core/permissions.ts`);
  if (!c.variant) return { needs: entry.role, iamAllows: entry.iamAlsoAllows ?? entry.role };
  const variant = entry.variants?.find((v) => v.flags === c.variant);
  if (!variant) throw new Error(`${c.id} documents no variant ${c.variant}`);
  return { needs: variant.role, iamAllows: variant.iamAlsoAllows ?? variant.role };
}

/** The commands of the built CLI, from the oclif manifest inlined in the bundle. */
async function manifestCommandIds(): Promise<string[]> {
  const bundle = createRequire(import.meta.url)(resolve(import.meta.dirname, '../../dist/runvoy.cjs')) as {
    computeManifest(root: string): Promise<{ commands: Record<string, unknown> }>;
  };
  return Object.keys((await bundle.computeManifest(resolve(import.meta.dirname, '../..'))).commands);
}

/** IAM's wildcard match of an ARN pattern ("*" any run of characters). */
function matchesArn(pattern: string, value: string): boolean {
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.?+^$()[\]{}|\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`).test(value);
}

function statement(role: Role, sid: string) {
  const found = policies[role].Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in the ${role} policy`);
  return found;
}

describe('access roles: every command as viewer, operator and admin, with IAM enforced', () => {
  beforeAll(async () => {
    moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '0' } });
    writeFileSync(
      join(taskFiles, 'runvoy.yml'),
      `tasks:\n  hello:\n    image: ${IMAGE}\n    command: [echo, hi]\n`,
    );
    await unauthenticated(async () => {
      await asRoot(['init', '--yes', '--vpc', 'default']);
      for (const role of ROLES) {
        const { stdout } = await asRoot(['iam', 'policy', '--role', role]);
        policies[role] = JSON.parse(stdout) as PolicyDocument;
      }
      const made = addUsers(
        ROLES.map((role) => ({ name: `runvoy-${role}`, policy: forMoto(policies[role]) })),
      );
      ROLES.forEach((role, i) => (keys[role] = made[i] as (typeof keys)[Role]));
    });
  }, 300_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('enforcement is on: the emulator refuses a key it does not know', async () => {
    const result = await cli(['list'], ROOT);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/InvalidClientTokenId/);
  });

  it('every command of the manifest has a case, and every case a documented expectation', async () => {
    const ids = await manifestCommandIds();
    expect(ids.length).toBeGreaterThan(20);
    const covered = new Set(CASES.map((c) => c.id));
    expect(
      ids.filter((id) => !covered.has(id)),
      'commands without a case in this test',
    ).toEqual([]);
    for (const c of CASES) expect(() => documented(c)).not.toThrow();
  });

  it('the policy as printed, with its ARNs, is refused by moto, which matches no resource but "*"', async () => {
    const [scoped] = await unauthenticated(async () =>
      addUsers([{ name: 'runvoy-viewer-scoped', policy: policies.viewer }]),
    );
    const result = await cli(['locks', 'list'], scoped ?? {});
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/may not cloudformation:DescribeStacks/);
  });

  it("the policies' ARNs name the stack's resources as the emulator reports them", async () => {
    const run = await unauthenticated(async () => {
      await setTasks({ progression: 'immediate' });
      return detachedRun();
    });
    const { facts, roles } = await unauthenticated(async () => {
      const outputs = stackOutputs();
      const [table, tasks, groups, resources] = boto([
        ['dynamodb', 'describe_table', { TableName: outputs.tableName }],
        ['ecs', 'describe_tasks', { cluster: outputs.clusterArn, tasks: [run.taskArn] }],
        ['logs', 'describe_log_groups', { logGroupNamePrefix: outputs.logGroupName }],
        ['cloudformation', 'describe_stack_resources', { StackName: 'runvoy' }],
      ]) as [
        { Table: { TableArn: string } },
        { tasks: Array<{ taskArn: string; taskDefinitionArn: string }> },
        { logGroups: Array<{ arn: string }> },
        { StackResources: Array<{ ResourceType: string; PhysicalResourceId: string }> },
      ];
      const roleNames = resources.StackResources.filter((r) => r.ResourceType === 'AWS::IAM::Role').map(
        (r) => r.PhysicalResourceId.split('/').pop() ?? r.PhysicalResourceId,
      );
      const roleArns = boto(roleNames.map((name) => ['iam', 'get_role', { RoleName: name }])).map(
        (answer) => (answer.Role as { Arn: string }).Arn,
      );
      return {
        facts: {
          table: table.Table.TableArn,
          cluster: outputs.clusterArn,
          task: tasks.tasks[0]?.taskArn ?? '',
          taskDefinition: tasks.tasks[0]?.taskDefinitionArn ?? '',
          logGroup: groups.logGroups[0]?.arn ?? '',
        },
        roles: roleArns,
      };
    });
    const covers = (sid: string, arn: string) =>
      expect(
        statement('operator', sid).Resource.some((p) => matchesArn(p, arn)),
        `${sid} covers ${arn}`,
      ).toBe(true);
    covers('Table', facts.table);
    covers('TableIndexes', `${facts.table}/index/byKind`);
    covers('ClusterTasks', facts.task);
    covers('RunInCluster', facts.taskDefinition);
    covers('LogGroup', facts.logGroup);
    covers('LogGroup', `${facts.logGroup.replace(/:\*$/, '')}:log-stream:runvoy/main/abc`);
    expect(statement('operator', 'RunInCluster').Condition).toEqual({
      ArnEquals: { 'ecs:cluster': facts.cluster },
    });
    expect([...statement('operator', 'PassStackRoles').Resource].sort()).toEqual([...roles].sort());
    // Execution, task, scheduler and schedule-lock roles.
    expect(roles).toHaveLength(4);
    // Nothing of the stack's data is granted on "*".
    for (const role of ROLES) {
      const wide = policies[role].Statement.filter((s) => s.Resource.includes('*')).flatMap((s) =>
        s.Condition ? [] : s.Action,
      );
      expect(
        wide.filter(
          (a) =>
            !/^(sts:GetCallerIdentity|ecs:(Register|Describe)TaskDefinition|pricing:GetProducts|scheduler:ListSchedules|ec2:Describe(Vpcs|Subnets))$/.test(
              a,
            ),
        ),
        role,
      ).toEqual([]);
    }
  });

  for (const c of CASES) {
    const label = [c.id, c.variant].filter(Boolean).join(' ');
    it(`${label}: allowed or denied for each role as documented`, async () => {
      const { needs, iamAllows } = documented(c);
      for (const role of ROLES) {
        const args =
          typeof c.args === 'function'
            ? await unauthenticated(() => (c.args as (r: Role) => Promise<string[]>)(role))
            : c.args;
        const result = await cli(args, keys[role], c.cwd);
        const what = `${role}: runvoy ${args.join(' ')}\n${result.stderr}`;
        expect(result.stderr, what).not.toMatch(/^\s+at /m);
        const allowed = iamAllows === 'any' || roleCovers(role, iamAllows);
        if (allowed) {
          expect(result.exitCode, what).toBe(c.allowedExit ?? 0);
          expect(result.stderr, what).not.toMatch(/was denied/);
          c.then?.(role, result);
        } else {
          expect(needs, `${label} is denied to ${role}, so it needs more`).not.toBe('any');
          expect(result.exitCode, what).toBe(1);
          const action = /was denied .*may not ([a-z0-9-]+:[A-Za-z]+)/.exec(result.stderr)?.[1];
          expect(action, what).toBeDefined();
          // The action named is one the command needs and the role's policy lacks.
          expect(
            ENTRIES[c.id]?.permissions.some((p) => p.action === action),
            what,
          ).toBe(true);
          expect(
            permissionsOfRole(role).some((p) => p.action === action),
            what,
          ).toBe(false);
          expect(result.stderr, what).toContain('runvoy iam policy --role');
        }
      }
    }, 300_000);
  }
});
