import { describe, expect, it } from 'vitest';
import {
  MANAGED_POLICY_MAX_CHARS,
  policyFor,
  policySize,
  type PolicyDocument,
  type PolicyScope,
} from '../../../src/core/iam-policy.js';
import {
  COMMAND_PERMISSIONS,
  leastRoleWith,
  permissionRole,
  roleCovers,
  ROLES,
  type CommandPermissions,
} from '../../../src/core/permissions.js';

const ACCOUNT = '123456789012';
const SCOPE: PolicyScope = {
  partition: 'aws',
  region: 'eu-west-1',
  account: ACCOUNT,
  stackName: 'team',
  tableName: 'team-Table-1ABC',
  clusterName: 'team-Cluster-xyz',
  clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/team-Cluster-xyz`,
  logGroupName: '/runvoy/team',
  roleArns: [
    `arn:aws:iam::${ACCOUNT}:role/runvoy/team-ExecutionRole-A`,
    `arn:aws:iam::${ACCOUNT}:role/runvoy/team-TaskRole-B`,
    `arn:aws:iam::${ACCOUNT}:role/runvoy/team-SchedulerRole-C`,
  ],
};
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/team-Table-1ABC`;
const ENTRIES = COMMAND_PERMISSIONS as Record<string, CommandPermissions>;

const actions = (policy: PolicyDocument) => new Set(policy.Statement.flatMap((s) => s.Action));
const statement = (policy: PolicyDocument, sid: string) => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
};
/** The statements that allow `action`. */
const allowing = (policy: PolicyDocument, action: string) =>
  policy.Statement.filter((s) => s.Action.includes(action));

const viewer = policyFor('viewer', SCOPE);
const operator = policyFor('operator', SCOPE);
const admin = policyFor('admin', SCOPE);
const adminMfa = policyFor('admin', SCOPE, { mfa: true });

describe('the policy of each role', () => {
  it.each(ROLES)('%s: a valid document, one statement per Sid, sorted actions', (role) => {
    const policy = policyFor(role, SCOPE);
    expect(policy.Version).toBe('2012-10-17');
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of policy.Statement) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect).toBe('Allow');
      expect(s.Action).toEqual([...new Set(s.Action)].sort());
      expect(s.Resource.length).toBeGreaterThan(0);
    }
  });

  it('each role holds every action of the commands it may run', () => {
    for (const role of ROLES) {
      const held = actions(policyFor(role, SCOPE));
      for (const [id, entry] of Object.entries(ENTRIES)) {
        for (const p of entry.permissions) {
          const least = permissionRole(entry, p);
          if (least && roleCovers(role, least))
            expect(held.has(p.action), `${role} ${id} ${p.action}`).toBe(true);
        }
      }
    }
  });

  it('each role holds what the one before it holds', () => {
    expect([...actions(viewer)].filter((a) => !actions(operator).has(a))).toEqual([]);
    expect([...actions(operator)].filter((a) => !actions(admin).has(a))).toEqual([]);
  });

  it('a viewer writes nothing', () => {
    const writes = [...actions(viewer)].filter((a) =>
      /:(Put|Update|Delete|TransactWrite|Create|Stop|Run|Register|Pass|Execute|Tag)/.test(a),
    );
    expect(writes).toEqual([]);
  });

  it('an operator runs, kills and releases, but neither changes nor deletes the stack', () => {
    for (const a of ['ecs:RunTask', 'ecs:StopTask', 'dynamodb:UpdateItem', 'iam:PassRole'])
      expect(actions(operator).has(a), a).toBe(true);
    for (const a of [
      'cloudformation:CreateChangeSet',
      'cloudformation:ExecuteChangeSet',
      'cloudformation:DeleteStack',
      'dynamodb:DeleteTable',
      'scheduler:DeleteScheduleGroup',
      'ecs:CreateCluster',
      'iam:CreateRole',
    ])
      expect(actions(operator).has(a), a).toBe(false);
  });

  it('a transaction is granted as the PutItem and UpdateItem it is made of, on the table', () => {
    const table = statement(operator, 'Table');
    expect(table.Resource).toEqual([TABLE]);
    expect(table.Action).toEqual(
      expect.arrayContaining(['dynamodb:TransactWriteItems', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
    );
  });
});

