/**
 * Writes docs/permissions.md from src/core/permissions.ts: `npm run docs:permissions`.
 * test/unit/foundation/permissions.test.ts fails when the file is not what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import {
  COMMAND_PERMISSIONS,
  permissionRole,
  permissionsOfRole,
  roleCovers,
  ROLES,
  type CommandPermissions,
  type Role,
  type StackResource,
} from '../src/core/permissions.js';

export const DOC_PATH = resolve(import.meta.dirname, '../docs/permissions.md');

const RESOURCES: Record<StackResource, string> = {
  stack: 'the stack',
  table: 'the table',
  'table-indexes': "the table's indexes",
  'cluster-tasks': "the cluster's tasks",
  'task-definitions': 'task definitions `runvoy-<stack>-*`',
  'log-group': "the stack's log group",
  roles: 'roles under `/runvoy/`, and any `--task-role`',
  schedules: 'schedules `runvoy-*`',
  'template-resources': 'what the template creates (through CloudFormation)',
  '*': 'any',
};

const INTRO = `# Permissions

runvoy uses your own AWS credentials. This page lists, for each command, the IAM actions it needs, on
what, and when. It is generated from \`src/core/permissions.ts\` (\`npm run docs:permissions\`); an
end-to-end test checks that every request a command sends to AWS is listed there for it.

A policy for runvoy users can be limited to the stack's resources: the table (and its indexes,
\`table/<name>/index/*\`), the cluster's tasks, task definitions named \`runvoy-<stack>-*\`, and roles under
the path \`/runvoy/\`. Commands that are not listed (\`config ...\`, \`tasks ...\`, \`help\`, \`autocomplete\`) make no
AWS call.
`;

const ROLES_INTRO = `## Access roles

\`runvoy iam policy --role viewer|operator|admin\` prints the IAM policy of a role, scoped to the stack's
own resources (read from its outputs: the table and its indexes, the cluster and its tasks, task definitions
\`runvoy-<stack>-*\`, the log group, the stack's four roles (execution, task, scheduler, schedule lock) for \`iam:PassRole\`, schedules
\`runvoy-*\` of the default group, and the stack itself). Attach it to a group:

\`\`\`sh
runvoy iam policy --role operator > operator.json
aws iam create-policy --policy-name runvoy-operator --policy-document file://operator.json
aws iam attach-group-policy --group-name developers --policy-arn arn:aws:iam::123456789012:policy/runvoy-operator
\`\`\`

Each role holds everything the one before it holds. The policy is printed again (and attached again) after
\`runvoy init\` replaces a resource it names. What each role may run:
`;

const ROLES_NOTES = `### What IAM enforces, and what it cannot

- **Releasing a lock.** IAM sees items, not who holds them: releasing a lock and taking one are both
  writes (\`dynamodb:UpdateItem\`, or a \`TransactWriteItems\` of \`PutItem\` and \`UpdateItem\`) on the
  same table, and an operator must be able to do both. \`dynamodb:LeadingKeys\` cannot tell them apart
  either: a lock's key is its name, so that two runs contend for one item, not the caller. What holds an
  operator to "its own" locks is the CLI: \`locks release\` without \`--force\` releases a lock only
  when its holder is verified finished (its task stopped), with a condition on the holder and fence, and
  \`--force\` asks for confirmation and writes a \`lock-force-release\` event that \`runvoy audit\`
  shows with who did it. An operator who calls DynamoDB directly can write any item of the table; only
  the audit trail of runvoy (and CloudTrail data events, if you enable them) tells.
- **Viewers read only.** \`list\`, \`status\` and \`logs\` record the end of a run whose task has
  stopped, on their way; a viewer's policy has no write to the table, so for a viewer they show the run as
  ECS describes it, say that it is not recorded, and leave it to an operator's \`list\`, \`status\` or
  \`reconcile\`.
- **What CloudFormation creates.** \`init\` and \`destroy\` act on the table, cluster, log group, roles
  and network through CloudFormation, which uses the caller's credentials. The admin policy grants those
  actions only when called via CloudFormation (\`aws:CalledVia\`), on the stack's own resources (EC2's
  on \`*\`: a VPC's ID is not known before it exists).
- **The first \`init\`.** The policy is built from the stack's outputs, so it exists once the stack does:
  the first \`runvoy init\` is run by someone with broader rights (an account administrator); the admin
  role then updates and destroys it.
- **\`--task-role\`.** The policies let runs pass only the stack's own roles. A run with
  \`--task-role ARN\` needs \`iam:PassRole\` on that role too: grant it next to the policy.
- **Transactions.** AWS authorises each item of a \`TransactWriteItems\` as the \`PutItem\` or
  \`UpdateItem\` it is; the policies grant those, and \`dynamodb:TransactWriteItems\` itself for
  emulators that check the operation name.
- **MFA.** With \`--mfa\`, the statements of what only admins may do (\`init\`, \`destroy\`, and the
  actions only they use) require \`aws:MultiFactorAuthPresent\`: sign in with MFA (\`aws sts
  get-session-token --serial-number ... --token-code ...\`, or an SSO or role session with MFA) before
  \`runvoy init\` or \`runvoy destroy\`. What an admin shares with operators and viewers does not ask
  for it.
- **Size.** IAM refuses a managed policy over 6,144 characters (without white space). The admin policy
  of the stack \`runvoy\` is about 4,800 (5,900 with \`--mfa\`); a longer stack name adds to it, and
  \`runvoy iam policy\` says when it goes over: split its statements into two policies then.
- **Denied.** When AWS refuses a request, runvoy exits 1 and says which action was denied on what, that
  the caller's policy lacks it, and which \`runvoy iam policy --role\` includes it.

## What the IAM test proves

\`test/e2e/iam-roles.test.ts\` runs every command of the built CLI (read from its manifest: a command
without an expectation fails the test) as an IAM user holding each role's policy, against moto 5.2.1 with
IAM enforcement on (\`INITIAL_NO_AUTH_ACTION_COUNT\`), and checks that it is allowed or denied as the
table above says, a denial exiting 1 with a message that names an action the role lacks. Reading moto's
source (\`moto/core/authorization.py\`, \`moto/iam/access_control.py\`) tells what that proves:

- moto checks every request of the services runvoy uses (all go through \`BaseResponse.call_action\`):
  the access key must be an IAM user's (or an assumed role's), the signature must match, and the action,
  named from the signing service and the operation (\`dynamodb:TransactWriteItems\`), must be allowed by
  one of the user's policies (inline, attached, or through groups) and not explicitly denied.
  \`sts:GetCallerIdentity\` is always allowed. So the test proves each role's **action set**: every
  action a command sends is in the policy of the roles that may run it, and a role that may not run it
  lacks one.
- moto matches a statement's \`Resource\` against the request's resource, which for these services is
  always \`*\` (only IAM, STS and SQS work out a real one). A statement scoped to ARNs never matches: the
  policy as printed is refused everything (the test shows it). So the test attaches each policy with its
  resources widened to \`*\`, and checks the ARNs separately: the table, its index, the task, the task
  definition, the log group and the roles that the emulator reports match the policy's statements. It does
  not prove that AWS evaluates them as intended (for example that an action supports the resource type
  named); that rests on the Service Authorization Reference.
- moto evaluates only \`StringEquals\` conditions, and only for role trust policies; every other
  condition is skipped. \`aws:MultiFactorAuthPresent\`, \`aws:CalledVia\` and \`ecs:cluster\` are not
  evaluated: the test cannot prove \`--mfa\` (a unit test checks which statements carry it).
- Actions that AWS checks on behalf of another (\`iam:PassRole\` on \`RunTask\`, CloudFormation creating
  the stack's resources with the caller's rights) are not checked by moto: \`init\` passes there with
  the CloudFormation actions alone.
- moto answers a refusal to a JSON service (DynamoDB, ECS, Logs, Scheduler) with an XML document; runvoy
  reads it all the same (\`src/aws/refusal-body.ts\`), as it reads AWS's JSON refusals.
`;

const STACK_GRANTS = `## What the stack grants

- The **task execution role** (used by ECS to start the task) can pull images, write to the stack's log
  group, and read only the secrets under the prefixes given at \`init\` (\`SecretsSsmPrefix\`, default SSM
  parameters under \`/runvoy/\`; \`SecretsManagerPrefix\`, default Secrets Manager secrets named \`runvoy/*\`),
  with \`kms:Decrypt\` only through those services.
- The **default task role** (what the command itself can do) has no permissions. Pass \`--task-role ARN\`
  to give a run more.
- The **scheduler role** lets EventBridge Scheduler call \`ecs:StopTask\` on the cluster's tasks, for
  \`--timeout\`.
- No \`iam:PassRole\` on \`*\`, and no wildcard actions on data.
`;

function section(entry: CommandPermissions): string {
  if (entry.permissions.length === 0) return '';
  // One row per (resource, condition): the actions that share them.
  const rows = new Map<string, { on: StackResource; when: string; role: string; actions: string[] }>();
  const throughCloudFormation = new Map<string, string[]>();
  for (const p of entry.permissions) {
    if (p.on === 'template-resources') {
      const when = p.when ?? 'always';
      throughCloudFormation.set(when, [...(throughCloudFormation.get(when) ?? []), p.action]);
      continue;
    }
    const role = permissionRole(entry, p) ?? '-';
    const key = `${p.on}\u0000${p.when ?? ''}\u0000${role}`;
    const row = rows.get(key) ?? { on: p.on, when: p.when ?? 'always', role, actions: [] };
    if (!row.actions.includes(p.action)) row.actions.push(p.action);
    rows.set(key, row);
  }
  const lines = [
    `### \`runvoy ${entry.command}\``,
    '',
    `Role: ${entry.role}${(entry.variants ?? []).map((v) => `; ${v.role} with \`${v.flags}\``).join('')}.`,
    '',
    '| actions | on | when | least role |',
    '| --- | --- | --- | --- |',
    ...[...rows.values()].map(
      (row) =>
        `| ${row.actions.map((a) => `\`${a}\``).join(', ')} | ${RESOURCES[row.on]} | ${row.when} | ${row.role} |`,
    ),
    '',
    ...[...throughCloudFormation].flatMap(([when, actions]) => [
      `Through CloudFormation (it acts with your credentials), for what the template creates${when === 'always' ? '' : `, ${when}`}: ${actions.map((a) => `\`${a}\``).join(', ')}.`,
      '',
    ]),
  ];
  return lines.join('\n');
}

const ENTRIES = Object.values(COMMAND_PERMISSIONS) as CommandPermissions[];

function cell(allowed: boolean, note = ''): string {
  return allowed ? `yes${note}` : 'no';
}

/** The table of commands and roles, with what a role does without when it runs a command. */
function roleTable(): string {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const entry of ENTRIES) {
    if (entry.role === 'any') continue;
    // What the role's policy lacks altogether (an action it holds for another command is not lacking).
    const lacking = (role: Role) => {
      const held = new Set(permissionsOfRole(role).map((p) => p.action));
      return entry.permissions.filter((p) => !held.has(p.action));
    };
    const cells = ROLES.map((role) => {
      if (entry.role === 'any') return cell(false);
      if (!roleCovers(role, entry.role)) {
        if (!entry.iamAlsoAllows || !roleCovers(role, entry.iamAlsoAllows)) return cell(false);
        notes.push(`\`${entry.command}\` as ${role}: IAM allows it. ${entry.why ?? ''}`);
        return `IAM allows it (${notes.length})`;
      }
      const without = lacking(role);
      if (without.length === 0) return cell(true);
      notes.push(
        `\`${entry.command}\` as ${role}: without ${[...new Set(without.map((p) => `\`${p.action}\` (${p.when ?? 'always'})`))].join(', ')}.`,
      );
      return cell(true, ` (${notes.length})`);
    });
    rows.push(`| \`runvoy ${entry.command}\` | ${cells.join(' | ')} |`);
    for (const variant of entry.variants ?? []) {
      const variantCells = ROLES.map((role) => {
        if (roleCovers(role, variant.role)) return cell(true);
        if (variant.iamAlsoAllows && roleCovers(role, variant.iamAlsoAllows)) {
          notes.push(`\`${entry.command} ${variant.flags}\` as ${role}: IAM allows it. ${variant.why ?? ''}`);
          return `IAM allows it (${notes.length})`;
        }
        return cell(false);
      });
      rows.push(`| \`runvoy ${entry.command} ${variant.flags}\` | ${variantCells.join(' | ')} |`);
    }
  }
  const local = ENTRIES.filter((e) => e.role === 'any').map((e) => `\`${e.command}\``);
  return [
    ROLES_INTRO,
    `| command | ${ROLES.join(' | ')} |`,
    `| --- | ${ROLES.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    ...notes.map((note, i) => `${i + 1}. ${note}`),
    '',
    `Any role, and no AWS access at all: ${local.join(', ')}, \`help\` (they make no AWS call).`,
    '',
    ROLES_NOTES,
  ].join('\n');
}

/** The whole of docs/permissions.md, formatted as prettier formats the repository. */
export async function renderPermissionsDoc(): Promise<string> {
  const body = [
    INTRO,
    roleTable(),
    '## What each command needs\n',
    ...ENTRIES.map(section).filter(Boolean),
    STACK_GRANTS,
  ].join('\n');
  const options = (await resolveConfig(DOC_PATH)) ?? {};
  return format(body, { ...options, parser: 'markdown' });
}

if (process.argv.includes('--write')) {
  const doc = await renderPermissionsDoc();
  const before = readFileSync(DOC_PATH, 'utf8');
  writeFileSync(DOC_PATH, doc);
  process.stdout.write(
    before === doc ? 'docs/permissions.md is up to date.\n' : 'Wrote docs/permissions.md.\n',
  );
}
