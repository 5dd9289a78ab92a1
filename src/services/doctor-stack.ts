import type { AwsClients } from '../aws/clients.js';
import { describeStack } from '../aws/stack.js';
import { TEMPLATE_VERSION } from '../aws/stack-template.js';
import { isFailedStackStatus, STACK_BUSY } from '../core/change-set.js';
import { compareTemplateVersions } from '../core/stack-outputs.js';
import type { Check } from './doctor.js';

/** doctor's stack checks: found and healthy, and its template version against this CLI's. */
export async function stackChecks(clients: AwsClients, stackName: string, region: string): Promise<Check[]> {
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
  return checks;
}
