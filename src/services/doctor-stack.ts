import type { AwsClients } from '../aws/clients.js';
import { describeStack } from '../aws/stack.js';
import { TEMPLATE_VERSION } from '../aws/stack-template.js';
import { isFailedStackStatus, STACK_BUSY } from '../core/change-set.js';
import { compareTemplateVersions } from '../core/stack-outputs.js';
import { usd, type Budgets, type MonthToDate } from '../core/budget.js';
import type { Check } from './doctor.js';

export interface SpendOptions {
  budgets: Budgets;
  callerArn: string;
  now?: Date;
}

/**
 * doctor's stack checks: found and healthy, and its template version against this CLI's; with `spend`,
 * the month-to-date spend against the budgets.
 */
export async function stackChecks(
  clients: AwsClients,
  stackName: string,
  region: string,
  spend?: SpendOptions,
): Promise<Check[]> {
  const stack = await describeStack(clients, stackName);
  if (!stack || stack.status === 'REVIEW_IN_PROGRESS') {
    return [
      {
        id: 'stack',
        label: 'Stack',
        ok: false,
        detail: `"${stackName}" not found in ${region}`,
        fix: `Run \`runvoy init${stackName === 'runvoy' ? '' : ` --stack ${stackName}`}\`.`,
      },
    ];
  }
  const healthy = !isFailedStackStatus(stack.status) || stack.status === 'UPDATE_ROLLBACK_COMPLETE';
  const checks: Check[] = [
    {
      id: 'stack',
      label: 'Stack',
      ok: healthy,
      detail: `${stackName} ${stack.status}${STACK_BUSY.test(stack.status) ? ' (an operation is running)' : ''}`,
      ...(healthy
        ? {}
        : {
            fix: `Run \`runvoy init\` to repair it, or \`runvoy destroy\` then \`runvoy init\` if it never finished creating.`,
          }),
    },
  ];
  const version = stack.outputs.TemplateVersion;
  const comparison = version === undefined ? 'older' : compareTemplateVersions(version, TEMPLATE_VERSION);
  checks.push({
    id: 'template',
    label: 'Template',
    ok: comparison !== 'older',
    detail:
      comparison === 'same'
        ? `version ${version}, as this CLI expects`
        : comparison === 'newer'
          ? `version ${version}, newer than this CLI's ${TEMPLATE_VERSION} (upgrade runvoy)`
          : `version ${version ?? 'unknown'}, older than this CLI's ${TEMPLATE_VERSION}`,
    ...(comparison === 'older' ? { fix: 'Run `runvoy init` to update the stack.' } : {}),
  });
  const table = stack.outputs.TableName;
  if (spend && healthy && table) checks.push(await spendCheck(clients, table, spend));
  return checks;
}

function against(spent: number, limit: number | undefined, name: string): string {
  if (limit === undefined) return '';
  return ` of ${name} ${usd(limit)} (${Math.round((spent / limit) * 100)}%)`;
}

/** Month-to-date spend from the records against budget.monthly and budget.perUser. */
export async function spendCheck(clients: AwsClients, table: string, spend: SpendOptions): Promise<Check> {
  const { Store } = await import('../aws/store.js');
  let mtd: MonthToDate;
  try {
    const { monthToDate } = await import('./budget.js');
    mtd = await monthToDate(
      { store: new Store(await clients.documents(), table) },
      { callerArn: spend.callerArn, now: spend.now, teamWide: true },
    );
  } catch (error) {
    return {
      id: 'spend',
      label: 'Spend',
      ok: false,
      detail: `could not read this month's executions: ${(error as Error).message}`,
      fix: 'Check that you may Query the stack table (docs/permissions.md), then run `runvoy doctor` again.',
    };
  }
  const { monthly, perUser } = spend.budgets;
  const unknown = mtd.unavailable > 0 ? `; ${mtd.unavailable} with no known cost` : '';
  const parts = [
    `${usd(mtd.team)} since ${mtd.since.slice(0, 10)} (${mtd.executions} run${mtd.executions === 1 ? '' : 's'}${unknown})${against(mtd.team, monthly, 'budget.monthly')}`,
  ];
  if (perUser !== undefined)
    parts.push(`you ${usd(mtd.user)}${against(mtd.user, perUser, 'budget.perUser')}`);
  const over = [
    ...(monthly !== undefined && mtd.team >= monthly ? ['budget.monthly'] : []),
    ...(perUser !== undefined && mtd.user >= perUser ? ['budget.perUser'] : []),
  ];
  const none = monthly === undefined && perUser === undefined ? '; no monthly budget set' : '';
  return {
    id: 'spend',
    label: 'Spend',
    ok: over.length === 0,
    detail: `${parts.join('; ')}${none}`,
    ...(over.length > 0
      ? {
          fix: `${over.join(' and ')} ${over.length > 1 ? 'are' : 'is'} spent: runs are refused (exit 5) until next month, unless you raise it (\`runvoy config set ${over[0]} AMOUNT\`) or pass --over-budget.`,
        }
      : {}),
  };
}
