import { Flags } from '@oclif/core';
import { RunvoyCommand } from '../../base-command.js';
import { ROLES, type Role } from '../../core/permissions.js';
import type { RolePolicy } from '../../services/iam-policy.js';

export default class IamPolicy extends RunvoyCommand<RolePolicy> {
  static override summary =
    "Print the least-privilege IAM policy of an access role, scoped to the stack's resources.";
  static override description = `viewer: list, status, logs, cost, audit, locks list and status, schedule list, doctor, reconcile --dry-run.
operator: also run, kill, reconcile, schedule create, pause, resume and delete, and releasing locks whose holder has finished.
admin: also init, destroy and locks release --force.
The policy names the stack's own table, cluster, log group, roles and schedules, read from its outputs. It prints as a policy document for \`aws iam create-policy --policy-document file://FILE\`; --json prints it inside {role, stack, region, account, mfa, size, maxSize, policy}. docs/permissions.md has the table of commands and roles.`;
  static override examples = [
    '<%= config.bin %> iam policy --role operator > operator.json && aws iam create-policy --policy-name runvoy-operator --policy-document file://operator.json',
    '<%= config.bin %> iam policy --role admin --mfa --stack prod',
  ];
  static override flags = {
    role: Flags.string({
      description: 'The access role.',
      options: [...ROLES],
      required: true,
    }),
    mfa: Flags.boolean({
      description:
        'Require a session signed in with MFA (aws:MultiFactorAuthPresent) for what only admins may do.',
    }),
  };

  protected async execute(): Promise<RolePolicy> {
    const { flags } = await this.parse(IamPolicy);
    const { rolePolicy } = await import('../../services/iam-policy.js');
    return rolePolicy(await this.aws(), String(this.settings().stack.value), flags.role as Role, {
      mfa: flags.mfa,
    });
  }

  protected render(result: RolePolicy): void {
    this.log(JSON.stringify(result.policy, null, 2));
    if (result.size > result.maxSize)
      this.note(
        `This policy is ${result.size} characters without white space; IAM refuses managed policies over ${result.maxSize}. Split its statements into two policies attached to the same users or group.`,
      );
  }
}