describe("the resources are the stack's own", () => {
  it('the table, its indexes, the log group and its streams', () => {
    expect(statement(viewer, 'Table').Resource).toEqual([TABLE]);
    expect(statement(viewer, 'TableIndexes').Resource).toEqual([`${TABLE}/index/*`]);
    expect(statement(viewer, 'LogGroup').Resource).toEqual([
      `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/runvoy/team`,
      `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/runvoy/team:*`,
    ]);
  });

  it("the cluster's tasks; RunTask and ListTasks only in the cluster", () => {
    expect(statement(operator, 'ClusterTasks').Resource).toEqual([
      SCOPE.clusterArn,
      `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/team-Cluster-xyz/*`,
    ]);
    const cluster = { ArnEquals: { 'ecs:cluster': SCOPE.clusterArn } };
    expect(statement(operator, 'RunInCluster')).toMatchObject({
      Action: ['ecs:RunTask'],
      Resource: [`arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/runvoy-team-*:*`],
      Condition: cluster,
    });
    expect(statement(viewer, 'ClusterTaskList')).toMatchObject({ Resource: ['*'], Condition: cluster });
  });

  it("iam:PassRole only on the stack's three roles", () => {
    expect(allowing(operator, 'iam:PassRole')).toEqual([
      expect.objectContaining({ Sid: 'PassStackRoles', Resource: [...SCOPE.roleArns].sort() }),
    ]);
  });

  it('schedules runvoy-* of the default group, the group of the stack and its schedules; the stack and its change sets', () => {
    expect(statement(operator, 'Schedules').Resource).toEqual([
      `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/default/runvoy-*`,
      `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule-group/runvoy-team`,
      `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/runvoy-team/*`,
    ]);
    expect(statement(admin, 'Stack').Resource).toEqual([
      `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/team/*`,
      `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:changeSet/runvoy-*/*`,
    ]);
  });

  it('"*" only for actions without resource-level permissions, or held by a condition', () => {
    for (const role of ROLES) {
      const wide = policyFor(role, SCOPE)
        .Statement.filter((s) => s.Resource.includes('*') && !s.Condition)
        .flatMap((s) => s.Action);
      expect(wide.sort(), role).toEqual(
        wide.filter((a) =>
          [
            'sts:GetCallerIdentity',
            'ecs:RegisterTaskDefinition',
            'ecs:DescribeTaskDefinition',
            'pricing:GetProducts',
            'scheduler:ListSchedules',
            'ec2:DescribeVpcs',
            'ec2:DescribeSubnets',
          ].includes(a),
        ),
      );
    }
  });

  it('what the template creates only through CloudFormation, on what the stack names', () => {
    const through = statement(admin, 'ThroughCloudFormation');
    expect(through.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
    });
    expect(through.Action).toEqual(expect.arrayContaining(['dynamodb:CreateTable', 'iam:CreateRole']));
    expect(through.Resource).toEqual(
      expect.arrayContaining([TABLE, SCOPE.clusterArn, `arn:aws:iam::${ACCOUNT}:role/runvoy/team-*`]),
    );
    expect(through.Resource).not.toContain('*');
    expect(statement(admin, 'ThroughCloudFormationEc2')).toMatchObject({
      Resource: ['*'],
      Condition: through.Condition,
    });
  });

  it('the partition of the account (aws-cn, aws-us-gov)', () => {
    const cn = policyFor('viewer', { ...SCOPE, partition: 'aws-cn', region: 'cn-north-1' });
    expect(statement(cn, 'Table').Resource).toEqual([
      `arn:aws-cn:dynamodb:cn-north-1:${ACCOUNT}:table/team-Table-1ABC`,
    ]);
  });
});

describe('--mfa', () => {
  const MFA = { 'aws:MultiFactorAuthPresent': 'true' };
  const mfaStatements = (policy: PolicyDocument) =>
    policy.Statement.filter((s) => JSON.stringify(s.Condition ?? {}).includes('MultiFactorAuthPresent'));

  it('requires MFA for exactly what only admins hold: an action on a resource no operator has', () => {
    const operatorGrants = new Set(
      operator.Statement.flatMap((s) => s.Action.flatMap((a) => s.Resource.map((r) => `${a} ${r}`))),
    );
    expect(mfaStatements(adminMfa).length).toBeGreaterThan(3);
    for (const s of adminMfa.Statement) {
      const gated = mfaStatements(adminMfa).includes(s);
      if (gated) expect(s.Condition?.Bool).toEqual(MFA);
      // What goes through CloudFormation is its own grant (an operator may tag tasks, not clusters via it).
      if (s.Sid.startsWith('ThroughCloudFormation')) {
        expect(gated, s.Sid).toBe(true);
        continue;
      }
      for (const a of s.Action)
        for (const r of s.Resource)
          expect(operatorGrants.has(`${a} ${r}`), `${s.Sid} ${a} ${r}`).toBe(!gated);
    }
    expect(leastRoleWith('cloudformation:ExecuteChangeSet')).toBe('admin');
  });

  it('keeps the other conditions of an admin-only statement', () => {
    expect(statement(adminMfa, 'ThroughCloudFormationAdminMfa').Condition).toEqual({
      'ForAnyValue:StringEquals': { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
      Bool: MFA,
    });
  });

  it('grants the same actions on the same resources as without it', () => {
    const flat = (policy: PolicyDocument) =>
      policy.Statement.flatMap((s) => s.Action.flatMap((a) => s.Resource.map((r) => `${a} ${r}`))).sort();
    expect(flat(adminMfa)).toEqual(flat(admin));
  });

  it('changes nothing for viewers and operators, and nothing without it', () => {
    expect(policyFor('viewer', SCOPE, { mfa: true })).toEqual(viewer);
    expect(policyFor('operator', SCOPE, { mfa: true })).toEqual(operator);
    expect(mfaStatements(admin)).toEqual([]);
  });
});

describe('size', () => {
  it('the admin policy with --mfa fits a managed policy for the default stack name', () => {
    expect(policySize(policyFor('admin', { ...SCOPE, stackName: 'runvoy' }, { mfa: true }))).toBeLessThan(
      MANAGED_POLICY_MAX_CHARS,
    );
  });

  it('the admin policy without --mfa fits for a stack name of 40 characters', () => {
    const name = 'x'.repeat(40);
    const long = policyFor(
      'admin',
      {
        ...SCOPE,
        stackName: name,
        tableName: `${name}-Table-1ABCDEFGHIJK`,
        clusterName: `${name}-Cluster-abcdefghijk`,
        clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/${name}-Cluster-abcdefghijk`,
        logGroupName: `/runvoy/${name}`,
        roleArns: SCOPE.roleArns.map((r) => r.replace('team', name)),
      },
      { mfa: false },
    );
    expect(policySize(long)).toBeLessThan(MANAGED_POLICY_MAX_CHARS);
  });

  it('counts characters without white space, as IAM does', () => {
    expect(policySize(viewer)).toBe(JSON.stringify(viewer).length);
    expect(policySize(viewer)).toBeLessThan(JSON.stringify(viewer, null, 2).length);
  });
});
