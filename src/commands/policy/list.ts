import { RunvoyCommand } from '../../base-command.js';
import { POLICY_KEY_NAMES, policyValueText, type PolicyValues } from '../../core/policy.js';
import type { ValidationIssue } from '../../core/errors.js';

interface ListResult {
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  values: PolicyValues;
  problems: ValidationIssue[];
  unknownKeys: string[];
}

export default class PolicyList extends RunvoyCommand<ListResult> {
  static override summary =
    'List the team policy: every key with its value, the version, and who changed it last.';
  static override description =
    "The team policy is one item in the stack's table: budgets, default image and size, allowed images, the longest timeout and the most runs at once, for everyone who uses the stack. Every run checks it. See docs/configuration.md.";
  static override examples = ['<%= config.bin %> policy list', '<%= config.bin %> policy list --json'];

  protected async execute(): Promise<ListResult> {
    await this.parse(PolicyList);
    const { currentPolicy } = await import('../../services/policy.js');
    const ctx = await this.stackContext();
    const { policy, problems, unknownKeys } = await currentPolicy(ctx);
    for (const problem of problems) {
      process.stderr.write(
        `${this.paintErr('yellow', `Warning: the team policy's ${problem.field} is not valid (${JSON.stringify(problem.value)}; allowed: ${problem.allowed}); runs refuse to start until an admin repairs it with \`runvoy policy set\` or \`runvoy policy unset\`.`)}\n`,
      );
    }
    return {
      version: policy.version,
      updatedAt: policy.updatedAt ?? null,
      updatedBy: policy.updatedBy ?? null,
      values: policy.values,
      problems,
      unknownKeys,
    };
  }

  protected render(result: ListResult): void {
    const width = Math.max(...POLICY_KEY_NAMES.map((k) => k.length));
    for (const key of POLICY_KEY_NAMES) {
      const value = result.values[key];
      this.log(
        `${key.padEnd(width)}  ${value === undefined ? this.paint('dim', '(unset)') : policyValueText(key, value)}`,
      );
    }
    for (const key of result.unknownKeys) {
      this.log(
        `${key.padEnd(width)}  ${this.paint('dim', '(set by a newer runvoy; not known to this one)')}`,
      );
    }
    this.note(
      this.paintErr(
        'dim',
        result.version === 0
          ? '(no team policy yet: `runvoy policy set KEY VALUE` makes one)'
          : `(version ${result.version}, last changed by ${result.updatedBy ?? '?'} at ${result.updatedAt ?? '?'})`,
      ),
    );
  }
}
