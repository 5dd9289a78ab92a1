import type { ExecutionRecord } from '../core/execution.js';
import type { LockItem } from '../core/lock-protocol.js';
import { formatDuration } from '../core/duration.js';
import { displayCommand } from '../core/shell-quote.js';
import type { RunReporter } from '../services/run.js';
import type { Finalised } from '../services/finalise.js';
import { recordSummary } from './log-lines.js';
import { toJson } from './json-output.js';
import { streamEvent } from './json-envelope.js';

type Write = (line: string) => void;

/** Plain progress lines on stderr, for pipes and CI (the live view replaces them in a terminal). */
export function plainRunReporter(write: Write): RunReporter {
  return {
    waitingForLock: (lock, remaining) =>
      write(
        `Waiting for lock "${lock.name}" held by ${lock.holderExecutionId ?? '?'} (${lock.holderArn ?? 'unknown'}); giving up in ${formatDuration(remaining)}...`,
      ),
    lockAcquired: (name, fence, takeover) =>
      write(
        `Lock "${name}" acquired (fence ${fence})${takeover ? `, taken over from finished execution ${takeover.holderExecutionId}` : ''}.`,
      ),
    registered: (family) =>
      write(`Registering task definition ${family} (first run with this image and setup).`),
    spotFellBack: (reason) =>
      write(`No Fargate Spot capacity (${reason}): running on on-demand Fargate instead.`),
    started: (record) =>
      write(
        `Execution ${record.id} started: ${record.image}${record.command.length ? ` ${displayCommand(record.command, record.shell)}` : ''} [${record.cpu} CPU, ${record.memory} MiB, ${record.arch}${record.capacityProvider === 'FARGATE_SPOT' ? ', Spot' : ''}]\n  task ${record.taskArn ?? '?'}`,
      ),
    status: (record) => write(`Status: ${record.status}`),
    warn: (message) => write(`Warning: ${message}`),
  };
}

/** NDJSON events on stdout for --json (schemas/event.schema.json). */
export function jsonRunReporter(write: Write): RunReporter {
  const event = (type: string, data: Record<string, unknown>) => write(toJson(streamEvent(type, data)));
  return {
    waitingForLock: (lock: LockItem, remainingMs) => event('lock-wait', { lock, remainingMs }),
    lockAcquired: (name, fence, takeover) =>
      event('lock', { name, fence, takeoverFrom: takeover?.holderExecutionId }),
    registered: (family) => event('task-definition', { family, registered: true }),
    spotFellBack: (reason) => event('spot-fallback', { reason }),
    started: (record) => event('started', { id: record.id, status: record.status, taskArn: record.taskArn }),
    status: (record) => event('status', statusFields(record)),
    warn: (message) => event('warning', { message }),
  };
}

export function summaryLine(result: Finalised): string {
  const { record, outcome } = result;
  const lines = [recordSummary(record, { durationFrom: 'started' })];
  if (record.stopCode || record.stoppedReason) {
    lines.push(`  ECS: ${[record.stopCode, record.stoppedReason].filter(Boolean).join(': ')}`);
  }
  if (outcome.containerReason) lines.push(`  container: ${outcome.containerReason}`);
  if (outcome.hint) lines.push(`  what to do: ${outcome.hint}`);
  return lines.join('\n');
}

export function detachLines(record: ExecutionRecord, stackFlag: string): string[] {
  return [
    `Detached from ${record.id}; the task keeps running${record.lockName ? ` and keeps the lock "${record.lockName}"` : ''}.`,
    `  follow:  runvoy logs ${record.id} --follow${stackFlag}`,
    `  status:  runvoy status ${record.id}${stackFlag}`,
    `  stop:    runvoy kill ${record.id}${stackFlag}`,
  ];
}

/** The fields of a `status` event. */
export function statusFields(record: ExecutionRecord) {
  return {
    id: record.id,
    status: record.status,
    ...(record.exitCode === undefined || record.exitCode === null ? {} : { exitCode: record.exitCode }),
  };
}
