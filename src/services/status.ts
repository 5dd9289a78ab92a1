import { logStreamConsoleUrl, taskConsoleUrl } from '../core/console-links.js';
import type { ExecutionRecord } from '../core/execution.js';
import { logStreamName } from '../core/run-plan.js';
import { resolveExecution } from './execution-lookup.js';
import { refreshRows } from './list.js';
import type { StackCommandContext } from '../context.js';

export interface ExecutionLinks {
  task?: string;
  logs?: string;
}

export interface StatusResult {
  execution: ExecutionRecord;
  links: ExecutionLinks;
  logGroup: string;
  logStream?: string;
  /** True when this call finalised the run because its task had stopped. */
  refreshed: boolean;
}

/** Console links to an execution's task and its log stream (when it has a task). */
export function linksFor(record: ExecutionRecord, logGroup: string, clusterName: string): ExecutionLinks {
  if (!record.taskArn) return {};
  return {
    task: taskConsoleUrl({
      region: record.region,
      cluster: record.clusterArn ?? clusterName,
      taskArn: record.taskArn,
    }),
    // An adopted task logs wherever its own task definition says: only runvoy's runs (and its schedules')
    // have a known stream.
    ...(record.origin !== 'adopted'
      ? {
          logs: logStreamConsoleUrl({
            region: record.region,
            logGroup,
            logStream: logStreamName(record.taskArn),
          }),
        }
      : {}),
  };
}

/** Everything about one execution (an ID or unique prefix), refreshed from ECS when it is not finished. */
export async function executionStatus(
  ctx: Pick<StackCommandContext, 'clients' | 'store' | 'stack' | 'warn'>,
  idOrPrefix: string,
): Promise<StatusResult> {
  const found = await resolveExecution(ctx.store, idOrPrefix);
  const { records, finalised } = await refreshRows(ctx, [found]);
  const execution = records[0] ?? found;
  const logGroup = ctx.stack.outputs.logGroupName;
  return {
    execution,
    links: linksFor(execution, logGroup, ctx.stack.outputs.clusterName),
    logGroup,
    ...(execution.taskArn && execution.origin !== 'adopted'
      ? { logStream: logStreamName(execution.taskArn) }
      : {}),
    refreshed: finalised.length > 0,
  };
}
