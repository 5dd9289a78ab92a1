export type ChangeAction = 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';

export interface ResourceChangeSummary {
  action: ChangeAction;
  logicalId: string;
  resourceType: string;
  physicalId?: string;
  /** CloudFormation's Replacement: True, False or Conditional (Modify only). */
  replacement?: string;
}

const SYMBOLS: Record<ChangeAction, string> = {
  Add: '+',
  Modify: '~',
  Remove: '-',
  Import: '<',
  Dynamic: '?',
};
const ORDER: Record<ChangeAction, number> = { Remove: 0, Modify: 1, Add: 2, Import: 3, Dynamic: 4 };

/** One line per resource, Terraform-like: `+ Add  Cluster  AWS::ECS::Cluster`. */
export function formatChangeSet(changes: readonly ResourceChangeSummary[]): string[] {
  if (changes.length === 0) return ['No changes.'];
  const sorted = [...changes].sort(
    (a, b) => ORDER[a.action] - ORDER[b.action] || a.logicalId.localeCompare(b.logicalId),
  );
  const idWidth = Math.max(...sorted.map((c) => c.logicalId.length));
  const lines = sorted.map((c) => {
    const replace =
      c.action === 'Modify' && c.replacement && c.replacement !== 'False'
        ? c.replacement === 'True'
          ? '  (replaced)'
          : '  (may be replaced)'
        : '';
    return `${SYMBOLS[c.action]} ${c.action.padEnd(6)} ${c.logicalId.padEnd(idWidth)}  ${c.resourceType}${replace}`;
  });
  const counts = (['Add', 'Modify', 'Remove'] as const).map(
    (action) => `${changes.filter((c) => c.action === action).length} to ${action.toLowerCase()}`,
  );
  return [...lines, `Plan: ${counts.join(', ')}.`];
}

export interface StackEventSummary {
  timestamp: Date;
  logicalId: string;
  resourceType: string;
  status: string;
  reason?: string;
}

/** The first resource that failed, which is the cause; later failures are usually cancellations. */
export function firstFailure(events: readonly StackEventSummary[]): StackEventSummary | undefined {
  const failures = events
    .filter((e) => e.status.endsWith('_FAILED') && e.resourceType !== 'AWS::CloudFormation::Stack')
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  return (
    failures.find((e) => !/cancelled|resource creation cancelled|update cancelled/i.test(e.reason ?? '')) ??
    failures[0]
  );
}

export const STACK_BUSY = /_IN_PROGRESS$/;
export const STACK_OK = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** Statuses in which CloudFormation accepts an UpdateStack. */
export const STACK_UPDATABLE = new Set([...STACK_OK, 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/** Terminal stack statuses that mean the last operation failed. */
export function isFailedStackStatus(status: string): boolean {
  return /(_FAILED|ROLLBACK_COMPLETE)$/.test(status);
}

/** What to tell the user for a stack failure, by the resource type that failed. */
export function failureAdvice(failure: StackEventSummary | undefined, stackName: string): string {
  const reason = failure?.reason ?? '';
  if (/not authorized|AccessDenied|is not authorized to perform/i.test(reason)) {
    return `Your identity lacks a permission that the stack needs; docs/permissions.md lists what \`runvoy init\` requires. Then run \`runvoy init --stack ${stackName}\` again.`;
  }
  if (/already exists/i.test(reason)) {
    return `A resource with the same name already exists (perhaps a table kept by \`runvoy destroy --retain-data\`): delete or rename it, then run \`runvoy init\` again.`;
  }
  if (/limit|quota/i.test(reason)) {
    return 'An account quota was reached (VPCs, internet gateways or roles): free one or ask for a higher quota in Service Quotas, then run `runvoy init` again.';
  }
  return `Fix the cause above, then run \`runvoy init --stack ${stackName}\` again. If the stack is in ROLLBACK_COMPLETE, run \`runvoy destroy --stack ${stackName}\` first.`;
}
