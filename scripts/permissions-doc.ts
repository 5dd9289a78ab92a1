/**
 * Writes docs/permissions.md from src/core/permissions.ts: `npm run docs:permissions`.
 * test/unit/foundation/permissions.test.ts fails when the file is not what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { COMMAND_PERMISSIONS, type CommandPermissions, type StackResource } from '../src/core/permissions.js';

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
  const rows = new Map<string, { on: StackResource; when: string; actions: string[] }>();
  const throughCloudFormation = new Map<string, string[]>();
  for (const p of entry.permissions) {
    if (p.on === 'template-resources') {
      const when = p.when ?? 'always';
      throughCloudFormation.set(when, [...(throughCloudFormation.get(when) ?? []), p.action]);
      continue;
    }
    const key = `${p.on}\u0000${p.when ?? ''}`;
    const row = rows.get(key) ?? { on: p.on, when: p.when ?? 'always', actions: [] };
    if (!row.actions.includes(p.action)) row.actions.push(p.action);
    rows.set(key, row);
  }
  const lines = [
    `## \`runvoy ${entry.command}\``,
    '',
    '| actions | on | when |',
    '| --- | --- | --- |',
    ...[...rows.values()].map(
      (row) => `| ${row.actions.map((a) => `\`${a}\``).join(', ')} | ${RESOURCES[row.on]} | ${row.when} |`,
    ),
    '',
    ...[...throughCloudFormation].flatMap(([when, actions]) => [
      `Through CloudFormation (it acts with your credentials), for what the template creates${when === 'always' ? '' : `, ${when}`}: ${actions.map((a) => `\`${a}\``).join(', ')}.`,
      '',
    ]),
  ];
  return lines.join('\n');
}

/** The whole of docs/permissions.md, formatted as prettier formats the repository. */
export async function renderPermissionsDoc(): Promise<string> {
  const body = [INTRO, ...Object.values(COMMAND_PERMISSIONS).map(section).filter(Boolean), STACK_GRANTS].join(
    '\n',
  );
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
